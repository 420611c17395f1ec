import { ApiProperty } from '@nestjs/swagger';
import { CertificateType, KeyType } from '../../crypto/crypto.types';
import { CertificateRequest, REQUEST_STATUSES, RequestStatus } from '../certificate-request.entity';

export class RequestResponseDto {
  @ApiProperty() id!: number;
  @ApiProperty({ enum: REQUEST_STATUSES }) status!: RequestStatus;
  @ApiProperty({ description: 'PEM CSR as submitted' }) csr!: string;
  @ApiProperty() subject_dn!: string;
  @ApiProperty({ type: String, nullable: true }) common_name!: string | null;
  @ApiProperty({ type: [String] }) san_dns_names!: string[];
  @ApiProperty({ type: [String] }) san_ip_addresses!: string[];
  @ApiProperty({ type: [String] }) san_email_addresses!: string[];
  @ApiProperty({ enum: ['rsa', 'ec', 'ed25519'] }) key_type!: KeyType;
  @ApiProperty() key_size!: number;
  @ApiProperty({ enum: ['server', 'client', 'dual_purpose'] })
  certificate_type!: Exclude<CertificateType, 'ca'>;
  @ApiProperty({ type: String, nullable: true }) comment!: string | null;
  @ApiProperty({ type: Number, nullable: true }) organization_id!: number | null;
  @ApiProperty({ type: Number, nullable: true }) submitted_by_user_id!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Who signed, attached, rejected or revoked' })
  handled_by_user_id!: number | null;
  @ApiProperty({ type: String, nullable: true }) rejection_reason!: string | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Our certificate, when one of our CAs signed' })
  certificate_id!: number | null;
  @ApiProperty({ type: Number, nullable: true, description: 'Our signing CA' }) issuer_id!: number | null;
  @ApiProperty() signed_externally!: boolean;
  @ApiProperty({ type: String, nullable: true, description: 'PEM of the attached certificate' })
  certificate!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'The uploaded chain (external certificates)' })
  certificate_chain!: string | null;
  @ApiProperty({ type: String, nullable: true }) serial_number!: string | null;
  @ApiProperty({ type: String, nullable: true }) not_before!: Date | null;
  @ApiProperty({ type: String, nullable: true }) not_after!: Date | null;
  @ApiProperty({
    description:
      "Our certificate's notAfter was shortened to the issuer's (signing answered with a Warning header)",
  })
  validity_clamped!: boolean;
  @ApiProperty({ type: String, nullable: true }) revoked_at!: Date | null;
  @ApiProperty() created_at!: Date;
  @ApiProperty() updated_at!: Date;
}

/** POST /certificate-requests/{id}/sign: the request, its certificate and the chain above it. */
export class SignedRequestResponseDto extends RequestResponseDto {
  @ApiProperty({
    description:
      "The signing CA's certificate, then its issuers up to the root (PEM, in the order of the chain export)",
  })
  chain_pem!: string;
}

export function toRequestResponse(request: CertificateRequest): RequestResponseDto {
  return {
    id: request.id,
    status: request.status,
    csr: request.csrPem,
    subject_dn: request.subjectDn,
    common_name: request.commonName,
    san_dns_names: request.sanDnsNames,
    san_ip_addresses: request.sanIpAddresses,
    san_email_addresses: request.sanEmailAddresses,
    key_type: request.keyType,
    key_size: request.keySize,
    certificate_type: request.certificateType,
    comment: request.comment,
    organization_id: request.organizationId,
    submitted_by_user_id: request.submittedByUserId,
    handled_by_user_id: request.handledByUserId,
    rejection_reason: request.rejectionReason,
    certificate_id: request.certificateId,
    issuer_id: request.issuerId,
    signed_externally: request.signedExternally,
    certificate: request.certificatePem,
    certificate_chain: request.certificateChainPem,
    serial_number: request.serialNumber,
    not_before: request.notBefore,
    not_after: request.notAfter,
    validity_clamped: request.validityClamped,
    revoked_at: request.revokedAt,
    created_at: request.createdAt,
    updated_at: request.updatedAt,
  };
}
