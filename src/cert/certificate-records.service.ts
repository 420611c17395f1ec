import { Injectable } from '@nestjs/common';
import { authorize } from '../access/authorize';
import { listScopeCondition } from '../access/list-scope';
import { Actor } from '../access/policy';
import { resource, ResourceAction } from '../access/resources';
import { AuditService } from '../audit/audit.service';
import { CaService } from '../ca/ca.service';
import { CrlService } from '../ca/crl.service';
import { MAX_INT4 } from '../common/integer-limits';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/errors';
import { JsonObject } from '../common/json';
import { AuthContext } from '../common/request-context';
import { RevokeCertificateDto } from '../common/revoke.dto';
import { CryptoService } from '../crypto/crypto.service';
import { Transaction, Transactions } from '../database/transactions';
import { PrivateKeyVault } from '../keys/private-key-vault';
import { DomainMetrics } from '../system/domain-metrics';
import { Certificate } from './certificate.entity';
import { CertificateRepository, ExpiringByIssuer, SealedCertificateKey } from './certificate.repository';
import { CertificateQueryDto } from './dto/certificate-query.dto';
import {
  CertificateDetailResponseDto,
  CertificateResponseDto,
  toCertificateResponse,
} from './dto/certificate-response.dto';

/**
 * Called inside the revoking transaction, so a module can follow the revocation in its own tables;
 * what it returns runs after the commit (metrics that must not count a rolled-back revocation).
 */
export type RevocationHook = (
  tx: Transaction,
  auth: RevokingContext,
  certificate: Certificate,
) => Promise<(() => void) | void>;

/** A principal as audit rows name it. */
export type RevokingActor = Actor & { username: string };

/**
 * Who revokes, and from where: a user, a service account or an ACME account; null only for a proof
 * that names nobody (ACME's certificate key, the account that ordered the certificate gone).
 */
export interface RevokingContext {
  user: RevokingActor | null;
  clientAddress: string | null;
}

/**
 * The proofs RFC 8555 7.6 accepts besides being the certificate's owner, which the policy cannot
 * see: valid authorizations for every identifier of the certificate, or a JWS signed with its key.
 */
export type AcmeRevocationProof = 'authorizations' | 'certificate_key';

/** Certificates once issued: listing and reading them, their stored private keys, their chains, revocation. */
@Injectable()
export class CertificateRecordsService {
  private readonly revocationHooks: RevocationHook[] = [];

  constructor(
    private readonly transactions: Transactions,
    private readonly repository: CertificateRepository,
    private readonly crypto: CryptoService,
    private readonly cas: CaService,
    private readonly crls: CrlService,
    private readonly vault: PrivateKeyVault,
    private readonly audit: AuditService,
    private readonly metrics: DomainMetrics,
  ) {
    // A CA's CRL lists the certificates it revoked: the CA module asks this module for them.
    crls.useRevokedCertificates((caId, tx) => this.repository.revokedEntriesIssuedBy(caId, tx));
  }

  /** A certificate and, unsealed, its private key, for the service's own use (no export, no audit). */
  async serviceCertificate(id: number): Promise<{ certificate: Certificate; privateKeyPem: string } | null> {
    const row = await this.repository.findWithSealedKey(id);
    if (!row?.sealedPrivateKey) return null;
    return { certificate: row, privateKeyPem: await this.vault.unsealPem(row.sealedPrivateKey) };
  }

  /** The PEM certificates of a CA and its issuers up to the root, the root left out (what a server sends). */
  async issuerChainPems(caId: number): Promise<string[]> {
    return (await this.caChainPems(caId)).filter((pem) => {
      const parsed = this.crypto.parseCertificate(pem);
      return !parsed.subjectDer.equals(parsed.issuerDer);
    });
  }

  /** For the metrics gauges: certificates by status (valid past notAfter: expired). */
  statusCounts(): Promise<{ status: string; count: number }[]> {
    return this.repository.countByStatus();
  }

  /** For the metrics gauges: per issuer, valid certificates expiring within each window. */
  expiringByIssuer(windowsDays: readonly number[]): Promise<ExpiringByIssuer[]> {
    return this.repository.expiringByIssuer(windowsDays);
  }

  async list(actor: Actor, query: CertificateQueryDto): Promise<CertificateResponseDto[]> {
    const scope = listScopeCondition(actor, 'owned', {
      organization: 'cert.organization_id',
      owner: 'cert.created_by_user_id',
    });
    const rows = await this.repository.list(scope, {
      caId: query.ca_id,
      status: query.status,
      profile: profileFilter(query.profile),
      now: new Date(),
      skip: query.skip,
      limit: query.limit,
    });
    return rows.map(toCertificateResponse);
  }

  async get(actor: Actor, id: number): Promise<CertificateResponseDto> {
    return toCertificateResponse(await this.findAllowed(actor, id, 'read'));
  }

  async getWithPrivateKey(auth: AuthContext, id: number): Promise<CertificateDetailResponseDto> {
    const { certificate, privateKeyPem } = await this.exportPrivateKey(auth, id, 'pem');
    return { ...toCertificateResponse(certificate), private_key: privateKeyPem };
  }

  /** The certificate's private key, audited in the same transaction; 404 when the service never had it. */
  async exportPrivateKey(
    auth: AuthContext,
    id: number,
    format: 'pem' | 'pkcs12',
  ): Promise<{ certificate: Certificate; privateKeyPem: string }> {
    const certificate = await this.findAllowed(auth.user, id, 'export_private_key');
    return this.transactions.run(async (tx) => {
      const sealed = await this.repository.sealedPrivateKey(id, tx);
      if (!sealed) throw new NotFoundError(`Certificate ${id} has no private key stored here`);
      const privateKeyPem = await this.vault.unsealPem(sealed);
      await this.audit.record(tx, {
        action: 'cert_export_private_key',
        actor: auth.user,
        organizationId: certificate.organizationId,
        resourceType: 'certificate',
        resourceId: id,
        clientAddress: auth.clientAddress,
        detail: { format },
      });
      return { certificate, privateKeyPem };
    });
  }

  async revoke(
    auth: RevokingContext & { user: RevokingActor },
    id: number,
    dto: RevokeCertificateDto,
    auditDetail: JsonObject = {},
  ): Promise<CertificateResponseDto> {
    return this.revokeChecked(auth, id, dto, auditDetail, (certificate) =>
      authorize(auth.user, 'revoke_cert', resource.certificate(certificate)),
    );
  }

  /**
   * ACME revocation by a proof the policy's ownership test cannot see (RFC 8555 7.6): the ACME
   * service has checked it; the audit row says which it was. Nothing else may skip the policy.
   */
  async revokeByAcmeProof(
    context: RevokingContext,
    id: number,
    dto: RevokeCertificateDto,
    proof: AcmeRevocationProof,
  ): Promise<CertificateResponseDto> {
    return this.revokeChecked(context, id, dto, { revoked_by: proof }, () => undefined);
  }

  private async revokeChecked(
    auth: RevokingContext,
    id: number,
    dto: RevokeCertificateDto,
    auditDetail: JsonObject,
    check: (certificate: Certificate) => void,
  ): Promise<CertificateResponseDto> {
    const reasonCode = this.reasonCodeOf(dto);
    const { revoked, afterCommit } = await this.transactions.run(async (tx) => {
      const certificate = await this.lockedCertificate(tx, id);
      check(certificate);
      const followUps = await this.revokeWithin(tx, auth, certificate, dto, auditDetail);
      return { revoked: toCertificateResponse(certificate), afterCommit: followUps };
    });
    this.countRevocation(reasonCode);
    afterCommit.forEach((followUp) => followUp());
    return revoked;
  }

  onRevocation(hook: RevocationHook): void {
    this.revocationHooks.push(hook);
  }

  /**
   * Revokes a certificate locked by the caller's transaction: the row, its CRL's staleness, the
   * request it fulfilled and the audit row commit together. Permission is the caller's check.
   */
  async revokeWithin(
    tx: Transaction,
    auth: RevokingContext,
    certificate: Certificate,
    dto: RevokeCertificateDto,
    auditDetail: JsonObject = {},
  ): Promise<(() => void)[]> {
    const reasonCode = this.reasonCodeOf(dto);
    if (certificate.status === 'revoked')
      throw new ConflictError(`Certificate ${certificate.id} is already revoked`);
    certificate.status = 'revoked';
    certificate.revokedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
    certificate.revocationReason = dto.reason ?? null;
    certificate.revocationReasonCode = reasonCode;
    await this.repository.save(tx, certificate);
    await this.crls.markStale(tx, certificate.issuerId);
    const afterCommit: (() => void)[] = [];
    for (const hook of this.revocationHooks) {
      const followUp = await hook(tx, auth, certificate);
      if (followUp) afterCommit.push(followUp);
    }
    await this.audit.record(tx, {
      action: 'cert_revoke',
      actor: auth.user,
      organizationId: certificate.organizationId,
      resourceType: 'certificate',
      resourceId: certificate.id,
      clientAddress: auth.clientAddress,
      detail: {
        serial_number: certificate.serialNumber,
        reason: dto.reason ?? null,
        reason_code: reasonCode,
        ...auditDetail,
      },
    });
    return afterCommit;
  }

  /** Counted after the commit, so a rolled-back revocation is never counted. */
  countRevocation(reasonCode: number | null): void {
    const reason = reasonCode === null ? null : this.crypto.reasonNameFromCode(reasonCode);
    this.metrics.revocations.inc({
      reason: reason ?? (reasonCode === null ? 'unspecified' : String(reasonCode)),
    });
  }

  reasonCodeOf(dto: RevokeCertificateDto): number | null {
    return this.crypto.revocationReasonCode(dto.reason, dto.reason_code);
  }

  /**
   * The certificate this service issued whose DER is exactly `der` (found by its SHA-256 fingerprint,
   * then compared byte for byte), or null: a certificate with the same serial is not enough.
   */
  async findIssued(der: Buffer): Promise<Certificate | null> {
    const rows = await this.repository.findByFingerprint(this.crypto.fingerprintSha256(der));
    return rows.find((row) => this.crypto.pemToDer(row.certificatePem, 'CERTIFICATE').equals(der)) ?? null;
  }

  /** The certificates with this canonical serial among those of `issuerIds` (one per issuer at most). */
  findBySerial(issuerIds: readonly number[], serialNumberHex: string): Promise<Certificate[]> {
    return issuerIds.length === 0
      ? Promise.resolve([])
      : this.repository.findBySerial(issuerIds, serialNumberHex);
  }

  /** The leaf followed by its issuers up to the root, as PEM blocks. */
  async chainPems(actor: Actor, id: number): Promise<{ certificate: Certificate; pems: string[] }> {
    const certificate = await this.findAllowed(actor, id, 'read');
    return {
      certificate,
      pems: [certificate.certificatePem, ...(await this.caChainPems(certificate.issuerId))],
    };
  }

  /** The chain of CA `caId` as one PEM text: what issuing routes answer beside the certificate. */
  async issuingChainPem(caId: number): Promise<string> {
    return (await this.caChainPems(caId)).join('');
  }

  /** A CA's certificate and its issuers' up to the root (CaService.chainPems). */
  async caChainPems(caId: number): Promise<readonly string[]> {
    return this.cas.chainPems(await this.cas.findSigningCa(caId));
  }

  async findAllowed(actor: Actor, id: number, action: ResourceAction<'certificate'>): Promise<Certificate> {
    const certificate = await this.repository.findById(id);
    if (!certificate) throw new NotFoundError(`Certificate ${id} not found`);
    authorize(actor, action, resource.certificate(certificate));
    return certificate;
  }

  /** The certificate locked FOR UPDATE in the caller's transaction (for revocation). */
  async lockedCertificate(tx: Transaction, id: number): Promise<Certificate> {
    const certificate = await this.repository.lockForUpdate(tx, id);
    if (!certificate) throw new NotFoundError(`Certificate ${id} not found`);
    return certificate;
  }

  /** Every certificate's sealed private key, locked in `tx` (KEK rotation). */
  sealedKeysForResealing(tx: Transaction): Promise<SealedCertificateKey[]> {
    return this.repository.lockSealedKeys(tx);
  }

  replaceSealedKey(tx: Transaction, certificateId: number, sealed: string): Promise<void> {
    return this.repository.updateSealedKey(tx, certificateId, sealed);
  }
}

/** ?profile=: digits name a profile by id (names are never only digits), anything else by name. */
function profileFilter(profile: string | undefined): { id: number } | { name: string } | undefined {
  if (profile === undefined) return undefined;
  const text = profile.trim();
  if (!/^[0-9]+$/.test(text)) return { name: text };
  const id = Number(text);
  if (id < 1 || id > MAX_INT4) throw new InvalidInputError(`profile ${text} is not a valid profile id`);
  return { id };
}
