import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { KeyObject } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, can, listScope, PkiAction } from '../access/policy';
import { AuditService } from '../audit/audit.service';
import { violatedConstraint } from '../common/database-errors';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../common/errors';
import { AuthContext, RequestContext } from '../common/request-context';
import { AppConfig } from '../config/app-config';
import { CryptoService } from '../crypto/crypto.service';
import { DistinguishedName, IssuerContext, KeySpec } from '../crypto/crypto.types';
import { caStatusOf, MAY_SIGN_NOW_SQL } from '../issuance/ca-signing-status';
import { certificateTemplateOf } from '../issuance/certificate-template-of';
import { approveIssuance } from '../issuance/issuance-pipeline';
import { ApprovedIssuance } from '../issuance/issuance-template';
import { assertMaySignNow } from '../issuance/rules/issuer.rules';
import { PrivateKeyVault } from '../keys/private-key-vault';
import { DomainMetrics } from '../system/domain-metrics';
import { caPublicUrls } from './ca-slug';
import { CertificateAuthority } from './certificate-authority.entity';
import { CrlService } from './crl.service';
import { CaDetailResponseDto, CaResponseDto, toCaResponse } from './dto/ca-response.dto';
import { CreateCaDto } from './dto/create-ca.dto';
import { IssuerCache } from './issuer-cache';

@Injectable()
export class CaService {
  private readonly activeCas = new Map<number, { ca: CertificateAuthority; until: number }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CryptoService,
    private readonly vault: PrivateKeyVault,
    private readonly issuers: IssuerCache,
    private readonly crls: CrlService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly metrics: DomainMetrics,
  ) {}

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
    if (!parent && !can(auth.user, 'create_ca', { organizationId, createdByUserId: null })) {
      throw new ForbiddenError('You may not create CAs (needs can_create_ca, admin or superuser)');
    }
    const { ca, privateKey } = await this.insertCa(auth, dto, { subject, keySpec, parent, organizationId });
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
    link: (manager: EntityManager, ca: CertificateAuthority) => Promise<void>,
  ): Promise<CertificateAuthority> {
    const context: RequestContext = { user: null, clientAddress: null };
    const input = {
      subject: this.crypto.parseDistinguishedName(dto.subject_dn),
      keySpec: this.keySpecFor(dto.key_type, dto.key_size),
      parent: null,
      organizationId: null,
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
    },
    link?: (manager: EntityManager, ca: CertificateAuthority) => Promise<void>,
  ): Promise<{ ca: CertificateAuthority; privateKey: KeyObject }> {
    const pending = dto.pending ?? false;
    const { subject, keySpec, parent, organizationId } = input;
    const validDays = dto.valid_days ?? this.config.caCertDays;
    const approved = this.approveCa(parent, {
      subject,
      keySpec,
      validDays,
      pathLength: dto.path_length,
    });
    const { pathLength, validity } = approved;

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
        });
    const csrPem = pending
      ? this.crypto.derToPem(
          await this.crypto.buildCsr(subject, privateKey, undefined, { ca: true, pathLength }),
          'CERTIFICATE REQUEST',
        )
      : null;
    const sealedPrivateKey = await this.vault.seal(privateKey);

    const ca = await this.dataSource.transaction(async (manager) => {
      const created = manager.create(CertificateAuthority, {
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
        allowLeafCerts: dto.allow_leaf_certs ?? true,
        allowLeafCertsExplicit: dto.allow_leaf_certs !== undefined && dto.allow_leaf_certs !== null,
      });
      await this.saveUniqueName(manager, created);
      await this.crls.initialise(manager, created.id);
      if (parent) await this.refreshLeafPolicy(manager, parent.id);
      await this.audit.record(manager, {
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
        },
      });
      await link?.(manager, created);
      return created;
    });
    return { ca, privateKey };
  }

  async list(actor: Actor): Promise<CaResponseDto[]> {
    const scope = listScope(actor);
    const query = this.dataSource
      .getRepository(CertificateAuthority)
      .createQueryBuilder('ca')
      .orderBy('ca.id', 'ASC');
    if (!scope.everything) {
      // The policy's read rule in SQL: own organisation, or created by the caller.
      query.where('(ca.organization_id = :organizationId OR ca.created_by_user_id = :userId)', {
        organizationId: scope.organizationId ?? -1,
        userId: actor.id,
      });
    }
    return (await query.getMany()).map((ca) => toCaResponse(ca, this.config.publicBaseUrl));
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
    return this.dataSource.transaction(async (manager) => {
      const sealed = await manager
        .createQueryBuilder(CertificateAuthority, 'ca')
        .select(['ca.id', 'ca.sealedPrivateKey'])
        .where('ca.id = :id', { id })
        .getOneOrFail();
      const privateKeyPem = await this.vault.unsealPem(sealed.sealedPrivateKey);
      await this.audit.record(manager, {
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
    const children = await this.dataSource.getRepository(CertificateAuthority).find({
      where: { parentCaId: id },
      order: { id: 'ASC' },
    });
    return children.map((child) => toCaResponse(child, this.config.publicBaseUrl));
  }

  async remove(auth: AuthContext, id: number): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const ca = await manager
        .createQueryBuilder(CertificateAuthority, 'ca')
        .setLock('pessimistic_write')
        .where('ca.id = :id', { id })
        .getOne();
      if (!ca) throw new NotFoundError(`CA ${id} not found`);
      if (!can(auth.user, 'delete_ca', ca))
        throw new ForbiddenError('You may not delete this CA (needs can_delete_ca)');
      if (await manager.existsBy(CertificateAuthority, { parentCaId: id })) {
        throw new ConflictError('The CA has child CAs; delete them first');
      }
      // RFC 5280 3.3: a revoked certificate stays on its issuer's CRL until it expires.
      if (ca.status === 'revoked' && ca.notAfter && ca.notAfter > new Date()) {
        throw new ConflictError(
          `CA ${id} is revoked; it stays (its serial must stay on the parent's CRL) until it expires`,
        );
      }
      await manager.delete(CertificateAuthority, { id });
      if (ca.parentCaId !== null) await this.refreshLeafPolicy(manager, ca.parentCaId);
      await this.audit.record(manager, {
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
   * The CA named as issuer, or 404. Permission (can) and state (assertCanSign) are the caller's
   * checks. Active CAs are remembered for a moment: the statement that stores what they sign
   * re-checks the status under a lock (activeIssuerSql), so a stale entry can delay nothing but an
   * error message. `fresh` skips the memory.
   */
  async findSigningCa(caId: number, options: { fresh?: boolean } = {}): Promise<CertificateAuthority> {
    const remembered = this.activeCas.get(caId);
    if (!options.fresh && remembered && remembered.until > Date.now()) return remembered.ca;
    const ca = await this.dataSource.getRepository(CertificateAuthority).findOneBy({ id: caId });
    if (!ca) throw new NotFoundError(`CA ${caId} not found`);
    if (caStatusOf(ca) === 'active')
      this.activeCas.set(caId, { ca, until: Date.now() + ACTIVE_CA_MEMORY_MS });
    else this.activeCas.delete(caId);
    return ca;
  }

  /**
   * SQL selecting the CA whose id is `parameter` while it may sign (leaf certificates too, with
   * `leaves`), share-locked; for a CTE.
   */
  activeIssuerSql(parameter: string, options: { leaves: boolean }): string {
    return `SELECT id FROM certificate_authorities
             WHERE id = ${parameter}${options.leaves ? ' AND allow_leaf_certs' : ''}
               AND ${MAY_SIGN_NOW_SQL}
             FOR SHARE`;
  }

  /** Drops what this instance remembers of a CA after a change to it. */
  forgetCa(caId: number): void {
    this.activeCas.delete(caId);
    this.issuers.forget(caId);
  }

  async findSigningCaByName(actor: Actor, name: string): Promise<CertificateAuthority> {
    const scope = listScope(actor);
    const query = this.dataSource
      .getRepository(CertificateAuthority)
      .createQueryBuilder('ca')
      .where('ca.name = :name', { name })
      .orderBy('ca.id', 'ASC');
    if (!scope.everything)
      query.andWhere('ca.organization_id = :organizationId', { organizationId: scope.organizationId ?? -1 });
    const matches = await query.getMany();
    if (matches.length === 0) throw new NotFoundError(`CA named "${name}" not found`);
    if (matches.length > 1) throw new InvalidInputError(`Several CAs are named "${name}"; use ca_id`);
    return matches[0];
  }

  /**
   * Re-reads the issuing CA under a share lock inside the caller's transaction, so a concurrent
   * disable, revocation or deletion either waits for this signature or is seen by it.
   */
  async lockForSigning(manager: EntityManager, caId: number): Promise<CertificateAuthority> {
    const ca = await manager
      .createQueryBuilder(CertificateAuthority, 'ca')
      .setLock('pessimistic_read')
      .where('ca.id = :caId', { caId })
      .getOne();
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
  async ancestry(ca: CertificateAuthority): Promise<CertificateAuthority[]> {
    const chain = [ca];
    const repository = this.dataSource.getRepository(CertificateAuthority);
    let current = ca;
    while (current.parentCaId !== null && chain.length < 64) {
      const parent = await repository.findOneBy({ id: current.parentCaId });
      if (!parent) break;
      chain.push(parent);
      current = parent;
    }
    return chain;
  }

  async findAllowed(actor: Actor, id: number, action: PkiAction): Promise<CertificateAuthority> {
    const ca = await this.dataSource.getRepository(CertificateAuthority).findOneBy({ id });
    if (!ca) throw new NotFoundError(`CA ${id} not found`);
    if (!can(actor, action, ca)) throw new ForbiddenError(refusal(action));
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

  /** A CA certificate for `subject` under `parent` (or a root when null), through the issuance rules. */
  approveCa(
    parent: CertificateAuthority | null,
    request: {
      subject: DistinguishedName;
      keySpec: KeySpec;
      validDays: number;
      pathLength: number | null | undefined;
    },
  ): ApprovedIssuance {
    return approveIssuance(
      { ...request, san: { dns: [], ip: [], email: [] }, profile: 'ca', validity: null },
      { issuer: parent, now: new Date(), maxSans: this.config.maxSansPerCertificate },
    );
  }

  /** Signs an approved CA certificate: under `parent`, or self-signed with `selfSignKey` when there is none. */
  async issueCaCertificate(
    approved: ApprovedIssuance,
    input: { subjectPublicKeyDer: Buffer; parent: CertificateAuthority | null; selfSignKey?: KeyObject },
  ): Promise<{ der: Buffer }> {
    const { parent } = input;
    const parentUrls = parent ? caPublicUrls(this.config.publicBaseUrl, parent.name, parent.id) : null;
    const template = certificateTemplateOf(approved, {
      serialNumber: this.crypto.randomSerialNumber(),
      subjectPublicKeyDer: input.subjectPublicKeyDer,
      crlDistributionUrl: parentUrls?.crlUrl ?? null,
      caIssuersUrl: parentUrls?.certificateUrl ?? null,
    });
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
    const parent = await this.dataSource.getRepository(CertificateAuthority).findOneBy({ id: parentId });
    if (!parent) throw new NotFoundError(`Parent CA ${parentId} not found`);
    if (!can(actor, 'create_ca', parent)) {
      throw new ForbiddenError(
        'You may not create CAs under this parent (needs can_create_ca in its organization)',
      );
    }
    this.assertCanSign(parent);
    return parent;
  }

  /** A CA with child CAs stops allowing leaves, unless someone set allow_leaf_certs explicitly. */
  async refreshLeafPolicy(manager: EntityManager, caId: number): Promise<void> {
    this.activeCas.delete(caId);
    await manager.query(
      `UPDATE certificate_authorities
          SET allow_leaf_certs = NOT EXISTS (SELECT 1 FROM certificate_authorities c WHERE c.parent_ca_id = $1),
              updated_at = now()
        WHERE id = $1 AND NOT allow_leaf_certs_explicit`,
      [caId],
    );
  }

  private async saveUniqueName(manager: EntityManager, ca: CertificateAuthority): Promise<void> {
    try {
      await manager.save(ca);
    } catch (error) {
      if (violatedConstraint(error)?.kind === 'unique') {
        throw new InvalidInputError(`A CA named "${ca.name}" already exists in this organization`);
      }
      throw error;
    }
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

function refusal(action: PkiAction): string {
  switch (action) {
    case 'read':
      return 'You may not view this CA';
    case 'export_private_key':
      return 'You may not export this private key (needs can_export_private_key)';
    case 'delete_ca':
      return 'You may not delete this CA (needs can_delete_ca)';
    default:
      return `You may not do this with this CA (needs ${action.replace('_', ' ')} permission)`;
  }
}
