import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { ConcealsUnknownFields } from '../../common/validation';

/** OAuth2 password-grant style form (application/x-www-form-urlencoded). */
@ConcealsUnknownFields()
export class TokenRequestDto {
  @ApiProperty() @IsString() @IsNotEmpty() @MaxLength(150) username!: string;
  @ApiProperty({ format: 'password' }) @IsString() @IsNotEmpty() @MaxLength(1024) password!: string;
  // Accepted and ignored so standard OAuth2 password-grant clients (and Swagger's) work.
  @ApiPropertyOptional() @IsOptional() @IsString() grant_type?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() scope?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() client_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() client_secret?: string;
}

export class RefreshRequestDto {
  // Optional here: the contract answers a missing token with 401, like an unknown one, not 400.
  @ApiProperty() @IsOptional() @IsString() @MaxLength(512) refresh_token?: string;
}

export class LogoutRequestDto {
  @ApiPropertyOptional({ description: 'Also revoke this refresh token (optional)' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  refresh_token?: string;
}

export class TokenResponseDto {
  @ApiProperty() access_token!: string;
  @ApiProperty({ example: 'bearer' }) token_type!: 'bearer';
  @ApiProperty() refresh_token!: string;
}
