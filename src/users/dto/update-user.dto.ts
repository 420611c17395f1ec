import { ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { MAX_INT4 } from '../../common/integer-limits';
import { IsOptionalNotNull } from '../../common/validation';
import { Role, ROLES } from '../../access/policy';
import { MIN_PASSWORD_LENGTH } from '../password-hasher';

export class UpdateUserDto {
  @ApiPropertyOptional({
    description: 'Self, admin (same organization), superuser',
    example: 'alice@example.org',
  })
  @IsOptionalNotNull()
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email?: string;

  @ApiPropertyOptional({ description: 'Self (with current_password), admin (same organization), superuser' })
  @IsOptionalNotNull()
  @IsString()
  @MinLength(MIN_PASSWORD_LENGTH)
  @MaxLength(72)
  password?: string;

  @ApiPropertyOptional({ description: 'Required when users change their own password' })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(72)
  current_password?: string;

  @ApiPropertyOptional({ enum: ROLES, description: 'Superuser only' })
  @IsOptionalNotNull()
  @IsIn(ROLES as readonly string[])
  role?: Role;

  @ApiPropertyOptional({ description: 'Superuser only' })
  @IsOptionalNotNull()
  @IsBoolean()
  is_active?: boolean;

  @ApiPropertyOptional({ type: Number, nullable: true, description: 'Superuser only' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_INT4)
  organization_id?: number | null;

  @ApiPropertyOptional() @IsOptionalNotNull() @IsBoolean() can_create_ca?: boolean;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsBoolean() can_create_cert?: boolean;
  @ApiPropertyOptional({ example: true }) @IsOptionalNotNull() @IsBoolean() can_revoke_cert?: boolean;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsBoolean() can_export_private_key?: boolean;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsBoolean() can_delete_ca?: boolean;
  @ApiPropertyOptional() @IsOptionalNotNull() @IsBoolean() can_request_cert?: boolean;
}
