import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { MAX_INT4 } from '../../common/integer-limits';
import { CSR_TYPES, CsrOverridesDto } from '../../cert/dto/issue-certificate.dto';
import { PaginationQueryDto } from '../../common/pagination.dto';
import { CertificateType } from '../../crypto/crypto.types';
import { REQUEST_STATUSES, RequestStatus } from '../certificate-request.entity';

/** An RSA-4096 CSR with many SANs is a few kilobytes; 16 KiB bounds what every list page carries. */
const MAX_CSR_LENGTH = 16_384;

export class SubmitRequestDto {
  @ApiProperty({ description: 'PEM PKCS#10 certificate request (RSA ≥ 2048, EC P-256/P-384, Ed25519)' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_CSR_LENGTH)
  csr!: string;

  @ApiPropertyOptional({ enum: CSR_TYPES, default: 'server' })
  @IsOptional()
  @IsIn(CSR_TYPES as readonly string[])
  certificate_type?: Exclude<CertificateType, 'ca'>;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Free text for whoever fulfils it' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  comment?: string | null;
}

/** The approver's decision: the CA, and optionally sign-csr's overrides of the CSR (audited as such). */
export class SignRequestDto extends CsrOverridesDto {
  @ApiProperty({ description: 'The CA that signs (needs can_create_cert on it)' })
  @IsInt()
  @Min(1)
  @Max(MAX_INT4)
  ca_id!: number;

  @ApiPropertyOptional({ enum: CSR_TYPES, description: 'Overrides the type asked for at submission' })
  @IsOptional()
  @IsIn(CSR_TYPES as readonly string[])
  certificate_type?: Exclude<CertificateType, 'ca'>;

  @ApiPropertyOptional({ description: 'Validity in days (default CERT_DAYS); clamped to the CA' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(36500)
  valid_days?: number;
}

export class RejectRequestDto {
  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  reason?: string | null;
}

export class RequestQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ enum: REQUEST_STATUSES, example: 'outstanding' })
  @IsOptional()
  @IsIn(REQUEST_STATUSES as readonly string[])
  status?: RequestStatus;

  @ApiPropertyOptional({ description: 'Only requests submitted by this user' })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_INT4)
  submitted_by_user_id?: number;
}
