import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { MAX_INT4 } from '../../../common/integer-limits';
import { PaginationQueryDto } from '../../../common/pagination.dto';
import { AcmeAccount, AcmeAccountStatus } from '../acme-account';

export class AcmeAccountQueryDto extends PaginationQueryDto {
  @ApiPropertyOptional({ description: "One profile's accounts", example: 1 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_INT4)
  profile_id?: number;
}

export class AcmeAccountResponseDto {
  @ApiProperty({ description: 'Also the id of its principal (audit rows name it acme-account-{id})' })
  id!: number;
  @ApiProperty() profile_id!: number;
  @ApiProperty({ type: Number, nullable: true }) organization_id!: number | null;
  @ApiProperty({ enum: ['valid', 'deactivated', 'revoked'] }) status!: AcmeAccountStatus;
  @ApiProperty({ type: [String], example: ['mailto:ops@example.com'] }) contact!: string[];
  @ApiProperty() terms_of_service_agreed!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'The EAB key it was registered with' })
  eab_kid!: string | null;
  @ApiProperty({ description: 'RFC 7638 SHA-256 thumbprint of its account key, base64url' })
  jwk_thumbprint!: string;
  @ApiProperty() created_at!: Date;
}

export function toAcmeAccountResponse(account: AcmeAccount): AcmeAccountResponseDto {
  return {
    id: account.id,
    profile_id: account.profileId,
    organization_id: account.organizationId,
    status: account.status,
    contact: account.contact,
    terms_of_service_agreed: account.termsOfServiceAgreed,
    eab_kid: account.eabKid,
    jwk_thumbprint: account.jwkThumbprint,
    created_at: account.createdAt,
  };
}
