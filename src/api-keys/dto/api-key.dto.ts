import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsDateString,
  IsIn,
  IsInt,
  IsNotEmpty,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { CAPABILITIES, Capability } from '../../access/credential';
import { IsOptionalNotNull } from '../../common/validation';
import type { ApiKey } from '../api-key.entity';

export class CreateApiKeyDto {
  @ApiProperty({ description: 'What the key is for', example: 'github-actions acme/api' })
  @IsString()
  @IsNotEmpty()
  @Matches(/\S/, { message: 'name must not be blank' })
  @MaxLength(200)
  name!: string;

  @ApiPropertyOptional({
    description: 'When the key stops working (default: in 90 days; at most API_KEY_MAX_DAYS from now)',
    example: '2027-03-01T00:00:00Z',
  })
  @IsOptionalNotNull()
  @IsDateString({ strict: true })
  expires_at?: string;

  @ApiPropertyOptional({ description: 'Instead of expires_at: days from now', example: 30 })
  @IsOptionalNotNull()
  @IsInt()
  @Min(1)
  @Max(3650)
  expires_in_days?: number;
}

export class CreatePersonalApiKeyDto extends CreateApiKeyDto {
  @ApiProperty({
    description:
      'The capabilities the key carries: a subset of your own. Reads need none; administration ' +
      '(users, organizations, audit, configuration, backups) is never done with a key.',
    enum: CAPABILITIES,
    isArray: true,
    example: ['can_create_cert'],
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(CAPABILITIES.length)
  @ArrayUnique()
  @IsIn(CAPABILITIES, { each: true })
  capabilities!: Capability[];
}

export class ApiKeyResponseDto {
  @ApiProperty({
    description: 'The public id, the part after pkca_ (audit rows name it)',
    example: '3f9c0d2a7b41e865',
  })
  id!: string;
  @ApiProperty({ example: 'github-actions acme/api' }) name!: string;
  @ApiProperty({ description: 'The principal the key authenticates as (a service account or a user)' })
  principal_id!: number;
  @ApiProperty({
    enum: CAPABILITIES,
    isArray: true,
    nullable: true,
    description: 'Null: a service account key',
  })
  capabilities!: Capability[] | null;
  @ApiProperty() expires_at!: Date;
  @ApiProperty({ type: Date, nullable: true }) last_used_at!: Date | null;
  @ApiProperty({ type: Date, nullable: true }) revoked_at!: Date | null;
  @ApiProperty({ type: Number, nullable: true }) created_by_user_id!: number | null;
  @ApiProperty() created_at!: Date;
}

export class CreatedApiKeyResponseDto extends ApiKeyResponseDto {
  @ApiProperty({
    description: 'The key, shown this once: send it as "Authorization: Bearer <key>"',
    example: 'pkca_3f9c0d2a7b41e865_q3V…',
  })
  key!: string;
}

export function toApiKeyResponse(key: ApiKey): ApiKeyResponseDto {
  return {
    id: key.id,
    name: key.name,
    principal_id: key.userId,
    capabilities: key.capabilities,
    expires_at: key.expiresAt,
    last_used_at: key.lastUsedAt,
    revoked_at: key.revokedAt,
    created_by_user_id: key.createdByUserId,
    created_at: key.createdAt,
  };
}
