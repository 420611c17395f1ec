import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { MAX_INT4 } from '../../common/integer-limits';
import { IsOptionalNotNull } from '../../common/validation';
import type { User } from '../../users/user.entity';
import type { ServiceAccountFacts } from '../service-account.entity';

/** At least one profile id, each a positive 32-bit integer, none twice. */
const AreProfileIds = () =>
  applyDecorators(
    IsArray(),
    ArrayMinSize(1),
    ArrayMaxSize(64),
    ArrayUnique(),
    IsInt({ each: true }),
    Min(1, { each: true }),
    Max(MAX_INT4, { each: true }),
  );

const NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]*$/;
const NAME_MESSAGE = 'name may contain letters, digits and _ . - only, and starts with a letter or digit';

class ServiceAccountFieldsDto {
  @ApiPropertyOptional({ type: String, nullable: true, example: 'Deploys api.internal from GitHub Actions' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  description?: string | null;

  @ApiPropertyOptional({ description: 'Whether it may authenticate (default true)', example: true })
  @IsOptionalNotNull()
  @IsBoolean()
  enabled?: boolean;
}

export class CreateServiceAccountDto extends ServiceAccountFieldsDto {
  @ApiProperty({ description: 'Unique within the organization', example: 'deploy-api' })
  @IsString()
  @MaxLength(100)
  @Matches(NAME, { message: NAME_MESSAGE })
  name!: string;

  @ApiPropertyOptional({
    description: "The organization it belongs to (default: the caller's; superusers must name one)",
    example: 1,
  })
  @IsOptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(MAX_INT4)
  organization_id?: number;

  @ApiProperty({
    description: 'The certificate profiles it may issue through (at least one, of its organization)',
    type: [Number],
    example: [1],
  })
  @AreProfileIds()
  profile_ids!: number[];
}

export class UpdateServiceAccountDto extends ServiceAccountFieldsDto {
  @ApiPropertyOptional({ example: 'deploy-api-prod' })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(100)
  @Matches(NAME, { message: NAME_MESSAGE })
  name?: string;

  @ApiPropertyOptional({ type: [Number], example: [1, 2] })
  @IsOptionalNotNull()
  @AreProfileIds()
  profile_ids?: number[];
}

export class ServiceAccountResponseDto {
  @ApiProperty({ example: 3 }) id!: number;
  @ApiProperty({ example: 'deploy-api' }) name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty({ example: 1 }) organization_id!: number;
  @ApiProperty({ example: true }) enabled!: boolean;
  @ApiProperty({ type: [Number], example: [1] }) profile_ids!: number[];
  @ApiProperty({ type: Number, nullable: true }) created_by_user_id!: number | null;
  @ApiProperty() created_at!: Date;
  @ApiProperty() updated_at!: Date;
}

export function toServiceAccountResponse(
  principal: User,
  facts: ServiceAccountFacts,
): ServiceAccountResponseDto {
  return {
    id: principal.id,
    name: principal.username,
    description: facts.description,
    organization_id: principal.organizationId ?? 0,
    enabled: principal.isActive,
    profile_ids: facts.profileIds,
    created_by_user_id: facts.createdByUserId,
    created_at: principal.createdAt,
    updated_at: principal.updatedAt,
  };
}
