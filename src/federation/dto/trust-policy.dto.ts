import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsNotEmpty, IsObject, IsOptional, IsString, Max, MaxLength, Min } from 'class-validator';
import { IsOptionalNotNull } from '../../common/validation';
import type { BoundClaims } from '../bound-claims';
import type { TrustPolicy } from '../trust-policy.entity';

const BOUND_CLAIMS_DESCRIPTION =
  'Claim → exact value or list of values; `*` in a value stands for any run of characters ' +
  '(`"repository": "acme/*"`). Every claim named must match one of its values. At least one claim ' +
  '(issuer and audience alone would trust every workload of the issuer)';

/** The fields of a trust policy; every one optional, so PATCH takes them as they are. */
export class TrustPolicyFieldsDto {
  @ApiPropertyOptional({ type: String, nullable: true, example: 'GitHub Actions, acme/app on main' })
  @IsOptional()
  @IsString()
  @MaxLength(2000)
  description?: string | null;

  @ApiPropertyOptional({
    type: Number,
    nullable: true,
    minimum: 1,
    maximum: 1440,
    description:
      "Longest lifetime of the access tokens it issues (never past WORKLOAD_TOKEN_MAX_MINUTES nor the ID token's exp); null: WORKLOAD_TOKEN_MAX_MINUTES",
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(1440)
  max_token_minutes?: number | null;
}

export class CreateTrustPolicyDto extends TrustPolicyFieldsDto {
  @ApiProperty({
    example: 'https://token.actions.githubusercontent.com',
    description: "Exactly the ID tokens' `iss`; https (its discovery document and JWKS are fetched from it)",
  })
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  issuer!: string;

  @ApiProperty({ example: 'https://ca.example.com', description: "One of the ID token's `aud` values" })
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  audience!: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    example: { repository: 'acme/app', ref: ['refs/heads/main', 'refs/tags/v*'] },
    description: BOUND_CLAIMS_DESCRIPTION,
  })
  @IsObject()
  bound_claims!: BoundClaims;
}

export class UpdateTrustPolicyDto extends TrustPolicyFieldsDto {
  @ApiPropertyOptional({ description: "Exactly the ID tokens' `iss`" })
  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(2048)
  issuer?: string;

  @ApiPropertyOptional({ description: "One of the ID token's `aud` values" })
  @IsOptionalNotNull()
  @IsString()
  @IsNotEmpty()
  @MaxLength(1024)
  audience?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: { oneOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }] },
    description: `${BOUND_CLAIMS_DESCRIPTION}; replaces the whole object`,
  })
  @IsOptionalNotNull()
  @IsObject()
  bound_claims?: BoundClaims;
}

export class TrustPolicyResponseDto {
  @ApiProperty() id!: number;
  @ApiProperty() service_account_id!: number;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty() issuer!: string;
  @ApiProperty() audience!: string;
  @ApiProperty({ type: 'object', additionalProperties: true }) bound_claims!: BoundClaims;
  @ApiProperty({ type: Number, nullable: true }) max_token_minutes!: number | null;
  @ApiProperty({ type: Number, nullable: true }) created_by_user_id!: number | null;
  @ApiProperty() created_at!: Date;
  @ApiProperty() updated_at!: Date;
}

export function toTrustPolicyResponse(policy: TrustPolicy): TrustPolicyResponseDto {
  return {
    id: policy.id,
    service_account_id: policy.serviceAccountUserId,
    description: policy.description,
    issuer: policy.issuer,
    audience: policy.audience,
    bound_claims: policy.boundClaims,
    max_token_minutes: policy.maxTokenMinutes,
    created_by_user_id: policy.createdByUserId,
    created_at: policy.createdAt,
    updated_at: policy.updatedAt,
  };
}
