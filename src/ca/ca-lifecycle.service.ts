import { Injectable } from '@nestjs/common';
import { authorize } from '../access/authorize';
import { Actor, PkiAction } from '../access/policy';
import { resource } from '../access/resources';
import { AuditAction } from '../audit/audit-action';
import { AuditService } from '../audit/audit.service';
import { RevokeCertificateDto } from '../common/revoke.dto';
import { CertificateChainDto } from '../common/certificate-chain.dto';
import { earliest } from '../common/dates';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/errors';
import { JsonObject } from '../common/json';
import { AuthContext } from '../common/request-context';
import { AppConfig } from '../config/app-config';
import { CryptoService } from '../crypto/crypto.service';
import { ParsedCsr } from '../crypto/crypto.types';
import { Transaction, Transactions } from '../database/transactions';
import { DomainMetrics } from '../system/domain-metrics';
import { CaService } from './ca.service';
import { StoredCaStatus } from '../issuance/ca-signing-status';
import { CertificateAuthority } from './certificate-authority.entity';
import { CertificateAuthorityRepository } from './certificate-authority.repository';
import { CrlService } from './crl.service';
import { SignPendingCaDto, UpdateCaDto } from './dto/ca-lifecycle.dto';
import { CaResponseDto, toCaResponse } from './dto/ca-response.dto';

type LifecycleAction = Extract<PkiAction, 'manage_ca' | 'revoke_cert'>;

/**
 * A CA after its creation: enable and disable, description and leaf policy, revocation of an
 * intermediate signed here, and the certificate of a pending CA (uploaded, or signed by one of ours).
 */
@Injectable()
export class CaLifecycleService {
  constructor(
    private readonly transactions: Transactions,
    private readonly repository: CertificateAuthorityRepository,
    private readonly cas: CaService,
    private readonly crypto: CryptoService,
    private readonly crls: CrlService,
    private readonly audit: AuditService,
    private readonly metrics: DomainMetrics,
    private readonly config: AppConfig,
  ) {}

  async update(auth: AuthContext, id: number, dto: UpdateCaDto): Promise<CaResponseDto> {
    return this.change(auth, id, 'manage_ca', async (ca, tx) => {
      const events: { action: AuditAction; detail: JsonObject }[] = [];
      if (dto.enabled !== undefined) {
        const toggled = this.toggle(ca, dto.enabled);
        if (toggled) events.push({ action: toggled, detail: {} });
      }
      const changed: string[] = [];
      if (dto.description !== undefined && dto.description !== ca.description) {
        ca.description = dto.description;
        changed.push('description');
      }
      if (dto.require_profile !== undefined && dto.require_profile !== ca.requireProfile) {
        ca.requireProfile = dto.require_profile;
        changed.push('require_profile');
      }
      if (dto.allow_leaf_certs !== undefined) {
        ca.allowLeafCertsExplicit = dto.allow_leaf_certs !== null;
        if (dto.allow_leaf_certs !== null) ca.allowLeafCerts = dto.allow_leaf_certs;
        changed.push('allow_leaf_certs');
      }
      await this.repository.save(tx, ca);
      if (dto.allow_leaf_certs === null) {
        await this.cas.refreshLeafPolicy(tx, ca.id);
        ca.allowLeafCerts = (await this.repository.findByIdOrFail(ca.id, tx)).allowLeafCerts;
      }
      if (changed.length > 0) events.push({ action: 'ca_update', detail: { fields: changed } });
      return events;
    });
  }

  async revoke(auth: AuthContext, id: number, dto: RevokeCertificateDto): Promise<CaResponseDto> {
    const reasonCode = this.crypto.revocationReasonCode(dto.reason, dto.reason_code);
    return this.change(auth, id, 'revoke_cert', async (ca, tx) => {
      if (ca.status === 'revoked') throw new ConflictError(`CA ${id} is already revoked`);
      if (ca.parentCaId === null) {
        throw new ConflictError(
          ca.status === 'pending'
            ? `CA ${id} is pending; it has no certificate to revoke`
            : `CA ${id} was not signed by one of our CAs (${ca.signedExternally ? 'signed outside' : 'a root'}); ` +
                'only intermediates signed here can be revoked — disable it instead',
        );
      }
      ca.status = 'revoked';
      ca.revokedAt = new Date(Math.floor(Date.now() / 1000) * 1000);
      ca.revocationReason = dto.reason ?? null;
      ca.revocationReasonCode = reasonCode;
      await this.repository.save(tx, ca);
      await this.crls.markStale(tx, ca.parentCaId);
      return [
        {
          action: 'ca_revoke',
          detail: {
            serial_number: ca.serialNumber,
            parent_ca_id: ca.parentCaId,
            reason: dto.reason ?? null,
            reason_code: reasonCode,
          },
        },
      ];
    });
  }

  async uploadCertificate(auth: AuthContext, id: number, dto: CertificateChainDto): Promise<CaResponseDto> {
    const csr = await this.pendingCsr(auth.user, id);
    const chain = await this.crypto.parseLinkedChain(dto.certificate_chain);
    const [certificate, ...issuers] = chain;
    if (!certificate.publicKey.equals(csr.publicKey)) {
      throw new InvalidInputError("The certificate's public key is not this CA's key");
    }
    if (!certificate.isCa) {
      throw new InvalidInputError(
        'The certificate is not a CA certificate (basicConstraints cA is not TRUE)',
      );
    }
    // RFC 5280 4.2.1.3: a CA certificate must say it signs certificates; we also sign CRLs with it.
    const usages = certificate.keyUsage ?? [];
    if (!usages.includes('keyCertSign') || !usages.includes('cRLSign')) {
      throw new InvalidInputError('The CA certificate needs keyUsage with keyCertSign and cRLSign');
    }
    if (certificate.notAfter <= new Date()) throw new InvalidInputError('The certificate has expired');
    const issuerChainNotAfter = earliest(issuers.map((issuer) => issuer.notAfter));
    if (issuerChainNotAfter && issuerChainNotAfter <= new Date()) {
      throw new InvalidInputError('An issuer in certificate_chain has expired');
    }
    // A certificate that starts in the future is accepted: the CA is not_yet_valid and signs nothing
    // before its notBefore. An issuer starting later still would hold it longer than its own dates say.
    const lateIssuer = issuers.find(
      (issuer) => issuer.notBefore > certificate.notBefore && issuer.notBefore > new Date(),
    );
    if (lateIssuer) {
      throw new InvalidInputError(
        `An issuer in certificate_chain is not valid until ${lateIssuer.notBefore.toISOString()}, ` +
          `after this CA's certificate starts (${certificate.notBefore.toISOString()}); upload it once that issuer is valid`,
      );
    }
    const pathLength = this.crypto.remainingPathLength(chain);
    return this.change(auth, id, 'manage_ca', async (ca, tx) => {
      this.requirePending(ca);
      Object.assign(ca, this.cas.certificateColumns(certificate.der), {
        status: 'active',
        subjectDn: this.crypto.formatDistinguishedName(certificate.subject),
        pathLength,
        signedExternally: true,
        // The uploaded certificate says what constrains this CA, whatever its CSR asked for.
        nameConstraints: certificate.nameConstraints,
        issuerChainNotAfter,
        issuerChainPem:
          issuers.length > 0
            ? issuers.map((issuer) => this.crypto.derToPem(issuer.der, 'CERTIFICATE')).join('')
            : null,
      });
      await this.repository.save(tx, ca);
      const detail = { serial_number: ca.serialNumber, chain_length: chain.length };
      return [{ action: 'ca_upload_certificate', detail }];
    });
  }

  async signPending(auth: AuthContext, id: number, dto: SignPendingCaDto): Promise<CaResponseDto> {
    const csr = await this.pendingCsr(auth.user, id);
    const pending = await this.cas.findSigningCa(id);
    const parent = await this.cas.findParent(auth.user, dto.parent_ca_id);
    if (parent.organizationId !== pending.organizationId) {
      throw new InvalidInputError(`CA ${parent.id} belongs to another organization than CA ${id}`);
    }
    await this.cas.assertConstraintsUnder(parent, pending.nameConstraints);
    const profile = await this.cas.profileFor(auth.user, parent, dto.profile);
    const approved = await this.cas.approveCa(
      parent,
      {
        subject: csr.subject,
        keySpec: csr.keySpec,
        // The CA's own valid_days when asked for none and the profile has no default.
        validDays: dto.valid_days ?? profile?.defaultValidityDays ?? pending.validDays,
        pathLength: pending.pathLength,
      },
      profile,
    );
    const { pathLength, validity } = approved;
    const { der } = await this.cas.issueCaCertificate(approved, {
      subjectPublicKeyDer: csr.subjectPublicKeyDer,
      parent,
      nameConstraints: pending.nameConstraints,
    });
    return this.change(auth, id, 'manage_ca', async (ca, tx) => {
      this.requirePending(ca);
      await this.cas.lockForSigning(tx, parent.id);
      Object.assign(ca, this.cas.certificateColumns(der), {
        status: 'active',
        parentCaId: parent.id,
        pathLength,
        validityClamped: validity.clamped,
      });
      await this.repository.save(tx, ca);
      await this.cas.refreshLeafPolicy(tx, parent.id);
      const detail = {
        parent_ca_id: parent.id,
        serial_number: ca.serialNumber,
        validity_clamped: validity.clamped,
        ...(profile ? { profile_id: profile.id, profile_name: profile.name } : {}),
      };
      return [{ action: 'ca_sign', detail }];
    });
  }

  /** Stored status change for `enabled`; null when nothing changes. Only active and disabled CAs toggle. */
  private toggle(ca: CertificateAuthority, enabled: boolean): AuditAction | null {
    const toggles: StoredCaStatus[] = ['active', 'disabled'];
    if (!toggles.includes(ca.status)) {
      throw new ConflictError(
        `CA ${ca.id} is ${ca.status}; only active or disabled CAs can be enabled or disabled`,
      );
    }
    const target: StoredCaStatus = enabled ? 'active' : 'disabled';
    if (ca.status === target) return null;
    ca.status = target;
    return enabled ? 'ca_enable' : 'ca_disable';
  }

  private requirePending(ca: CertificateAuthority): void {
    if (ca.status !== 'pending') {
      throw new ConflictError(`CA ${ca.id} is ${ca.status}; only a pending CA can receive its certificate`);
    }
  }

  /** The CSR of a pending CA the actor may manage (checked before any slow work). */
  private async pendingCsr(actor: Actor, id: number): Promise<ParsedCsr> {
    const ca = await this.cas.findAllowed(actor, id, 'manage_ca');
    this.requirePending(ca);
    if (!ca.csrPem) throw new ConflictError(`CA ${id} has no CSR`);
    return this.crypto.parseCsr(ca.csrPem);
  }

  /** Locks the CA, checks the permission, applies `apply` and writes its audit rows in one transaction. */
  private async change(
    auth: AuthContext,
    id: number,
    action: LifecycleAction,
    apply: (
      ca: CertificateAuthority,
      tx: Transaction,
    ) => Promise<{ action: AuditAction; detail: JsonObject }[]>,
  ): Promise<CaResponseDto> {
    const { ca, events } = await this.transactions.run(async (tx) => {
      const locked = await this.repository.lockForUpdate(tx, id);
      if (!locked) throw new NotFoundError(`CA ${id} not found`);
      authorize(auth.user, action, resource.ca(locked));
      const applied = await apply(locked, tx);
      for (const event of applied) {
        await this.audit.record(tx, {
          action: event.action,
          actor: auth.user,
          organizationId: locked.organizationId,
          resourceType: 'certificate_authority',
          resourceId: id,
          clientAddress: auth.clientAddress,
          detail: { name: locked.name, ...event.detail },
        });
      }
      return { ca: locked, events: applied };
    });
    this.cas.forgetCa(id);
    for (const event of events) this.metrics.caEvents.inc({ action: event.action.replace(/^ca_/, '') });
    return toCaResponse(ca, this.config.publicBaseUrl);
  }
}
