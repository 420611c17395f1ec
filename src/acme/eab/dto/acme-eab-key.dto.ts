import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsString, MaxLength } from 'class-validator';
import { IsOptionalNotNull } from '../../../common/validation';
import type { AcmeEabKey } from '../acme-eab-key.repository';

export class CreateAcmeEabKeyDto {
  @ApiPropertyOptional({ description: 'Who or what the key is for', example: 'cert-manager, cluster prod-1' })
  @IsOptionalNotNull()
  @IsString()
  @MaxLength(500)
  description?: string;
}

export class AcmeEabKeyResponseDto {
  @ApiProperty({
    description: 'The EAB key id: `--eab-kid` (certbot, lego `--kid`), cert-manager `keyID`',
    example: 'eab_5c1f0a9d2e7b48c3a6f09d1e',
  })
  kid!: string;
  @ApiProperty({ example: 1 }) profile_id!: number;
  @ApiProperty({ type: String, nullable: true, example: 'cert-manager, cluster prod-1' })
  description!: string | null;
  @ApiProperty({ type: Number, nullable: true }) created_by_user_id!: number | null;
  @ApiProperty() created_at!: Date;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The ACME account it was bound to (each key binds one account, once)',
  })
  account_id!: number | null;
  @ApiProperty({ type: Date, nullable: true }) bound_at!: Date | null;
  @ApiProperty({
    type: Date,
    nullable: true,
    description: 'Revoked keys bind no account; one already bound keeps working until deactivated',
  })
  revoked_at!: Date | null;
}

export class CreatedAcmeEabKeyResponseDto extends AcmeEabKeyResponseDto {
  @ApiProperty({
    description:
      'The HMAC key, shown this once: 32 random bytes, base64url without padding ' +
      '(certbot `--eab-hmac-key`, lego `--hmac`, the cert-manager secret)',
    example: 'm3yPZ0cG1fQv8nB2kT9x7rL5sW4aE6dH0jU1iO2pY3c',
  })
  hmac_key!: string;
  @ApiProperty({
    description: 'The MAC algorithm clients use by default (HS384 and HS512 are accepted too)',
    enum: ['HS256'],
  })
  algorithm!: 'HS256';
  @ApiProperty({
    description: "The profile's ACME directory (it answers once the profile has acme_enabled)",
    example: 'https://pki.example.com/acme/web-1/directory',
  })
  directory_url!: string;
}

export function toAcmeEabKeyResponse(key: AcmeEabKey): AcmeEabKeyResponseDto {
  return {
    kid: key.kid,
    profile_id: key.profileId,
    description: key.description,
    created_by_user_id: key.createdByUserId,
    created_at: key.createdAt,
    account_id: key.accountId,
    bound_at: key.boundAt,
    revoked_at: key.revokedAt,
  };
}
