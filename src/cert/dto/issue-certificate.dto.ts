import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { MAX_INT4 } from '../../common/integer-limits';
import { KEY_TYPES } from '../../ca/dto/create-ca.dto';
import { SAN_COUNT_CEILING } from '../../config/app-config';
import { CertificateType, KeyType } from '../../crypto/crypto.types';
import type { IssuerLifetime } from '../../issuance/profile-policy';
import { ProfileRef, ProfileRefProperty } from '../../profiles/dto/profile-ref';

export const ISSUABLE_TYPES: readonly CertificateType[] = ['server', 'client', 'dual_purpose', 'ca'];
export const CSR_TYPES: readonly CertificateType[] = ['server', 'client', 'dual_purpose'];

const ISSUER_LIFETIMES: readonly IssuerLifetime[] = ['clamp', 'refuse'];

export class IssueQueryDto {
  @ApiProperty({
    description: 'Issuing CA (the example: CA 2, the issuing CA of the POST /cas example)',
    example: 2,
  })
  @Type(() => Number)
  @IsInt({ message: 'ca_id must be an integer' })
  @Min(1)
  @Max(MAX_INT4)
  ca_id!: number;
}

/** What every leaf-issuing route accepts besides its own fields: the SANs and the lifetime choice. */
export class LeafFieldsDto {
  @ApiPropertyOptional({ type: [String], description: 'DNS SANs (server/dual_purpose only)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(SAN_COUNT_CEILING)
  @IsString({ each: true })
  @MaxLength(253, { each: true })
  san_dns_names?: string[];

  @ApiPropertyOptional({ type: [String], description: 'IP SANs (server/dual_purpose only)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(SAN_COUNT_CEILING)
  @IsString({ each: true })
  @MaxLength(45, { each: true })
  san_ip_addresses?: string[];

  @ApiPropertyOptional({ type: [String], description: 'Email SANs (client/dual_purpose only)' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(SAN_COUNT_CEILING)
  @IsString({ each: true })
  @MaxLength(254, { each: true })
  san_email_addresses?: string[];

  @ApiPropertyOptional({
    type: [String],
    description: 'URI SANs, absolute RFC 3986 URIs such as SPIFFE IDs (client/server/dual_purpose)',
    example: ['spiffe://corp.example/ns/payments/sa/api'],
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(SAN_COUNT_CEILING)
  @IsString({ each: true })
  @MaxLength(2048, { each: true })
  san_uris?: string[];

  @ApiPropertyOptional({
    enum: ISSUER_LIFETIMES,
    description:
      "When the certificate would outlive its CA: clamp notAfter to the CA's (default; the response says " +
      "validity_clamped) or refuse with 400. A profile's refuse cannot be turned back into clamp",
  })
  @IsOptional()
  @IsIn(ISSUER_LIFETIMES as readonly string[])
  issuer_lifetime?: IssuerLifetime;
}

export class IssueCertificateDto extends LeafFieldsDto {
  @ApiProperty({ example: 'web.example.com' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  common_name!: string;

  @ApiProperty({ example: 'CN=web.example.com,O=Acme,C=US' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  subject_dn!: string;

  @ApiProperty({ enum: ISSUABLE_TYPES })
  @IsIn(ISSUABLE_TYPES as readonly string[])
  certificate_type!: CertificateType;

  @ApiPropertyOptional({ enum: KEY_TYPES, default: 'rsa' })
  @IsOptional()
  @IsIn(KEY_TYPES as readonly string[])
  key_type?: KeyType;

  @ApiPropertyOptional({ description: 'RSA bits (default CERT_KEY_SIZE) or EC curve (256, 384)' })
  @IsOptional()
  @IsInt()
  @Max(MAX_INT4)
  key_size?: number;

  @ApiPropertyOptional({ description: 'Validity in days (default CERT_DAYS); clamped to the issuing CA' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(36500)
  valid_days?: number;

  @ApiPropertyOptional({
    default: true,
    description: 'Keep the generated private key (sealed) and return it; false discards it after signing',
  })
  @IsOptional()
  @IsBoolean()
  include_private_key?: boolean;

  @ApiPropertyOptional({ type: Number, nullable: true, description: 'pathLen for certificate_type "ca"' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(32)
  path_length?: number | null;

  @ProfileRefProperty()
  profile?: ProfileRef | null;
}

/** What a signer may change of a CSR (sign-csr, and an approver signing a request), and the profile. */
export class CsrOverridesDto extends LeafFieldsDto {
  @ApiPropertyOptional({ description: "Override the CSR's Common Name" })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  common_name?: string;

  @ApiPropertyOptional({ description: "Override the CSR's whole subject" })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  subject_dn?: string;

  @ProfileRefProperty()
  profile?: ProfileRef | null;
}

export class SignCsrDto extends CsrOverridesDto {
  @ApiProperty({ description: 'PEM-encoded PKCS#10 CSR' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(65536)
  csr!: string;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description: 'Issuing CA by id (exactly one of ca_id and ca_name; null counts as absent)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_INT4)
  ca_id?: number | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: "Issuing CA by name, in the caller's organization (any, for superusers)",
  })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(200)
  ca_name?: string | null;

  @ApiProperty({ enum: CSR_TYPES })
  @IsIn(CSR_TYPES as readonly string[])
  certificate_type!: CertificateType;

  @ApiPropertyOptional({ description: 'Validity in days (default CERT_DAYS)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(36500)
  valid_days?: number;
}
