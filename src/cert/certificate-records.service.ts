import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, can, listScope, PkiAction } from '../access/policy';
import { AuditService } from '../audit/audit.service';
import { CaService } from '../ca/ca.service';
import { CrlService } from '../ca/crl.service';
import { ConflictError, ForbiddenError, NotFoundError } from '../common/errors';
import { JsonObject } from '../common/json';
import { AuthContext } from '../common/request-context';
import { RevokeCertificateDto } from '../common/revoke.dto';
import { CryptoService } from '../crypto/crypto.service';
import { PrivateKeyVault } from '../keys/private-key-vault';
import { DomainMetrics } from '../system/domain-metrics';
import { Certificate } from './certificate.entity';
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
  manager: EntityManager,
  auth: AuthContext,
  certificate: Certificate,
) => Promise<(() => void) | void>;

/** Certificates once issued: listing and reading them, their stored private keys, their chains, revocation. */
@Injectable()
export class CertificateRecordsService {
  private readonly revocationHooks: RevocationHook[] = [];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CryptoService,
    private readonly cas: CaService,
    private readonly crls: CrlService,
    private readonly vault: PrivateKeyVault,
    private readonly audit: AuditService,
    private readonly metrics: DomainMetrics,
  ) {}

  /** A certificate and, unsealed, its private key, for the service's own use (no export, no audit). */
  async serviceCertificate(id: number): Promise<{ certificate: Certificate; privateKeyPem: string } | null> {
    const row = await this.dataSource
      .getRepository(Certificate)
      .createQueryBuilder('cert')
      .addSelect('cert.sealedPrivateKey')
      .where('cert.id = :id', { id })
      .getOne();
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

  async list(actor: Actor, query: CertificateQueryDto): Promise<CertificateResponseDto[]> {
    const scope = listScope(actor);
    const builder = this.dataSource.getRepository(Certificate).createQueryBuilder('cert');
    if (!scope.everything) {
      builder.andWhere('(cert.organization_id = :organizationId OR cert.created_by_user_id = :userId)', {
        organizationId: scope.organizationId ?? -1,
        userId: actor.id,
      });
    }
    if (query.ca_id !== undefined) builder.andWhere('cert.issuer_id = :caId', { caId: query.ca_id });
    const now = new Date();
    if (query.status === 'revoked') builder.andWhere("cert.status = 'revoked'");
    if (query.status === 'valid')
      builder.andWhere("cert.status = 'valid' AND cert.not_after > :now", { now });
    if (query.status === 'expired')
      builder.andWhere("cert.status = 'valid' AND cert.not_after <= :now", { now });
    const rows = await builder.orderBy('cert.id', 'DESC').offset(query.skip).limit(query.limit).getMany();
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
    return this.dataSource.transaction(async (manager) => {
      const sealed = await manager
        .createQueryBuilder(Certificate, 'cert')
        .select(['cert.id', 'cert.sealedPrivateKey'])
        .where('cert.id = :id', { id })
        .getOneOrFail();
      if (!sealed.sealedPrivateKey)
        throw new NotFoundError(`Certificate ${id} has no private key stored here`);
      const privateKeyPem = await this.vault.unsealPem(sealed.sealedPrivateKey);
      await this.audit.record(manager, {
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

  async revoke(auth: AuthContext, id: number, dto: RevokeCertificateDto): Promise<CertificateResponseDto> {
    const reasonCode = this.reasonCodeOf(dto);
    const { revoked, afterCommit } = await this.dataSource.transaction(async (manager) => {
      const certificate = await this.lockedCertificate(manager, id);
      if (!can(auth.user, 'revoke_cert', certificate)) {
        throw new ForbiddenError('You may not revoke this certificate (needs can_revoke_cert)');
      }
      const followUps = await this.revokeWithin(manager, auth, certificate, dto);
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
    manager: EntityManager,
    auth: AuthContext,
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
    await manager.save(certificate);
    await this.crls.markStale(manager, certificate.issuerId);
    const afterCommit: (() => void)[] = [];
    for (const hook of this.revocationHooks) {
      const followUp = await hook(manager, auth, certificate);
      if (followUp) afterCommit.push(followUp);
    }
    await this.audit.record(manager, {
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

  /** The leaf followed by its issuers up to the root, as PEM blocks. */
  async chainPems(actor: Actor, id: number): Promise<{ certificate: Certificate; pems: string[] }> {
    const certificate = await this.findAllowed(actor, id, 'read');
    return {
      certificate,
      pems: [certificate.certificatePem, ...(await this.caChainPems(certificate.issuerId))],
    };
  }

  /** A CA's certificate and its issuers' up to the root; a CA signed outside carries those above it as uploaded. */
  private async caChainPems(caId: number): Promise<string[]> {
    const issuers = await this.cas.ancestry(await this.cas.findSigningCa(caId));
    const uploaded = issuers[issuers.length - 1]?.issuerChainPem ?? '';
    return [
      ...issuers.flatMap((ca) => (ca.certificatePem ? [ca.certificatePem] : [])),
      ...this.crypto.splitPemBlocks(uploaded).map((block) => this.crypto.derToPem(block.der, 'CERTIFICATE')),
    ];
  }

  async findAllowed(actor: Actor, id: number, action: PkiAction): Promise<Certificate> {
    const certificate = await this.dataSource.getRepository(Certificate).findOneBy({ id });
    if (!certificate) throw new NotFoundError(`Certificate ${id} not found`);
    if (!can(actor, action, certificate)) {
      throw new ForbiddenError(
        action === 'read'
          ? 'You may not view this certificate'
          : 'You may not export this private key (needs can_export_private_key)',
      );
    }
    return certificate;
  }

  async lockedCertificate(manager: EntityManager, id: number): Promise<Certificate> {
    const certificate = await manager
      .createQueryBuilder(Certificate, 'cert')
      .setLock('pessimistic_write')
      .where('cert.id = :id', { id })
      .getOne();
    if (!certificate) throw new NotFoundError(`Certificate ${id} not found`);
    return certificate;
  }
}
