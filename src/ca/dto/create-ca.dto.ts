import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
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
import { Type } from 'class-transformer';
import { MAX_INT4 } from '../../common/integer-limits';
import { KeyType } from '../../crypto/crypto.types';
import { NameConstraintsDto } from './name-constraints.dto';
import { ProfileRef, ProfileRefProperty } from '../../profiles/dto/profile-ref';

export const KEY_TYPES: readonly KeyType[] = ['rsa', 'ec', 'ed25519'];

export class CreateCaDto {
  @ApiProperty({ example: 'My Root CA' })
  @IsString()
  @IsNotEmpty()
  @Matches(/\S/, { message: 'name must not be blank' })
  @MaxLength(200)
  name!: string;

  @ApiProperty({
    example: 'CN=My Root CA,O=Acme,C=US',
    description: 'RFC 4514 (CN=…,O=…) or /C=…/O=…/CN=… form',
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  subject_dn!: string;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiPropertyOptional({ enum: KEY_TYPES, default: 'rsa' })
  @IsOptional()
  @IsIn(KEY_TYPES as readonly string[])
  key_type?: KeyType;

  @ApiPropertyOptional({
    description: 'RSA bits (2048, 3072, 4096; default CA_KEY_SIZE) or EC curve (256, 384)',
  })
  @IsOptional()
  @IsInt()
  @Max(MAX_INT4)
  key_size?: number;

  @ApiPropertyOptional({ description: 'Validity in days (default CA_CERT_DAYS); clamped to the parent CA' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(36500)
  valid_days?: number;

  @ApiPropertyOptional({ type: Number, nullable: true, description: 'Parent CA (creates an intermediate)' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_INT4)
  parent_ca_id?: number | null;

  @ApiPropertyOptional({ type: Number, nullable: true, description: 'basicConstraints pathLen' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(32)
  path_length?: number | null;

  @ApiPropertyOptional({
    type: Boolean,
    nullable: true,
    description: 'Override the leaf policy (auto-managed if null)',
  })
  @IsOptional()
  @IsBoolean()
  allow_leaf_certs?: boolean | null;

  @ApiPropertyOptional({
    type: Boolean,
    description:
      'Create a pending CA: its key and CSR are generated here, its certificate comes later ' +
      '(POST /cas/{id}/certificate with a chain signed outside, or POST /cas/{id}/sign)',
  })
  @IsOptional()
  @IsBoolean()
  pending?: boolean | null;

  @ApiPropertyOptional({
    type: NameConstraintsDto,
    nullable: true,
    description:
      'RFC 5280 nameConstraints, written as a critical extension (for a pending CA: requested in its CSR); ' +
      'must lie within the constraints of the issuer chain',
  })
  @IsOptional()
  @IsObject()
  @ValidateNested()
  @Type(() => NameConstraintsDto)
  name_constraints?: NameConstraintsDto | null;

  @ApiPropertyOptional({
    type: Boolean,
    default: false,
    description: 'Every certificate this CA signs must name a profile (400 otherwise)',
  })
  @IsOptional()
  @IsBoolean()
  require_profile?: boolean | null;

  /** The profile the new CA's certificate is issued under (with parent_ca_id). */
  @ProfileRefProperty()
  profile?: ProfileRef | null;
}
