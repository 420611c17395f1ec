import { Injectable, OnModuleInit } from '@nestjs/common';
import { KeyObject } from 'node:crypto';
import { authorize } from '../access/authorize';
import { listScopeCondition } from '../access/list-scope';
import { Actor, PkiAction } from '../access/policy';
import { resource } from '../access/resources';
import { AuditService } from '../audit/audit.service';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/errors';
import { AuthContext, RequestContext } from '../common/request-context';
import { AppConfig } from '../config/app-config';
import { CryptoService } from '../crypto/crypto.service';
import { DistinguishedName, IssuerContext, KeySpec } from '../crypto/crypto.types';
import { Transaction, Transactions } from '../database/transactions';
import { caStatusOf } from '../issuance/ca-signing-status';
import { certificateTemplateOf } from '../issuance/certificate-template-of';
import { approveIssuance } from '../issuance/issuance-pipeline';
import { ApprovedIssuance, IssuingCa, issuingCaOf } from '../issuance/issuance-template';
import type { ChainConstraints, NameConstraints } from '../issuance/name-constraints';
import { parseNameConstraints } from '../issuance/name-constraints-input';
import { assertWithinChain } from '../issuance/name-constraints-within';
import type { ProfilePolicy } from '../issuance/profile-policy';
import { assertMaySignNow } from '../issuance/rules/issuer.rules';
import { PrivateKeyVault } from '../keys/private-key-vault';
import { ProfileRef } from '../profiles/dto/profile-ref';
import { ProfilesService } from '../profiles/profiles.service';
import { DomainMetrics } from '../system/domain-metrics';
import { caPublicUrls } from './ca-slug';
import { CertificateAuthority } from './certificate-authority.entity';
import {
  CaNameAndNotAfter,
  CertificateAuthorityRepository,
  SealedKeyRow,
  StatusCount,
} from './certificate-authority.repository';
import { CrlService } from './crl.service';
import { CaDetailResponseDto, CaResponseDto, toCaResponse } from './dto/ca-response.dto';
import { CreateCaDto } from './dto/create-ca.dto';
import { IssuerCache } from './issuer-cache';
import { PerCertificateMemo } from './per-certificate-memo';

@Injectable()
export class CaService implements OnModuleInit {
  private readonly activeCas = new Map<number, { ca: CertificateAuthority; until: number }>();
  /** The chain's nameConstraints per CA certificate (see chainConstraints). */
  private readonly chainConstraintsMemo = new PerCertificateMemo<readonly ChainConstraints[]>();
  /** The chain's certificates per CA certificate (see chainPems). */
  private readonly chainPemsMemo = new PerCertificateMemo<readonly string[]>();

  constructor(
    private readonly transactions: Transactions,
    private readonly repository: CertificateAuthorityRepository,
    private readonly crypto: CryptoService,
    private readonly vault: PrivateKeyVault,
    private readonly issuers: IssuerCache,
    private readonly crls: CrlService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly metrics: DomainMetrics,
    private readonly profiles: ProfilesService,
  ) {}

  /** Profiles name CAs (ca_ids): they find them through this module. */
  onModuleInit(): void {
    this.profiles.useCaLookup((id) => this.repository.findById(id));
  }

  /**
   * The profile a certificate signed by `issuer` runs with (named, or required by the issuer): the
   * binding rules of ProfilesService.resolveForIssuance. A root or pending CA has no issuer to bind to.
   */
  async profileFor(
    actor: Actor,
    issuer: CertificateAuthority | null,
    ref: ProfileRef | null | undefined,
  ): Promise<ProfilePolicy | null> {
    if (!issuer) {
      if (ref === undefined || ref === null) return null;
      throw new InvalidInputError(
        'profile applies to a certificate signed by one of our CAs: give parent_ca_id, or name it when signing a pending CA (POST /cas/{id}/sign)',
      );
    }
    return this.profiles.resolveForIssuance(actor, issuer, ref);
  }

  /** The profile a certificate of `issuer` was issued under, bound again for its renewal. */
  profileForRenewal(actor: Actor, issuer: CertificateAuthority, profileId: number): Promise<ProfilePolicy> {
    return this.profiles.resolveForRenewal(actor, issuer, profileId);
  }

  async create(auth: AuthContext, dto: CreateCaDto): Promise<CaDetailResponseDto> {
    const pending = dto.pending ?? false;
    if (pending && dto.parent_ca_id) {
      throw new InvalidInputError(
        'pending and parent_ca_id exclude each other: a pending CA gets its parent when it is signed (POST /cas/{id}/sign)',
      );
    }
    const subject = this.crypto.parseDistinguishedName(dto.subject_dn);
    const keySpec = this.keySpecFor(dto.key_type, dto.key_size);
    const parent = dto.parent_ca_id ? await this.findParent(auth.user, dto.parent_ca_id) : null;
    const organizationId = parent ? parent.organizationId : auth.user.organizationId;
    if (!parent) authorize(auth.user, 'create_ca', resource.newCa(organizationId));
    const profile = await this.profileFor(auth.user, parent, dto.profile);
    const { ca, privateKey } = await this.insertCa(auth, dto, {
      subject,
      keySpec,
      parent,
      organizationId,
      profile,
    });
    return {
      ...toCaResponse(ca, this.config.publicBaseUrl),
      private_key: this.crypto.exportPrivateKeyPem(privateKey),
    };
  }

  /**
   * The root the service issues its own TLS server certificate from (TLS_SELF_ISSUED without
   * TLS_SELF_ISSUED_CA): unowned, so only superusers manage it, and audited with no user. `link`
   * runs in the creating transaction.
   */
  async createServiceRoot(
    dto: CreateCaDto,
    link: (tx: Transaction, ca: CertificateAuthority) => Promise<void>,
  ): Promise<CertificateAuthority> {
    const context: RequestContext = { user: null, clientAddress: null };
    const input = {
      subject: this.crypto.parseDistinguishedName(dto.subject_dn),
      keySpec: this.keySpecFor(dto.key_type, dto.key_size),
      parent: null,
      organizationId: null,
      profile: null,
    };
    return (await this.insertCa(context, dto, input, link)).ca;
  }

  private async insertCa(
    context: RequestContext,
    dto: CreateCaDto,
    input: {
      subject: DistinguishedName;
      keySpec: KeySpec;
      parent: CertificateAuthority | null;
      organizationId: number | null;
      profile: ProfilePolicy | null;
    },
    link?: (tx: Transaction, ca: CertificateAuthority) => Promise<void>,
  ): Promise<{ ca: CertificateAuthority; privateKey: KeyObject }> {
    const pending = dto.pending ?? false;
    const { subject, keySpec, parent, organizationId, profile } = input;
    const nameConstraints = parseNameConstraints(dto.name_constraints);
    if (parent) await this.assertConstraintsUnder(parent, nameConstraints);
    const approved = await this.approveCa(
      parent,
      { subject, keySpec, validDays: dto.valid_days ?? null, pathLength: dto.path_length },
      profile,
    );
    const { pathLength, validity } = approved;
    const validDays = approved.validDays ?? this.config.caCertDays;

    const { privateKey, publicKey } = await this.metrics.time(
      this.metrics.keyGeneration,
      { key_type: keySpec.type, key_size: String(keySpec.size) },
      () => this.crypto.generateKeyPair(keySpec),
    );
    const certificate = pending
      ? null
      : await this.issueCaCertificate(approved, {
          subjectPublicKeyDer: this.crypto.spkiDer(publicKey),
          parent,
          selfSignKey: privateKey,
          nameConstraints,
        });
    const csrPem = pending
      ? this.crypto.derToPem(
          await this.crypto.buildCsr(subject, privateKey, undefined, {
            ca: true,
            pathLength,
            nameConstraints,
          }),
          'CERTIFICATE REQUEST',
        )
      : null;
    const sealedPrivateKey = await this.vault.seal(privateKey);

    const ca = await this.transactions.run(async (tx) => {
      const created = await this.repository.insert(tx, {
        name: dto.name.trim(),
        description: dto.description ?? null,
        subjectDn: this.crypto.formatDistinguishedName(subject),
        keyType: keySpec.type,
        keySize: keySpec.size,
        validDays,
        status: pending ? 'pending' : 'active',
        ...(certificate ? this.certificateColumns(certificate.der) : NO_CERTIFICATE),
        csrPem,
        sealedPrivateKey,
        organizationId,
        createdByUserId: context.user?.id ?? null,
        parentCaId: parent?.id ?? null,
        pathLength,
        nameConstraints,
        allowLeafCerts: dto.allow_leaf_certs ?? true,
        allowLeafCertsExplicit: dto.allow_leaf_certs !== undefined && dto.allow_leaf_certs !== null,
        requireProfile: dto.require_profile ?? false,
        validityClamped: certificate ? validity.clamped : false,
      });
      await this.crls.initialise(tx, created.id);
      if (parent) await this.refreshLeafPolicy(tx, parent.id);
      await this.audit.record(tx, {
        action: 'ca_create',
        actor: context.user,
        organizationId,
        resourceType: 'certificate_authority',
        resourceId: created.id,
        clientAddress: context.clientAddress,
        detail: {
          name: created.name,
          parent_ca_id: created.parentCaId,
          key_type: keySpec.type,
          key_size: keySpec.size,
          pending,
          validity_clamped: validity.clamped,
          ...(nameConstraints ? { name_constraints: true } : {}),
          ...(profile ? { profile_id: profile.id, profile_name: profile.name } : {}),
          ...(dto.require_profile ? { require_profile: true } : {}),
        },
      });
      await link?.(tx, created);
      return created;
    });
    return { ca, privateKey };
  }

  /** For the metrics gauges: CAs by effective status. */
  statusCounts(): Promise<StatusCount[]> {
    return this.repository.countByStatus();
  }

  /** For the metrics gauges: each CA's name and certificate notAfter. */
  namesAndNotAfter(): Promise<CaNameAndNotAfter[]> {
    return this.repository.namesAndNotAfter();
  }

  async list(actor: Actor): Promise<CaResponseDto[]> {
    // The policy's read rule in SQL: own organisation, or created by the caller.
    const scope = listScopeCondition(actor, 'owned', {
      organization: 'ca.organization_id',
      owner: 'ca.created_by_user_id',
    });
    return (await this.repository.list(scope)).map((ca) => toCaResponse(ca, this.config.publicBaseUrl));
  }

  async get(actor: Actor, id: number): Promise<CaResponseDto> {
    return toCaResponse(await this.findAllowed(actor, id, 'read'), this.config.publicBaseUrl);
  }

  async getWithPrivateKey(auth: AuthContext, id: number): Promise<CaDetailResponseDto> {
    const { ca, privateKeyPem } = await this.exportPrivateKey(auth, id);
    return { ...toCaResponse(ca, this.config.publicBaseUrl), private_key: privateKeyPem };
  }

  /** The PEM private key of a CA, audited in the same transaction that reads it. */
  async exportPrivateKey(
    auth: AuthContext,
    id: number,
  ): Promise<{ ca: CertificateAuthority; privateKeyPem: string }> {
    const ca = await this.findAllowed(auth.user, id, 'export_private_key');
    return this.transactions.run(async (tx) => {
      const sealed = await this.repository.sealedPrivateKey(id, tx);
      const privateKeyPem = await this.vault.unsealPem(sealed);
      await this.audit.record(tx, {
        action: 'ca_export_private_key',
        actor: auth.user,
        organizationId: ca.organizationId,
        resourceType: 'certificate_authority',
        resourceId: ca.id,
        clientAddress: auth.clientAddress,
      });
      return { ca, privateKeyPem };
    });
  }

  async chain(actor: Actor, id: number): Promise<CaResponseDto[]> {
    const ca = await this.findAllowed(actor, id, 'read');
    return (await this.ancestry(ca)).map((item) => toCaResponse(item, this.config.publicBaseUrl));
  }

  async children(actor: Actor, id: number): Promise<CaResponseDto[]> {
    await this.findAllowed(actor, id, 'read');
    const children = await this.repository.childrenOf(id);
    return children.map((child) => toCaResponse(child, this.config.publicBaseUrl));
  }

  async remove(auth: AuthContext, id: number): Promise<void> {
    await this.transactions.run(async (tx) => {
      const ca = await this.repository.lockForUpdate(tx, id);
      if (!ca) throw new NotFoundError(`CA ${id} not found`);
      authorize(auth.user, 'delete_ca', resource.ca(ca));
      if (await this.repository.hasChildren(tx, id)) {
        throw new ConflictError('The CA has child CAs; delete them first');
      }
      // RFC 5280 3.3: a revoked certificate stays on its issuer's CRL until it expires.
      if (ca.status === 'revoked' && ca.notAfter && ca.notAfter > new Date()) {
        throw new ConflictError(
          `CA ${id} is revoked; it stays (its serial must stay on the parent's CRL) until it expires`,
        );
      }
      await this.repository.delete(tx, id);
      if (ca.parentCaId !== null) await this.refreshLeafPolicy(tx, ca.parentCaId);
      await this.audit.record(tx, {
        action: 'ca_delete',
        actor: auth.user,
        organizationId: ca.organizationId,
        resourceType: 'certificate_authority',
        resourceId: id,
        clientAddress: auth.clientAddress,
        detail: { name: ca.name },
      });
    });
    this.forgetCa(id);
    this.crls.forget(id);
  }

  async csrPem(actor: Actor, id: number): Promise<string> {
    const ca = await this.findAllowed(actor, id, 'read');
    if (!ca.csrPem) throw new NotFoundError(`CA ${id} has no CSR: it was created with its certificate`);
    return ca.csrPem;
  }

  async crlPem(actor: Actor, id: number): Promise<string> {
    const ca = await this.findAllowed(actor, id, 'read');
    if (!ca.certificatePem) {
      throw new ConflictError(`CA ${id} is pending: it has no CRL until its certificate arrives`);
    }
    return this.crls.pem(await this.crls.current(ca));
  }

  /**
   * The CA named as issuer, or 404. Permission (authorize) and state (assertCanSign) are the caller's
   * checks. Active CAs are remembered for a moment: the statement that stores what they sign
   * re-checks the status under a lock (activeIssuerSql), so a stale entry can delay nothing but an
   * error message. `fresh` skips the memory.
   */
  async findSigningCa(caId: number, options: { fresh?: boolean } = {}): Promise<CertificateAuthority> {
    const remembered = this.activeCas.get(caId);
    if (!options.fresh && remembered && remembered.until > Date.now()) return remembered.ca;
    const ca = await this.repository.findById(caId);
    if (!ca) throw new NotFoundError(`CA ${caId} not found`);
    if (caStatusOf(ca) === 'active')
      this.activeCas.set(caId, { ca, until: Date.now() + ACTIVE_CA_MEMORY_MS });
    else this.activeCas.delete(caId);
    return ca;
  }

  /** A CA by id, or null; no permission check (public files, the service's own TLS). */
  findById(id: number, tx?: Transaction): Promise<CertificateAuthority | null> {
    return this.repository.findById(id, tx);
  }

  /** Drops what this instance remembers of a CA after a change to it. */
  forgetCa(caId: number): void {
    this.activeCas.delete(caId);
    this.chainConstraintsMemo.forget(caId);
    this.chainPemsMemo.forget(caId);
    this.issuers.forget(caId);
  }

  async findSigningCaByName(actor: Actor, name: string): Promise<CertificateAuthority> {
    // Only the organisation's CAs (not those the caller created elsewhere): a name is an organisation's.
    const scope = listScopeCondition(actor, 'signing_ca', { organization: 'ca.organization_id' });
    const matches = await this.repository.findByName(name, scope);
    if (matches.length === 0) throw new NotFoundError(`CA named "${name}" not found`);
    if (matches.length > 1) throw new InvalidInputError(`Several CAs are named "${name}"; use ca_id`);
    return matches[0];
  }

  /**
   * Re-reads the issuing CA under a share lock inside the caller's transaction, so a concurrent
   * disable, revocation or deletion either waits for this signature or is seen by it.
   */
  async lockForSigning(tx: Transaction, caId: number): Promise<CertificateAuthority> {
    const ca = await this.repository.lockForShare(tx, caId);
    if (!ca) throw new NotFoundError(`CA ${caId} not found`);
    this.assertCanSign(ca);
    return ca;
  }

  /** Refuses with a clear message when the CA cannot sign now (the pipeline's caMaySignNow rule). */
  assertCanSign(ca: CertificateAuthority): void {
    assertMaySignNow(ca, new Date());
  }

  issuerFor(ca: CertificateAuthority): Promise<IssuerContext> {
    return this.issuers.issuerFor(ca);
  }

  /** The CA followed by its ancestors up to the root. */
  ancestry(ca: CertificateAuthority): Promise<CertificateAuthority[]> {
    return this.repository.ancestry(ca);
  }

  async findAllowed(actor: Actor, id: number, action: PkiAction): Promise<CertificateAuthority> {
    const ca = await this.repository.findById(id);
    if (!ca) throw new NotFoundError(`CA ${id} not found`);
    authorize(actor, action, resource.ca(ca));
    return ca;
  }

  keySpecFor(
    keyType: string | undefined,
    keySize: number | undefined,
    defaultRsaSize = this.config.caKeySize,
  ): KeySpec {
    const type = keyType ?? 'rsa';
    const size = keySize ?? (type === 'rsa' ? defaultRsaSize : type === 'ec' ? 256 : undefined);
    return this.crypto.validateKeySpec(type, size);
  }

  /**
   * The nameConstraints of `ca` and of every CA above it, nearest first: its own and its ancestors'
   * (as created here or read from an uploaded certificate) and those of the uploaded issuer chain at
   * the top. Remembered per CA certificate (fingerprint): a CA's constraints and its ancestry change
   * only with its certificate, so signing asks the database nothing more (POST /certificates/sign-csr).
   */
  chainConstraints(ca: CertificateAuthority): Promise<readonly ChainConstraints[]> {
    return this.chainConstraintsMemo.get(ca, () => this.loadChainConstraints(ca));
  }

  /**
   * The PEM certificates of `ca` and of its issuers up to the root, nearest first; a CA signed outside
   * carries those above it as uploaded. Remembered per CA certificate, like chainConstraints.
   */
  chainPems(ca: CertificateAuthority): Promise<readonly string[]> {
    return this.chainPemsMemo.get(ca, async () => {
      const issuers = await this.ancestry(ca);
      const uploaded = issuers[issuers.length - 1]?.issuerChainPem ?? '';
      return [
        ...issuers.flatMap((member) => (member.certificatePem ? [member.certificatePem] : [])),
        ...this.crypto
          .splitPemBlocks(uploaded)
          .map((block) => this.crypto.derToPem(block.der, 'CERTIFICATE')),
      ];
    });
  }

  /** The issuing CA's facts for the issuance rules, its chain's nameConstraints included. */
  async issuingCaFor(ca: CertificateAuthority): Promise<IssuingCa> {
    return issuingCaOf(ca, await this.chainConstraints(ca));
  }

  /** A new CA's nameConstraints must lie within those of `parent`'s chain (400 naming both). */
  async assertConstraintsUnder(
    parent: CertificateAuthority,
    nameConstraints: NameConstraints | null,
  ): Promise<void> {
    if (nameConstraints) assertWithinChain(nameConstraints, await this.chainConstraints(parent));
  }

  private async loadChainConstraints(ca: CertificateAuthority): Promise<ChainConstraints[]> {
    const ancestry = ca.parentCaId === null ? [ca] : await this.repository.ancestry(ca);
    const chain: ChainConstraints[] = [];
    for (const member of ancestry) {
      if (member.nameConstraints) chain.push({ caName: member.name, constraints: member.nameConstraints });
      if (member.issuerChainPem) {
        for (const block of this.crypto.splitPemBlocks(member.issuerChainPem)) {
          const issuer = this.crypto.parseCertificate(block.der);
          if (!issuer.nameConstraints) continue;
          const caName =
            this.crypto.commonName(issuer.subject) ?? this.crypto.formatDistinguishedName(issuer.subject);
          chain.push({ caName, constraints: issuer.nameConstraints });
        }
      }
    }
    return chain;
  }

  /** A CA certificate for `subject` under `parent` (or a root when null), through the issuance rules. */
  async approveCa(
    parent: CertificateAuthority | null,
    request: {
      subject: DistinguishedName;
      keySpec: KeySpec;
      /** null: the profile's default, else CA_CERT_DAYS. */
      validDays: number | null;
      pathLength: number | null | undefined;
    },
    profile: ProfilePolicy | null = null,
  ): Promise<ApprovedIssuance> {
    return approveIssuance(
      { ...request, san: { dns: [], ip: [], email: [], uri: [] }, certificateType: 'ca', validity: null },
      {
        issuer: parent ? await this.issuingCaFor(parent) : null,
        now: new Date(),
        maxSans: this.config.maxSansPerCertificate,
        defaultValidDays: this.config.caCertDays,
        profile,
      },
    );
  }

  /** Signs an approved CA certificate: under `parent`, or self-signed with `selfSignKey` when there is none. */
  async issueCaCertificate(
    approved: ApprovedIssuance,
    input: {
      subjectPublicKeyDer: Buffer;
      parent: CertificateAuthority | null;
      selfSignKey?: KeyObject;
      nameConstraints?: NameConstraints | null;
    },
  ): Promise<{ der: Buffer }> {
    const { parent } = input;
    const parentUrls = parent ? caPublicUrls(this.config.publicBaseUrl, parent.name, parent.id) : null;
    const template = {
      ...certificateTemplateOf(approved, {
        serialNumber: this.crypto.randomSerialNumber(),
        subjectPublicKeyDer: input.subjectPublicKeyDer,
        crlDistributionUrl: parentUrls?.crlUrl ?? null,
        caIssuersUrl: parentUrls?.certificateUrl ?? null,
      }),
      nameConstraints: input.nameConstraints ?? null,
    };
    if (parent)
      return { der: await this.crypto.signCertificate(template, await this.issuers.issuerFor(parent)) };
    if (!input.selfSignKey) throw new Error('A root certificate needs its own key');
    return { der: await this.crypto.selfSign(template, input.selfSignKey) };
  }

  /** The CA columns that come from its certificate. */
  certificateColumns(der: Buffer): CertificateColumns {
    const parsed = this.crypto.parseCertificate(der);
    return {
      certificatePem: this.crypto.derToPem(der, 'CERTIFICATE'),
      serialNumber: parsed.serialNumberHex,
      notBefore: parsed.notBefore,
      notAfter: parsed.notAfter,
      fingerprintSha256: this.crypto.fingerprintSha256(der),
    };
  }

  async findParent(actor: Actor, parentId: number): Promise<CertificateAuthority> {
    const parent = await this.repository.findById(parentId);
    if (!parent) throw new NotFoundError(`Parent CA ${parentId} not found`);
    authorize(actor, 'create_ca', resource.ca(parent));
    this.assertCanSign(parent);
    return parent;
  }

  /** A CA with child CAs stops allowing leaves, unless someone set allow_leaf_certs explicitly. */
  async refreshLeafPolicy(tx: Transaction, caId: number): Promise<void> {
    this.activeCas.delete(caId);
    await this.repository.refreshLeafPolicy(tx, caId);
  }

  /** Every CA's sealed private key, locked in `tx` (KEK rotation). */
  sealedKeysForResealing(tx: Transaction): Promise<SealedKeyRow[]> {
    return this.repository.lockSealedKeys(tx);
  }

  replaceSealedKey(tx: Transaction, caId: number, sealed: string): Promise<void> {
    return this.repository.updateSealedKey(tx, caId, sealed);
  }
}

/** How long an active CA is remembered between signatures (see findSigningCa). */
const ACTIVE_CA_MEMORY_MS = 2000;

type CertificateColumns = Pick<
  CertificateAuthority,
  'certificatePem' | 'serialNumber' | 'notBefore' | 'notAfter' | 'fingerprintSha256'
>;

const NO_CERTIFICATE: CertificateColumns = {
  certificatePem: null,
  serialNumber: null,
  notBefore: null,
  notAfter: null,
  fingerprintSha256: null,
};
