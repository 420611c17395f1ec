import { ApiProperty } from '@nestjs/swagger';
import { IsNotEmpty, IsString, MaxLength } from 'class-validator';

/** PEM inputs are bounded well above any real CSR or chain, far below the body limit. */
export const MAX_PEM_LENGTH = 65_536;

export class CertificateChainDto {
  @ApiProperty({ description: 'PEM certificates, leaf first, each signed by the next' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_PEM_LENGTH)
  certificate_chain!: string;
}
