import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsInt, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { MAX_INT4 } from '../../common/integer-limits';
import { IsOptionalNotNull } from '../../common/validation';
import { ProfileRef, ProfileRefProperty } from '../../profiles/dto/profile-ref';

export class UpdateCaDto {
  @ApiPropertyOptional({ description: 'false disables the CA (it signs nothing; its CRL stays published)' })
  @IsOptionalNotNull()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({ type: String, nullable: true })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiPropertyOptional({ type: Boolean, nullable: true, description: 'null returns to the automatic rule' })
  @IsOptional()
  @IsBoolean()
  allow_leaf_certs?: boolean | null;

  @ApiPropertyOptional({ description: 'true: every certificate this CA signs must name a profile' })
  @IsOptionalNotNull()
  @IsBoolean()
  require_profile?: boolean;
}

export class SignPendingCaDto {
  @ApiProperty({ description: 'The active CA of ours that signs the pending CA' })
  @IsInt()
  @Min(1)
  @Max(MAX_INT4)
  parent_ca_id!: number;

  @ApiPropertyOptional({
    description: "Validity in days (default: the CA's valid_days); clamped to the parent",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(36500)
  valid_days?: number;

  @ProfileRefProperty()
  profile?: ProfileRef | null;
}
