import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsNotEmpty, IsOptional, IsString, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { MAX_INT4 } from '../../common/integer-limits';
import { ConcealsUnknownFields } from '../../common/validation';

/** RFC 8693 §2.1: the grant type of a token exchange, and the token types it names (§3). */
export const TOKEN_EXCHANGE_GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const JWT_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
export const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

const isPasswordGrant = (form: { grant_type?: unknown }) => form.grant_type !== TOKEN_EXCHANGE_GRANT;

/**
 * The token endpoint's form (application/x-www-form-urlencoded, or JSON): the password grant
 * (username, password; any other grant_type is accepted and ignored, as before), or with
 * grant_type=urn:ietf:params:oauth:grant-type:token-exchange an RFC 8693 exchange of a CI job's OIDC
 * ID token (subject_token) for a service account's access token.
 */
@ConcealsUnknownFields()
export class TokenRequestDto {
  @ApiPropertyOptional({ example: 'alice', description: 'Password grant' })
  @ValidateIf(isPasswordGrant)
  @IsString()
  @IsNotEmpty()
  @MaxLength(150)
  username!: string;

  @ApiPropertyOptional({
    format: 'password',
    example: 'correct horse battery staple',
    description: 'Password grant',
  })
  @ValidateIf(isPasswordGrant)
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  password!: string;

  @ApiPropertyOptional({
    description: `\`${TOKEN_EXCHANGE_GRANT}\` for a token exchange; anything else (or nothing): the password grant`,
  })
  @IsOptional()
  @IsString()
  grant_type?: string;

  @ApiPropertyOptional({ description: "Token exchange: the CI job's OIDC ID token (a JWT)" })
  @IsOptional()
  @IsString()
  @MaxLength(16384)
  subject_token?: string;

  @ApiPropertyOptional({ enum: [JWT_TOKEN_TYPE], description: 'Token exchange: the type of subject_token' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  subject_token_type?: string;

  @ApiPropertyOptional({
    enum: [ACCESS_TOKEN_TYPE],
    description: 'Token exchange: optional; only an access token is issued',
  })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  requested_token_type?: string;

  @ApiPropertyOptional({
    type: Number,
    description:
      'Token exchange: the service account to act as, needed only when the ID token satisfies trust policies of several',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_INT4)
  service_account_id?: number;

  // Accepted and ignored so standard OAuth2 clients (and Swagger's) work.
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

/** RFC 8693 §2.2.1: the answer to a token exchange (no refresh token: the job exchanges a fresh ID token). */
export class TokenExchangeResponseDto {
  @ApiProperty({
    description: 'JWT (HS256) for the Authorization: Bearer header, acting as the service account',
  })
  access_token!: string;
  @ApiProperty({ enum: [ACCESS_TOKEN_TYPE] }) issued_token_type!: typeof ACCESS_TOKEN_TYPE;
  @ApiProperty({ enum: ['bearer'], example: 'bearer' }) token_type!: 'bearer';
  @ApiProperty({ example: 600, description: 'Seconds the access token is valid for' }) expires_in!: number;
}

export class TokenResponseDto {
  @ApiProperty({ description: 'JWT (HS256) for the Authorization: Bearer header' }) access_token!: string;
  @ApiProperty({ enum: ['bearer'], example: 'bearer' }) token_type!: 'bearer';
  @ApiProperty({ description: 'Single use: POST /auth/refresh exchanges it for a new pair' })
  refresh_token!: string;
}
