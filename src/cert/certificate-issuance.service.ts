import { Injectable } from '@nestjs/common';
import { authorize } from '../access/authorize';
import { Actor } from '../access/policy';
import { resource } from '../access/resources';
import { AuditAction } from '../audit/audit-action';
import type { AuditEntry } from '../audit/audit.service';
import { caPublicUrls } from '../ca/ca-slug';
import { CaService } from '../ca/ca.service';
import type { CertificateAuthority } from '../ca/certificate-authority.entity';
import { ConflictError, InvalidInputError } from '../common/errors';
import { JsonObject } from '../common/json';
import { AuthContext, RequestContext } from '../common/request-context';
import { AppConfig } from '../config/app-config';
import { CryptoService } from '../crypto/crypto.service';
import { CertificateType, ParsedCsr, SubjectAltNames } from '../crypto/crypto.types';
import { Transaction, Transactions } from '../database/transactions';
import { certificateTemplateOf } from '../issuance/certificate-template-of';
import {
  applyRules,
  approveIssuance,
  IDENTIFIER_RULES,
  ISSUER_RULES,
  NAME_RULES,
  ORDER_RULES,
} from '../issuance/issuance-pipeline';
import {
  ApprovedIssuance,
  IssuanceContext,
  IssuanceTemplate,
  IssuingCa,
  issuingCaOf,
} from '../issuance/issuance-template';
import type { ProfilePolicy } from '../issuance/profile-policy';
import { withCommonName } from '../issuance/rules/name.rules';
import { PrivateKeyVault } from '../keys/private-key-vault';
import { ProfileRef } from '../profiles/dto/profile-ref';
import { DomainMetrics } from '../system/domain-metrics';
import { Certificate } from './certificate.entity';
import { CertificateRepository } from './certificate.repository';
import {
  IssuedCertificateDetailResponseDto,
  IssuedCertificateResponseDto,
  toCertificateResponse,
} from './dto/certificate-response.dto';
import { IssueCertificateDto, LeafFieldsDto, SignCsrDto } from './dto/issue-certificate.dto';

/** What the service asks of itself for its own TLS certificate. */
export interface ServiceIssuance {
  caId: number;
  commonName: string;
  san: SubjectAltNames;
  validDays: number;
  /** Written into the audit detail, so the trail says why no user is named. */
  purpose: string;
}

/** An approved template, the key it certifies and how the issuance is recorded. */
interface IssuanceRequest {
  ca: CertificateAuthority;
  profile: ProfilePolicy | null;
  approved: ApprovedIssuance;
  subjectPublicKeyDer: Buffer;
  sealedPrivateKey: string | null;
  action: AuditAction;
  auditDetail?: JsonObject;
}

/** A CSR to sign for the certificate-request workflow. */
export interface CsrSigning<Linked> {
  caId: number;
  csr: ParsedCsr;
  certificateType: Exclude<CertificateType, 'ca'>;
  validDays: number | undefined;
  /** The approver's overrides of the CSR (sign-csr's fields); absent ones keep the CSR's. */
  overrides: CsrOverrides;
  profile: ProfileRef | null | undefined;
  requestId: number;
  link: (tx: Transaction, certificate: Certificate) => Promise<Linked>;
}

/** A renewal of one of our certificates, its proof already checked (src/renewal/). */
export interface CertificateRenewal<Linked> {
  /** The certificate renewed: its subject, SANs, type, profile and lifetime are the new one's. */
  certificate: Certificate;
  /** The new key's CSR (only its key is used); null: the certificate's public key again. */
  csr: ParsedCsr | null;
  /** Written into the audit detail. */
  auditDetail: JsonObject;
  link: (tx: Transaction, certificate: Certificate) => Promise<Linked>;
}

/** Who issues (the audit row's actor; null: the service itself) and from where. */
export interface IssuingContext {
  user: (Actor & { username: string }) | null;
  clientAddress: string | null;
}

/** A CSR an ACME order is finalized with (RFC 8555 7.4), its names already checked against the order. */
export interface AcmeCsrSigning<Linked> {
  caId: number;
  /** The ACME server's profile: every profile rule runs. */
  profileId: number;
  csr: ParsedCsr;
  auditDetail: JsonObject;
  link: (tx: Transaction, certificate: Certificate) => Promise<Linked>;
}

/** The names an ACME order asks for, before any key or CSR exists. */
export interface AcmeNamesCheck {
  caId: number;
  profileId: number;
  san: Pick<SubjectAltNames, 'dns' | 'ip'>;
}

/** One name the profile or the CA chain refuses, and why. */
export interface NameRefusal {
  type: 'dns' | 'ip';
  value: string;
  reason: string;
}

/** What sign-csr lets the signer change of a CSR. */
export interface CsrOverrides extends LeafFieldsDto {
  subject_dn?: string;
  common_name?: string;
}

/**
 * The entry points of certificate issuance: each builds an IssuanceTemplate, passes it through the
 * issuance rules (src/issuance/), has it signed by the one builder (crypto/) and stores it with its
 * audit row in one statement.
 */
@Injectable()
export class CertificateIssuanceService {
  constructor(
    private readonly transactions: Transactions,
    private readonly repository: CertificateRepository,
    private readonly crypto: CryptoService,
    private readonly cas: CaService,
    private readonly vault: PrivateKeyVault,
    private readonly config: AppConfig,
    private readonly metrics: DomainMetrics,
  ) {}

  async issue(
    auth: AuthContext,
    caId: number,
    dto: IssueCertificateDto,
  ): Promise<IssuedCertificateDetailResponseDto> {
    const ca = await this.permittedCa(auth.user, await this.cas.findSigningCa(caId));
    const subject = withCommonName(this.crypto.parseDistinguishedName(dto.subject_dn), dto.common_name);
    const profile = await this.cas.profileFor(auth.user, ca, dto.profile);
    const approved = await this.approve(
      ca,
      profile,
      {
        subject,
        san: requestedSans(dto, { dns: [], ip: [], email: [], uri: [] }),
        certificateType: dto.certificate_type,
        keySpec: this.cas.keySpecFor(dto.key_type, dto.key_size, this.config.certKeySize),
        validDays: dto.valid_days ?? null,
        issuerLifetime: dto.issuer_lifetime,
        pathLength: dto.path_length,
        validity: null,
      },
      auth.user,
    );
    const { keySpec } = approved;
    const { privateKey, publicKey } = await this.metrics.time(
      this.metrics.keyGeneration,
      { key_type: keySpec.type, key_size: String(keySpec.size) },
      () => this.crypto.generateKeyPair(keySpec),
    );
    const keepKey = dto.include_private_key ?? true;
    // Exported once: the same PEM is sealed for storage and returned (OpenSSL's encoder is not free).
    const privateKeyPem = keepKey ? this.crypto.exportPrivateKeyPem(privateKey) : null;
    const certificate = await this.signAndStore(auth, {
      ca,
      profile,
      approved,
      subjectPublicKeyDer: this.crypto.spkiDer(publicKey),
      sealedPrivateKey: privateKeyPem === null ? null : await this.vault.sealPem(privateKeyPem),
      action: 'cert_create',
    });
    return {
      ...toCertificateResponse(certificate),
      private_key: privateKeyPem,
      chain_pem: await this.chainPem(ca),
    };
  }

  async signCsr(auth: AuthContext, dto: SignCsrDto): Promise<IssuedCertificateResponseDto> {
    // A JSON null counts as absent: a null id must never reach a lookup (TypeORM drops null conditions).
    const caId = dto.ca_id ?? null;
    const caName = dto.ca_name ?? null;
    if ((caId === null) === (caName === null)) {
      throw new InvalidInputError('Give exactly one of ca_id and ca_name');
    }
    const csr = await this.crypto.parseCsr(dto.csr);
    // The parsed key's spec (keySpecOf refused unsupported keys), with its RSA exponent for the rules.
    const { keySpec } = csr;
    const found =
      caId !== null
        ? await this.cas.findSigningCa(caId)
        : await this.cas.findSigningCaByName(auth.user, caName ?? '');
    const ca = await this.permittedCa(auth.user, found);
    const profile = await this.cas.profileFor(auth.user, ca, dto.profile);
    const certificate = await this.signAndStore(auth, {
      ca,
      profile,
      approved: await this.approve(
        ca,
        profile,
        {
          subject: this.overriddenSubject(csr, dto),
          san: requestedSans(dto, csr.san),
          certificateType: dto.certificate_type,
          keySpec,
          validDays: dto.valid_days ?? null,
          issuerLifetime: dto.issuer_lifetime,
          pathLength: null,
          validity: null,
        },
        auth.user,
      ),
      subjectPublicKeyDer: csr.subjectPublicKeyDer,
      sealedPrivateKey: null,
      action: 'cert_sign_csr',
    });
    return { ...toCertificateResponse(certificate), chain_pem: await this.chainPem(ca) };
  }

  /**
   * Signs a stored request's CSR: its subject and SANs, or what the approver overrides (sign-csr's
   * fields), through the same rules.
   */
  async signRequestCsr<Linked>(auth: AuthContext, signing: CsrSigning<Linked>): Promise<Linked> {
    const { csr, certificateType, overrides } = signing;
    const { keySpec } = csr;
    const ca = await this.permittedCa(auth.user, await this.cas.findSigningCa(signing.caId));
    const profile = await this.cas.profileFor(auth.user, ca, signing.profile);
    return this.signAndStoreLinked(auth, signing.link, {
      ca,
      profile,
      approved: await this.approve(
        ca,
        profile,
        {
          subject: this.overriddenSubject(csr, overrides),
          san: requestedSans(overrides, csr.san),
          certificateType,
          keySpec,
          validDays: signing.validDays ?? null,
          issuerLifetime: overrides.issuer_lifetime,
          pathLength: null,
          validity: null,
        },
        auth.user,
      ),
      subjectPublicKeyDer: csr.subjectPublicKeyDer,
      sealedPrivateKey: null,
      action: 'cert_sign_csr',
      auditDetail: { certificate_request_id: signing.requestId },
    });
  }

  /**
   * Finalizes an ACME order: the CSR's subject, SANs and key as a server certificate under the ACME
   * server's profile, through every issuance rule, signed for the account's principal (its audit row
   * names the account); `link` runs in the storing transaction.
   */
  async signAcmeCsr<Linked>(
    context: IssuingContext & { user: Actor & { username: string } },
    signing: AcmeCsrSigning<Linked>,
  ): Promise<Linked> {
    const { csr } = signing;
    const ca = await this.permittedCa(context.user, await this.cas.findSigningCa(signing.caId));
    const profile = await this.cas.profileFor(context.user, ca, signing.profileId);
    return this.signAndStoreLinked(context, signing.link, {
      ca,
      profile,
      approved: await this.approve(
        ca,
        profile,
        {
          subject: csr.subject,
          san: csr.san,
          certificateType: 'server',
          keySpec: csr.keySpec,
          validDays: null,
          pathLength: null,
          validity: null,
        },
        context.user,
      ),
      subjectPublicKeyDer: csr.subjectPublicKeyDer,
      sealedPrivateKey: null,
      action: 'cert_sign_csr',
      auditDetail: signing.auditDetail,
    });
  }

  /**
   * The names of an ACME order checked before anything is stored (RFC 8555 7.4): the CA and the
   * profile bound for `actor` and ORDER_RULES refuse the whole order (thrown, as for any issuance);
   * IDENTIFIER_RULES then run on each name alone, and the refused ones are answered with their reasons.
   */
  async checkAcmeIdentifiers(actor: Actor, check: AcmeNamesCheck): Promise<NameRefusal[]> {
    const ca = await this.permittedCa(actor, await this.cas.findSigningCa(check.caId));
    const profile = await this.cas.profileFor(actor, ca, check.profileId);
    const context = this.issuanceContext(await this.cas.issuingCaFor(ca), profile);
    const template = (san: Pick<SubjectAltNames, 'dns' | 'ip'>): IssuanceTemplate => ({
      subject: [],
      san: { ...san, email: [], uri: [] },
      certificateType: 'server',
      // No key exists yet; no rule of ORDER_RULES or IDENTIFIER_RULES reads it.
      keySpec: { type: 'ec', size: 256 },
      validDays: null,
      pathLength: null,
      validity: null,
    });
    applyRules(ORDER_RULES, template(check.san), context);
    const names = [
      ...check.san.dns.map((value) => ({ type: 'dns' as const, value })),
      ...check.san.ip.map((value) => ({ type: 'ip' as const, value })),
    ];
    return names.flatMap((name) => {
      try {
        const san = name.type === 'dns' ? { dns: [name.value], ip: [] } : { dns: [], ip: [name.value] };
        applyRules(IDENTIFIER_RULES, template(san), context);
        return [];
      } catch (error) {
        if (!(error instanceof InvalidInputError)) throw error;
        return [{ ...name, reason: error.message }];
      }
    });
  }

  /**
   * Renews `renewal.certificate` for its owner (`context.user`, who must still be allowed to issue
   * under its CA and profile): the same subject, SANs, type and profile, as many days as it had (at
   * most the profile's maximum now), through every issuance rule. The key is the CSR's, or the
   * certificate's own where the profile allows it (RENEWAL_RULES); a kept key keeps its sealed copy.
   */
  async renew<Linked>(
    context: RequestContext & { user: Actor },
    renewal: CertificateRenewal<Linked>,
  ): Promise<{ linked: Linked; certificate: IssuedCertificateResponseDto }> {
    const { certificate: current, csr } = renewal;
    if (current.certificateType === 'ca') {
      throw new InvalidInputError(`Certificate ${current.id} is a CA certificate: renew the CA instead`);
    }
    const ca = await this.permittedCa(context.user, await this.cas.findSigningCa(current.issuerId));
    if (current.profileId === null && current.profileName !== null) {
      throw new InvalidInputError(
        `Certificate ${current.id} was issued under profile "${current.profileName}", which was deleted: issue a new certificate`,
      );
    }
    const profile =
      current.profileId === null
        ? await this.cas.profileFor(context.user, ca, null)
        : await this.cas.profileForRenewal(context.user, ca, current.profileId);
    const parsed = this.crypto.parseCertificate(current.certificatePem);
    const subjectPublicKeyDer = csr?.subjectPublicKeyDer ?? parsed.subjectPublicKeyDer;
    const keySpec = csr?.keySpec ?? parsed.keySpec;
    if (!keySpec)
      throw new InvalidInputError(`Certificate ${current.id} has a key this service does not issue`);
    const keyReused = subjectPublicKeyDer.equals(parsed.subjectPublicKeyDer);
    const maxDays = profile?.maxValidityDays ?? null;
    const approved = await this.approve(
      ca,
      profile,
      {
        subject: parsed.subject,
        san: {
          dns: current.sanDnsNames,
          ip: current.sanIpAddresses,
          email: current.sanEmailAddresses,
          uri: current.sanUris,
        },
        certificateType: current.certificateType,
        keySpec,
        validDays: maxDays === null ? current.validDays : Math.min(current.validDays, maxDays),
        pathLength: null,
        validity: null,
        renewal: { certificateId: current.id, keyReused },
      },
      context.user,
    );
    const sealedPrivateKey = keyReused ? await this.repository.sealedPrivateKey(current.id) : null;
    const stored: { certificate?: Certificate } = {};
    const linked = await this.signAndStoreLinked(
      context,
      (tx, certificate) => {
        stored.certificate = certificate;
        return renewal.link(tx, certificate);
      },
      {
        ca,
        profile,
        approved,
        subjectPublicKeyDer,
        sealedPrivateKey,
        action: 'certificate_renew',
        auditDetail: { renewed_from_id: current.id, key_reused: keyReused, ...renewal.auditDetail },
      },
    );
    if (!stored.certificate) throw new Error('the renewed certificate was not stored');
    return {
      linked,
      certificate: { ...toCertificateResponse(stored.certificate), chain_pem: await this.chainPem(ca) },
    };
  }

  /**
   * A server certificate the service issues for itself (TLS_SELF_ISSUED): a generated key, sealed
   * like every other; stored, audited (with no user) and revocable like every other. `link` runs in
   * the storing transaction and may refuse (throw) to roll the certificate back.
   */
  async issueServiceCertificate<Linked>(
    issuance: ServiceIssuance,
    link: (tx: Transaction, certificate: Certificate) => Promise<Linked>,
  ): Promise<{ linked: Linked; certificate: Certificate; privateKeyPem: string }> {
    const context: RequestContext = { user: null, clientAddress: null };
    const ca = await this.cas.findSigningCa(issuance.caId, { fresh: true });
    const approved = await this.approve(
      ca,
      null,
      {
        subject: [{ type: 'CN', value: issuance.commonName }],
        san: issuance.san,
        certificateType: 'server',
        keySpec: this.cas.keySpecFor('ec', 256),
        validDays: issuance.validDays,
        pathLength: null,
        validity: null,
      },
      null,
    );
    const { privateKey, publicKey } = await this.crypto.generateKeyPair(approved.keySpec);
    const privateKeyPem = this.crypto.exportPrivateKeyPem(privateKey);
    const stored: { certificate?: Certificate } = {};
    const linked = await this.signAndStoreLinked(
      context,
      (tx, certificate) => {
        stored.certificate = certificate;
        return link(tx, certificate);
      },
      {
        ca,
        profile: null,
        approved,
        subjectPublicKeyDer: this.crypto.spkiDer(publicKey),
        sealedPrivateKey: await this.vault.sealPem(privateKeyPem),
        action: 'cert_create',
        auditDetail: { purpose: issuance.purpose },
      },
    );
    if (!stored.certificate) throw new Error('the service certificate was not stored');
    return { linked, certificate: stored.certificate, privateKeyPem };
  }

  /** The issuing CA's certificate and its issuers' up to the root, as one PEM text (remembered per CA). */
  private async chainPem(ca: CertificateAuthority): Promise<string> {
    return (await this.cas.chainPems(ca)).join('');
  }

  /** Permission first, so a caller without it learns nothing of the CA's state. */
  private async permittedCa(actor: Actor, ca: CertificateAuthority): Promise<CertificateAuthority> {
    authorize(actor, 'create_cert', resource.ca(ca));
    return ca;
  }

  private issuanceContext(issuer: IssuingCa | null, profile: ProfilePolicy | null = null): IssuanceContext {
    return {
      issuer,
      now: new Date(),
      maxSans: this.config.maxSansPerCertificate,
      defaultValidDays: this.config.certDays,
      profile,
    };
  }

  /**
   * The template through every issuance rule (ISSUANCE_RULES) under `ca` and `profile`, with the
   * chain's nameConstraints (remembered with the CA: no database round trip per signature), and the
   * claims of the workload the actor authenticated as (what a profile's san_templates render from).
   */
  private async approve(
    ca: CertificateAuthority,
    profile: ProfilePolicy | null,
    template: IssuanceTemplate,
    actor: Actor | null,
  ): Promise<ApprovedIssuance> {
    const credential = actor?.credential;
    return approveIssuance(template, {
      ...this.issuanceContext(await this.cas.issuingCaFor(ca), profile),
      workloadClaims: credential?.kind === 'workload' ? credential.claims : null,
    });
  }

  /** The CSR's subject, or subject_dn instead, with common_name replacing its CN when given. */
  private overriddenSubject(csr: ParsedCsr, overrides: CsrOverrides): IssuanceTemplate['subject'] {
    const base = overrides.subject_dn
      ? this.crypto.parseDistinguishedName(overrides.subject_dn)
      : csr.subject;
    return overrides.common_name ? withCommonName(base, overrides.common_name) : base;
  }

  /**
   * The SANs a certificate for this subject, type and key carries, after the pipeline's NAME_RULES
   * (subject attributes, SAN types and syntax, a name for a server, MAX_SANS_PER_CERTIFICATE).
   * Certificate requests are checked with it when submitted, so nothing is stored that could not be signed.
   */
  checkedSans(
    request: Pick<IssuanceTemplate, 'subject' | 'san' | 'certificateType' | 'keySpec'>,
  ): SubjectAltNames {
    const template: IssuanceTemplate = {
      ...request,
      validDays: this.config.certDays,
      pathLength: null,
      validity: null,
    };
    return applyRules(NAME_RULES, template, this.issuanceContext(null)).san;
  }

  /** Signs and stores, audited, in one statement (no transaction round trips). */
  private async signAndStore(auth: IssuingContext, request: IssuanceRequest): Promise<Certificate> {
    const { certificate, audit } = await this.signedCertificate(auth, request);
    await this.insertCertificate(this.transactions.none, auth.user, certificate, request, audit);
    this.countIssued(request);
    return certificate;
  }

  /** Signs, then stores in a transaction in which `link` also runs (for example to link a request). */
  private async signAndStoreLinked<Linked>(
    auth: IssuingContext,
    link: (tx: Transaction, certificate: Certificate) => Promise<Linked>,
    request: IssuanceRequest,
  ): Promise<Linked> {
    const { certificate, audit } = await this.signedCertificate(auth, request);
    const linked = await this.transactions.run(async (tx) => {
      await this.insertCertificate(tx, auth.user, certificate, request, audit);
      return link(tx, certificate);
    });
    this.countIssued(request);
    return linked;
  }

  private async signedCertificate(
    auth: IssuingContext,
    request: IssuanceRequest,
  ): Promise<{ certificate: Certificate; audit: Omit<AuditEntry, 'resourceId'> }> {
    const { ca, approved } = request;
    const { validity } = approved;
    const urls = caPublicUrls(this.config.publicBaseUrl, ca.name, ca.id);
    const serial = this.crypto.randomSerialNumber();
    const issuer = await this.cas.issuerFor(ca);
    const stopSigning = this.metrics.signing.startTimer({
      operation: 'certificate',
      key_type: issuer.keySpec.type,
    });
    const der = await this.crypto.signCertificate(
      certificateTemplateOf(approved, {
        serialNumber: serial,
        subjectPublicKeyDer: request.subjectPublicKeyDer,
        crlDistributionUrl: urls.crlUrl,
        caIssuersUrl: urls.certificateUrl,
      }),
      issuer,
    );
    stopSigning();
    const certificate = Object.assign(new Certificate(), {
      commonName: this.crypto.commonName(approved.subject) ?? '',
      subjectDn: this.crypto.formatDistinguishedName(approved.subject),
      certificateType: approved.certificateType,
      keyType: approved.keySpec.type,
      keySize: approved.keySpec.size,
      validDays: approved.validDays ?? this.config.certDays,
      status: 'valid',
      certificatePem: this.crypto.derToPem(der, 'CERTIFICATE'),
      serialNumber: this.crypto.serialToHex(serial),
      notBefore: validity.notBefore,
      notAfter: validity.notAfter,
      fingerprintSha256: this.crypto.fingerprintSha256(der),
      sanDnsNames: approved.san.dns,
      sanIpAddresses: approved.san.ip,
      sanEmailAddresses: approved.san.email,
      sanUris: approved.san.uri,
      pathLength: approved.pathLength,
      profileId: request.profile?.id ?? null,
      profileName: request.profile?.name ?? null,
      validityClamped: validity.clamped,
      renewedFromId: approved.renewal?.certificateId ?? null,
      renewedById: null,
      issuerId: ca.id,
      organizationId: ca.organizationId,
      createdByUserId: auth.user?.id ?? null,
      revokedAt: null,
      revocationReason: null,
      revocationReasonCode: null,
    });
    const audit: Omit<AuditEntry, 'resourceId'> = {
      action: request.action,
      actor: auth.user,
      organizationId: ca.organizationId,
      resourceType: 'certificate',
      clientAddress: auth.clientAddress,
      detail: {
        ca_id: ca.id,
        serial_number: certificate.serialNumber,
        certificate_type: approved.certificateType,
        key_type: approved.keySpec.type,
        validity_clamped: validity.clamped,
        ...(request.profile ? { profile_id: request.profile.id, profile_name: request.profile.name } : {}),
        ...request.auditDetail,
      },
    };
    return { certificate, audit };
  }

  private countIssued(request: IssuanceRequest): void {
    const source =
      request.action === 'certificate_renew'
        ? 'renewal'
        : request.action === 'cert_sign_csr'
          ? 'csr'
          : 'generated_key';
    this.metrics.certificatesIssued.inc({
      certificate_type: request.approved.certificateType,
      key_type: request.approved.keySpec.type,
      source,
    });
    if (source === 'csr') this.metrics.csrsSigned.inc();
  }

  /**
   * Stores the certificate and its audit row in one statement (CertificateRepository.insertWithAudit),
   * only while the issuing CA may still sign. A CA that changed meanwhile gets its precise refusal.
   */
  private async insertCertificate(
    tx: Transaction,
    actor: Actor | null,
    certificate: Certificate,
    request: IssuanceRequest,
    audit: Omit<AuditEntry, 'resourceId'>,
  ): Promise<Certificate> {
    if (await this.repository.insertWithAudit(tx, certificate, request.sealedPrivateKey, audit))
      return certificate;
    const current = await this.cas.findSigningCa(certificate.issuerId, { fresh: true });
    if (actor) await this.permittedCa(actor, current);
    applyRules(ISSUER_RULES, request.approved, this.issuanceContext(issuingCaOf(current), request.profile));
    throw new ConflictError(`CA ${certificate.issuerId} changed while signing; retry`);
  }
}

function requestedSans(dto: LeafFieldsDto, fallback: SubjectAltNames): SubjectAltNames {
  return {
    dns: dto.san_dns_names ?? fallback.dns,
    ip: dto.san_ip_addresses ?? fallback.ip,
    email: dto.san_email_addresses ?? fallback.email,
    uri: dto.san_uris ?? fallback.uri,
  };
}
