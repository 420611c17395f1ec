import { ApiProperty } from '@nestjs/swagger';
import { KeyType } from '../../crypto/crypto.types';
import { caPublicUrls } from '../ca-slug';
import { caStatusOf, CaStatus } from '../../issuance/ca-signing-status';
import { nameConstraintsBody } from '../../issuance/name-constraints-input';
import { CertificateAuthority } from '../certificate-authority.entity';
import { NameConstraintsDto } from './name-constraints.dto';

export class CaResponseDto {
  @ApiProperty() id!: number;
  @ApiProperty() name!: string;
  @ApiProperty({ type: String, nullable: true }) description!: string | null;
  @ApiProperty() subject_dn!: string;
  @ApiProperty({ enum: ['rsa', 'ec', 'ed25519'] }) key_type!: KeyType;
  @ApiProperty() key_size!: number;
  @ApiProperty() valid_days!: number;
  @ApiProperty({
    enum: ['pending', 'active', 'disabled', 'revoked', 'expired', 'not_yet_valid'],
    description: 'active: may sign now; not_yet_valid: active, but its certificate starts at not_before',
  })
  status!: CaStatus;
  @ApiProperty({ type: String, nullable: true, description: 'PEM' }) certificate!: string | null;
  @ApiProperty({ type: String, nullable: true }) serial_number!: string | null;
  @ApiProperty({ type: String, nullable: true }) not_before!: Date | null;
  @ApiProperty({ type: String, nullable: true }) not_after!: Date | null;
  @ApiProperty({ type: String, nullable: true }) fingerprint_sha256!: string | null;
  @ApiProperty({ type: Number, nullable: true }) organization_id!: number | null;
  @ApiProperty({ type: Number, nullable: true }) created_by_user_id!: number | null;
  @ApiProperty({ type: Number, nullable: true }) parent_ca_id!: number | null;
  @ApiProperty({ type: Number, nullable: true }) path_length!: number | null;
  @ApiProperty() allow_leaf_certs!: boolean;
  @ApiProperty({ description: 'Certificates signed by this CA must name a profile' })
  require_profile!: boolean;
  @ApiProperty({
    description: "This CA's certificate was shortened to end with its issuer's (a Warning header said so)",
  })
  validity_clamped!: boolean;
  @ApiProperty({ description: 'Self-signed here (false for intermediates and pending or uploaded CAs)' })
  is_root!: boolean;
  @ApiProperty({ description: 'The certificate was signed outside this service and uploaded' })
  signed_externally!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'PEM CSR, for CAs created pending' })
  csr!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'Uploaded issuer certificates (PEM)' })
  issuer_chain!: string | null;
  @ApiProperty({
    type: NameConstraintsDto,
    nullable: true,
    description: "The CA's own nameConstraints (written here or read from its uploaded certificate)",
  })
  name_constraints!: NameConstraintsDto | null;
  @ApiProperty() crl_url!: string;
  @ApiProperty() certificate_url!: string;
  @ApiProperty({ type: String, nullable: true }) revoked_at!: Date | null;
  @ApiProperty({ type: String, nullable: true }) revocation_reason!: string | null;
  @ApiProperty() created_at!: Date;
  @ApiProperty() updated_at!: Date;
}

export class CaDetailResponseDto extends CaResponseDto {
  @ApiProperty({ description: 'PKCS#8 PEM private key' }) private_key!: string;
}

export function toCaResponse(ca: CertificateAuthority, publicBaseUrl: string): CaResponseDto {
  const urls = caPublicUrls(publicBaseUrl, ca.name, ca.id);
  return {
    id: ca.id,
    name: ca.name,
    description: ca.description,
    subject_dn: ca.subjectDn,
    key_type: ca.keyType,
    key_size: ca.keySize,
    valid_days: ca.validDays,
    status: caStatusOf(ca),
    certificate: ca.certificatePem,
    serial_number: ca.serialNumber,
    not_before: ca.notBefore,
    not_after: ca.notAfter,
    fingerprint_sha256: ca.fingerprintSha256,
    organization_id: ca.organizationId,
    created_by_user_id: ca.createdByUserId,
    parent_ca_id: ca.parentCaId,
    path_length: ca.pathLength,
    allow_leaf_certs: ca.allowLeafCerts,
    require_profile: ca.requireProfile,
    validity_clamped: ca.validityClamped,
    is_root: ca.parentCaId === null && !ca.signedExternally && ca.status !== 'pending',
    signed_externally: ca.signedExternally,
    csr: ca.csrPem,
    issuer_chain: ca.issuerChainPem,
    name_constraints: nameConstraintsBody(ca.nameConstraints ?? null),
    crl_url: urls.crlUrl,
    certificate_url: urls.certificateUrl,
    revoked_at: ca.revokedAt,
    revocation_reason: ca.revocationReason,
    created_at: ca.createdAt,
    updated_at: ca.updatedAt,
  };
}
