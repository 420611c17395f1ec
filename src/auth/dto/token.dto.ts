import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsNotEmpty, IsOptional, IsString, MaxLength } from 'class-validator';
import { ConcealsUnknownFields } from '../../common/validation';

/** OAuth2 password-grant style form (application/x-www-form-urlencoded). */
@ConcealsUnknownFields()
export class TokenRequestDto {
  @ApiProperty({ example: 'alice' }) @IsString() @IsNotEmpty() @MaxLength(150) username!: string;
  @ApiProperty({ format: 'password', example: 'correct horse battery staple' })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password!: string;
  // Accepted and ignored so standard OAuth2 password-grant clients (and Swagger's) work.
  @ApiPropertyOptional() @IsOptional() @IsString() grant_type?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() scope?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() client_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() client_secret?: string;
}

export class RefreshRequestDto {
  // Optional here: the contract answers a missing token with 401, like an unknown one, not 400.
  @ApiProperty({ description: 'The refresh_token of the last token pair' })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  refresh_token?: string;
}

export class LogoutRequestDto {
  @ApiPropertyOptional({
    description: "Also revoke this refresh token's session (optional; an unknown one is ignored)",
    example: 'the refresh_token of POST /auth/token',
  })
  @IsOptional()
  @IsString()
  @MaxLength(512)
  refresh_token?: string;
}

export class TokenResponseDto {
  @ApiProperty({ description: 'JWT (HS256) for the Authorization: Bearer header' }) access_token!: string;
  @ApiProperty({ enum: ['bearer'], example: 'bearer' }) token_type!: 'bearer';
  @ApiProperty({ description: 'Single use: POST /auth/refresh exchanges it for a new pair' })
  refresh_token!: string;
}
