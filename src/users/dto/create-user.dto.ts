import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
} from 'class-validator';
import { MAX_INT4 } from '../../common/integer-limits';
import { Role, ROLES } from '../../access/policy';
import { MIN_PASSWORD_LENGTH } from '../password-hasher';

export class CreateUserDto {
  @ApiProperty({ example: 'alice' })
  @IsString()
  @Length(1, 150)
  @Matches(/^[A-Za-z0-9_.@+-]+$/, { message: 'username may contain letters, digits and _ . @ + - only' })
  username!: string;

  @ApiProperty({ example: 'alice@example.com' })
  @IsEmail({}, { message: 'email must be an email address' })
  @MaxLength(254)
  email!: string;

  @ApiProperty({
    minLength: MIN_PASSWORD_LENGTH,
    format: 'password',
    example: 'correct horse battery staple',
  })
  @IsString()
  @MinLength(MIN_PASSWORD_LENGTH)
  @MaxLength(72)
  password!: string;

  @ApiPropertyOptional({
    enum: ROLES,
    description: 'Default user; the very first user defaults to superuser',
    example: 'user',
  })
  @IsOptional()
  @IsIn(ROLES as readonly string[])
  role?: Role;

  @ApiPropertyOptional({ type: Number, nullable: true, example: 1 })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_INT4)
  organization_id?: number | null;

  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() can_create_ca?: boolean;
  @ApiPropertyOptional({ default: false, example: true })
  @IsOptional()
  @IsBoolean()
  can_create_cert?: boolean;
  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() can_revoke_cert?: boolean;
  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() can_export_private_key?: boolean;
  @ApiPropertyOptional({ default: false }) @IsOptional() @IsBoolean() can_delete_ca?: boolean;
  @ApiPropertyOptional({ default: false, description: 'May submit certificate requests', example: true })
  @IsOptional()
  @IsBoolean()
  can_request_cert?: boolean;
}
