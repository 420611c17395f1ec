import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { MAX_PEM_LENGTH } from '../../common/certificate-chain.dto';

export class RenewCertificateDto {
  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description:
      "A PEM CSR for the new key (only its key is used: the subject and SANs are the certificate's). " +
      "Absent or null: the certificate's public key again, where its profile has renewal_reuses_key",
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_PEM_LENGTH)
  csr?: string | null;
}
