import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';

export class RevokeCertificateDto {
  @ApiPropertyOptional({
    description:
      'Free text, stored and returned. When it names an RFC 5280 reason (keyCompromise, superseded, …, any case) ' +
      'the CRL entry carries that reason code.',
  })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string;

  @ApiPropertyOptional({
    description:
      'RFC 5280 CRLReason code (0-6, 9-10), overriding what reason names; 8 (removeFromCRL) is refused: ' +
      'it belongs to delta CRLs, which this CA does not issue',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(10)
  reason_code?: number;
}
