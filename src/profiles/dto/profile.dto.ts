import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  IsArray,
  IsBoolean,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  ValidateNested,
} from 'class-validator';
import { KEY_TYPES } from '../../ca/dto/create-ca.dto';
import { ISSUABLE_TYPES } from '../../cert/dto/issue-certificate.dto';
import { MAX_INT4 } from '../../common/integer-limits';
import { IsOptionalNotNull } from '../../common/validation';
import { CertificateType, KeyType } from '../../crypto/crypto.types';
import { MAX_SAN_TEMPLATES } from '../../issuance/san-templates';
import { PROFILE_NAME_MAX_LENGTH } from './profile-ref';

const MAX_PATTERNS = 256;

/** The attributes a profile writes into every subject, whatever the request says. */
export class FixedSubjectDto {
  @ApiPropertyOptional({ type: String, nullable: true, example: 'Example Org' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  O?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(64)
  OU?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true, description: 'Two-letter country code' })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2)
  C?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  L?: string | null;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(128)
  ST?: string | null;
}

/** DNS names and URIs with {{claim}} placeholders, rendered from a CI workload's ID-token claims. */
export class SanTemplatesDto {
  @ApiPropertyOptional({
    type: [String],
    example: ['{{repository_owner}}.ci.internal'],
    description:
      'DNS names; a placeholder stands inside a label left of the last two (fixed) labels, its value letters, digits, hyphens',
  })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(MAX_SAN_TEMPLATES)
  @IsString({ each: true })
  @MaxLength(255, { each: true })
  dns_names?: string[];

  @ApiPropertyOptional({
    type: [String],
    example: ['spiffe://ci.internal/gh/{{repository}}'],
    description: 'URIs; placeholders in the path only, their values unreserved characters and "/"',
  })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(MAX_SAN_TEMPLATES)
  @IsString({ each: true })
  @MaxLength(255, { each: true })
  uris?: string[];
}

/** The fields of a profile; every one optional, so PATCH takes them as they are. */
export class ProfileFieldsDto {
  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiPropertyOptional({ default: true, description: 'A disabled profile cannot be named for issuance' })
  @IsOptionalNotNull()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    type: [Number],
    description: 'The CAs it may issue under (CAs of its organization); empty or absent: any of them',
  })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(MAX_PATTERNS)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(MAX_INT4, { each: true })
  ca_ids?: number[];

  @ApiPropertyOptional({ enum: ISSUABLE_TYPES, isArray: true, description: 'Empty or absent: any type' })
  @IsOptionalNotNull()
  @IsArray()
  @IsIn(ISSUABLE_TYPES as readonly string[], { each: true })
  certificate_types?: CertificateType[];

  @ApiPropertyOptional({ enum: KEY_TYPES, isArray: true, description: 'Empty or absent: any key type' })
  @IsOptionalNotNull()
  @IsArray()
  @IsIn(KEY_TYPES as readonly string[], { each: true })
  key_types?: KeyType[];

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 2048, maximum: 16384 })
  @IsOptional()
  @IsInt()
  @Min(2048)
  @Max(16384)
  min_rsa_bits?: number | null;

  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    description:
      '`api.svc.internal` exactly, `*.svc.internal` any name below it (not the apex); null or absent: any DNS name; [] none',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_PATTERNS)
  @IsString({ each: true })
  @MaxLength(255, { each: true })
  allowed_dns?: string[] | null;

  @ApiPropertyOptional({
    default: false,
    description: 'Whether a requested `*.x` DNS name is allowed at all',
  })
  @IsOptionalNotNull()
  @IsBoolean()
  allow_wildcard_certificates?: boolean;

  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    description: 'CIDR ranges, v4 or v6 (a bare address is /32 or /128); null or absent: any; [] none',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_PATTERNS)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  allowed_ip_ranges?: string[] | null;

  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    description: '`*@corp.example` (any mailbox there) or an exact mailbox; null or absent: any; [] none',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_PATTERNS)
  @IsString({ each: true })
  @MaxLength(320, { each: true })
  allowed_emails?: string[] | null;

  @ApiPropertyOptional({
    type: [String],
    nullable: true,
    description: 'URI globs, `*` any run of characters (`spiffe://corp/ns/*`); null or absent: any; [] none',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_PATTERNS)
  @IsString({ each: true })
  @MaxLength(2048, { each: true })
  allowed_uris?: string[] | null;

  @ApiPropertyOptional({
    type: [String],
    default: ['CN'],
    description: 'Subject attributes a request may set (CN, O, OU, C, L, ST, emailAddress, serialNumber, …)',
  })
  @IsOptionalNotNull()
  @IsArray()
  @ArrayMaxSize(64)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  allowed_subject_attributes?: string[];

  @ApiPropertyOptional({ type: FixedSubjectDto, description: 'Attributes the profile writes itself' })
  @IsOptionalNotNull()
  @IsObject()
  @ValidateNested()
  @Type(() => FixedSubjectDto)
  subject?: FixedSubjectDto;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1, maximum: 36500 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(36500)
  default_validity_days?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, minimum: 1, maximum: 36500 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(36500)
  max_validity_days?: number | null;

  @ApiPropertyOptional({
    default: 60,
    minimum: 0,
    maximum: 86400,
    description: "notBefore this far in the past (never before the issuer's notBefore)",
  })
  @IsOptionalNotNull()
  @IsInt()
  @Min(0)
  @Max(86400)
  backdate_seconds?: number;

  @ApiPropertyOptional({
    enum: ['clamp', 'refuse'],
    default: 'clamp',
    description:
      "A certificate that would outlive its issuer: shortened to the issuer's notAfter, or refused",
  })
  @IsOptionalNotNull()
  @IsIn(['clamp', 'refuse'])
  issuer_lifetime?: 'clamp' | 'refuse';

  @ApiPropertyOptional({
    type: SanTemplatesDto,
    nullable: true,
    description:
      "SANs rendered from the claims of the CI workload (OIDC token exchange) that issues: then the certificate's only SANs, " +
      'still checked by every other rule; a caller without workload claims cannot use the profile. Null: none',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => SanTemplatesDto)
  san_templates?: SanTemplatesDto | null;

  @ApiPropertyOptional({
    default: false,
    description:
      'POST /certificates/renew may certify the same public key again when its body has no CSR; ' +
      'otherwise a renewal needs a CSR for a new key',
  })
  @IsOptionalNotNull()
  @IsBoolean()
  renewal_reuses_key?: boolean;

  @ApiPropertyOptional({
    default: false,
    description:
      'Serve an ACME directory (RFC 8555) for this profile at acme_directory_url: certbot, lego and ' +
      'cert-manager obtain certificates through it, under every rule of the profile',
  })
  @IsOptionalNotNull()
  @IsBoolean()
  acme_enabled?: boolean;

  @ApiPropertyOptional({
    default: true,
    description:
      "New ACME accounts must carry an external account binding made with one of the profile's EAB keys " +
      '(POST /profiles/{id}/acme-eab-keys); false only for trusted networks',
  })
  @IsOptionalNotNull()
  @IsBoolean()
  acme_eab_required?: boolean;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description:
      'The CA ACME certificates are issued from (one of ca_ids when it lists any); null: the only CA of ca_ids',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_INT4)
  acme_ca_id?: number | null;
}

const ProfileName = (): PropertyDecorator =>
  applyDecorators(
    IsString(),
    IsNotEmpty(),
    Matches(/\S/, { message: 'name must not be blank' }),
    Matches(/^(?!\s*\d+\s*$)/, { message: 'name must not be only digits (a number names a profile by id)' }),
    MaxLength(PROFILE_NAME_MAX_LENGTH),
  );

export class CreateProfileDto extends ProfileFieldsDto {
  @ApiProperty({ example: 'web', description: 'Unique within the organization' })
  @ProfileName()
  name!: string;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    description: 'Superusers only; others create profiles in their own organization (the default)',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_INT4)
  organization_id?: number | null;
}

export class UpdateProfileDto extends ProfileFieldsDto {
  @ApiPropertyOptional({ description: 'Unique within the organization' })
  @IsOptionalNotNull()
  @ProfileName()
  name?: string;
}

export class ProfileResponseDto {
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty() enabled!: boolean;
  @ApiProperty({ type: Number, nullable: true }) organization_id!: number | null;
  @ApiProperty({ type: [Number] }) ca_ids!: number[];
  @ApiProperty({ enum: ISSUABLE_TYPES, isArray: true }) certificate_types!: CertificateType[];
  @ApiProperty({ enum: KEY_TYPES, isArray: true }) key_types!: KeyType[];
  @ApiProperty({ type: Number, nullable: true }) min_rsa_bits!: number | null;
  @ApiProperty({ type: [String], nullable: true }) allowed_dns!: string[] | null;
  @ApiProperty() allow_wildcard_certificates!: boolean;
  @ApiProperty({ type: [String], nullable: true }) allowed_ip_ranges!: string[] | null;
  @ApiProperty({ type: [String], nullable: true }) allowed_emails!: string[] | null;
  @ApiProperty({ type: [String], nullable: true }) allowed_uris!: string[] | null;
  @ApiProperty({ type: [String] }) allowed_subject_attributes!: string[];
  @ApiProperty({ type: FixedSubjectDto }) subject!: FixedSubjectDto;
  @ApiProperty({ type: Number, nullable: true }) default_validity_days!: number | null;
  @ApiProperty({ type: Number, nullable: true }) max_validity_days!: number | null;
  @ApiProperty() backdate_seconds!: number;
  @ApiProperty({ enum: ['clamp', 'refuse'] }) issuer_lifetime!: 'clamp' | 'refuse';
  @ApiProperty({ type: SanTemplatesDto, nullable: true }) san_templates!: SanTemplatesDto | null;
  @ApiProperty() renewal_reuses_key!: boolean;
  @ApiProperty() acme_enabled!: boolean;
  @ApiProperty() acme_eab_required!: boolean;
  @ApiProperty({ type: Number, nullable: true }) acme_ca_id!: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Where ACME clients start ({PUBLIC_BASE_URL}/acme/{profile-slug}/directory); null unless acme_enabled',
    example: 'https://ca.example.com/acme/web-2/directory',
  })
  acme_directory_url!: string | null;
  @ApiProperty({ type: Number, nullable: true }) created_by_user_id!: number | null;
  @ApiProperty() created_at!: Date;
  @ApiProperty() updated_at!: Date;
}
