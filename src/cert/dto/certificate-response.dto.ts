import { ApiProperty } from '@nestjs/swagger';
import { CertificateType, KeyType } from '../../crypto/crypto.types';
import { Certificate, CertificateStatus } from '../certificate.entity';

export class CertificateResponseDto {
  @ApiProperty() id!: number;
  @ApiProperty() common_name!: string;
  @ApiProperty() subject_dn!: string;
  @ApiProperty({ enum: ['server', 'client', 'dual_purpose', 'ca'] }) certificate_type!: CertificateType;
  @ApiProperty({ enum: ['rsa', 'ec', 'ed25519'] }) key_type!: KeyType;
  @ApiProperty() key_size!: number;
  @ApiProperty() valid_days!: number;
  @ApiProperty({ enum: ['valid', 'revoked', 'expired'] }) status!: CertificateStatus;
  @ApiProperty({ description: 'PEM' }) certificate!: string;
  @ApiProperty({ description: 'Lowercase hex' }) serial_number!: string;
  @ApiProperty() not_before!: Date;
  @ApiProperty() not_after!: Date;
  @ApiProperty({ type: String, nullable: true }) revoked_at!: Date | null;
  @ApiProperty({ type: String, nullable: true }) revocation_reason!: string | null;
  @ApiProperty({ type: Number, nullable: true }) revocation_reason_code!: number | null;
  @ApiProperty() issuer_id!: number;
  @ApiProperty({ type: Number, nullable: true }) organization_id!: number | null;
  @ApiProperty({ type: Number, nullable: true }) created_by_user_id!: number | null;
  @ApiProperty({ type: [String] }) san_dns_names!: string[];
  @ApiProperty({ type: [String] }) san_ip_addresses!: string[];
  @ApiProperty({ type: [String] }) san_email_addresses!: string[];
  @ApiProperty({ type: [String] }) san_uris!: string[];
  @ApiProperty() fingerprint_sha256!: string;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The profile it was issued under (null: none, or deleted)',
  })
  profile_id!: number | null;
  @ApiProperty({
    type: String,
    nullable: true,
    description: "The profile's name at issuance (kept after deletion)",
  })
  profile_name!: string | null;
  @ApiProperty({
    description: "notAfter was shortened to the issuer's (the issuing response also had a Warning header)",
  })
  validity_clamped!: boolean;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The certificate this one renewed (POST /certificates/renew); null for a first issuance',
  })
  renewed_from!: number | null;
  @ApiProperty({
    type: Number,
    nullable: true,
    description: 'The newest certificate renewed from this one; null while it has not been renewed',
  })
  renewed_by!: number | null;
  @ApiProperty() created_at!: Date;
  @ApiProperty() updated_at!: Date;
}

export class CertificateDetailResponseDto extends CertificateResponseDto {
  @ApiProperty({
    type: String,
    nullable: true,
    description: 'PKCS#8 PEM, when the service generated the key',
  })
  private_key!: string | null;
}

const CHAIN_PEM_DESCRIPTION =
  "The issuing CA's certificate, then its issuers up to the root (PEM; GET /export/certificate/{id}/chain " +
  'without its first block, the leaf): what a client needs besides the certificate';

/** What an issuing route answers: the certificate and the chain that leads from it to the root. */
export class IssuedCertificateResponseDto extends CertificateResponseDto {
  @ApiProperty({ description: CHAIN_PEM_DESCRIPTION }) chain_pem!: string;
}

/** POST /certificates: the certificate, its generated key and its chain. */
export class IssuedCertificateDetailResponseDto extends CertificateDetailResponseDto {
  @ApiProperty({ description: CHAIN_PEM_DESCRIPTION }) chain_pem!: string;
}

export function certificateStatusOf(certificate: Certificate, now = new Date()): CertificateStatus {
  if (certificate.status === 'valid' && certificate.notAfter <= now) return 'expired';
  return certificate.status;
}

export function toCertificateResponse(certificate: Certificate): CertificateResponseDto {
  return {
    id: certificate.id,
    common_name: certificate.commonName,
    subject_dn: certificate.subjectDn,
    certificate_type: certificate.certificateType,
    key_type: certificate.keyType,
    key_size: certificate.keySize,
    valid_days: certificate.validDays,
    status: certificateStatusOf(certificate),
    certificate: certificate.certificatePem,
    serial_number: certificate.serialNumber,
    not_before: certificate.notBefore,
    not_after: certificate.notAfter,
    revoked_at: certificate.revokedAt,
    revocation_reason: certificate.revocationReason,
    revocation_reason_code: certificate.revocationReasonCode,
    issuer_id: certificate.issuerId,
    organization_id: certificate.organizationId,
    created_by_user_id: certificate.createdByUserId,
    san_dns_names: certificate.sanDnsNames,
    san_ip_addresses: certificate.sanIpAddresses,
    san_email_addresses: certificate.sanEmailAddresses,
    san_uris: certificate.sanUris,
    fingerprint_sha256: certificate.fingerprintSha256,
    profile_id: certificate.profileId,
    profile_name: certificate.profileName,
    validity_clamped: certificate.validityClamped,
    renewed_from: certificate.renewedFromId,
    renewed_by: certificate.renewedById ?? null,
    created_at: certificate.createdAt,
    updated_at: certificate.updatedAt,
  };
}
