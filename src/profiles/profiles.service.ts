import { Injectable } from '@nestjs/common';
import { allows, authorize } from '../access/authorize';
import { listScopeCondition } from '../access/list-scope';
import { Actor } from '../access/policy';
import { serviceAccountNeedsProfile } from '../access/refusals';
import { resource } from '../access/resources';
import { AuditAction } from '../audit/audit-action';
import { AuditService } from '../audit/audit.service';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../common/errors';
import { JsonObject } from '../common/json';
import { AuthContext } from '../common/request-context';
import { acmeDirectoryUrl } from '../acme/acme-urls';
import { AppConfig } from '../config/app-config';
import { Transaction, Transactions } from '../database/transactions';
import type { ProfilePolicy } from '../issuance/profile-policy';
import { checkedSanTemplates } from '../issuance/san-templates';
import { CertificateProfileEntity, StoredSanTemplates } from './certificate-profile.entity';
import {
  CreateProfileDto,
  ProfileFieldsDto,
  ProfileResponseDto,
  SanTemplatesDto,
  UpdateProfileDto,
} from './dto/profile.dto';
import { ProfileRef } from './dto/profile-ref';
import {
  dnsPatterns,
  emailPatterns,
  fixedSubject,
  ipRanges,
  subjectAttributes,
  uriPatterns,
} from './profile-fields';
import { toProfilePolicy } from './profile-policy-of';
import { ProfileRepository } from './profile.repository';

/** What the binding rules need to know of the CA a certificate is issued under. */
export interface ProfileIssuer {
  id: number;
  name: string;
  organizationId: number | null;
  requireProfile: boolean;
}

/** A CA by id, as the CA module answers it (registered by CaService, so this module needs no CA import). */
export type CaLookup = (id: number) => Promise<Pick<ProfileIssuer, 'id' | 'name' | 'organizationId'> | null>;

/** The stored columns a request may set. */
type ProfileFields = Omit<
  CertificateProfileEntity,
  'id' | 'organizationId' | 'createdByUserId' | 'createdAt' | 'updatedAt'
>;

/** The stored columns a request may set, in the order the API shows them. */
const FIELDS: readonly (keyof ProfileFields)[] = [
  'name',
  'description',
  'enabled',
  'caIds',
  'certificateTypes',
  'keyTypes',
  'minRsaBits',
  'allowedDns',
  'allowWildcardCertificates',
  'allowedIpRanges',
  'allowedEmails',
  'allowedUris',
  'allowedSubjectAttributes',
  'subject',
  'defaultValidityDays',
  'maxValidityDays',
  'backdateSeconds',
  'issuerLifetime',
  'sanTemplates',
  'renewalReusesKey',
  'acmeEnabled',
  'acmeEabRequired',
  'acmeCaId',
];

const API_NAME: Partial<Record<keyof ProfileFields, string>> = {
  caIds: 'ca_ids',
  certificateTypes: 'certificate_types',
  keyTypes: 'key_types',
  minRsaBits: 'min_rsa_bits',
  allowedDns: 'allowed_dns',
  allowWildcardCertificates: 'allow_wildcard_certificates',
  allowedIpRanges: 'allowed_ip_ranges',
  allowedEmails: 'allowed_emails',
  allowedUris: 'allowed_uris',
  allowedSubjectAttributes: 'allowed_subject_attributes',
  defaultValidityDays: 'default_validity_days',
  maxValidityDays: 'max_validity_days',
  backdateSeconds: 'backdate_seconds',
  issuerLifetime: 'issuer_lifetime',
  sanTemplates: 'san_templates',
  renewalReusesKey: 'renewal_reuses_key',
  acmeEnabled: 'acme_enabled',
  acmeEabRequired: 'acme_eab_required',
  acmeCaId: 'acme_ca_id',
};

const DEFAULTS: Omit<ProfileFields, 'name'> = {
  description: null,
  enabled: true,
  caIds: [],
  certificateTypes: [],
  keyTypes: [],
  minRsaBits: null,
  allowedDns: null,
  allowWildcardCertificates: false,
  allowedIpRanges: null,
  allowedEmails: null,
  allowedUris: null,
  allowedSubjectAttributes: ['CN'],
  subject: {},
  defaultValidityDays: null,
  maxValidityDays: null,
  backdateSeconds: 60,
  issuerLifetime: 'clamp',
  sanTemplates: null,
  renewalReusesKey: false,
  acmeEnabled: false,
  acmeEabRequired: true,
  acmeCaId: null,
};

/**
 * Certificate profiles (/api/v1/profiles): what may be issued under an organisation's CAs, and the
 * binding of an issuance to one (resolveForIssuance). The rules that apply a profile are the
 * pipeline's PROFILE_RULES; this module stores profiles and hands their facts over (toProfilePolicy).
 */
@Injectable()
export class ProfilesService {
  private caLookup: CaLookup = async () => null;

  constructor(
    private readonly transactions: Transactions,
    private readonly repository: ProfileRepository,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  /** The CA module tells how to find a CA (for ca_ids); called once at start-up. */
  useCaLookup(lookup: CaLookup): void {
    this.caLookup = lookup;
  }

  async create(auth: AuthContext, dto: CreateProfileDto): Promise<ProfileResponseDto> {
    const organizationId = dto.organization_id ?? auth.user.organizationId;
    // Without an organisation the profile is unowned: superusers only (like an unowned CA).
    authorize(auth.user, 'manage_profile', resource.newProfile(organizationId));
    const fields = await this.checked({ ...DEFAULTS, name: dto.name }, dto, organizationId);
    return this.transactions.run(async (tx) => {
      const created = await this.repository.insert(tx, {
        ...fields,
        organizationId,
        createdByUserId: auth.user.id,
      });
      await this.record(tx, auth, 'profile_create', created, {
        fields: FIELDS.filter((field) => field === 'name' || apiValue(dto, field) !== undefined).map(apiName),
      });
      return this.toResponse(created);
    });
  }

  async list(actor: Actor): Promise<ProfileResponseDto[]> {
    const scope = listScopeCondition(actor, 'owned', {
      organization: 'profile.organization_id',
      owner: 'profile.created_by_user_id',
      boundProfile: 'profile.id',
    });
    return (await this.repository.list(scope)).map((profile) => this.toResponse(profile));
  }

  /** A profile by id for the ACME server, which checks acme_enabled itself; no actor yet. */
  findById(id: number): Promise<CertificateProfileEntity | null> {
    return this.repository.findById(id);
  }

  async get(actor: Actor, id: number): Promise<ProfileResponseDto> {
    const profile = await this.repository.findById(id);
    if (!profile) throw new NotFoundError(`Profile ${id} not found`);
    authorize(actor, 'read_profile', resource.profile(profile));
    return this.toResponse(profile);
  }

  async update(auth: AuthContext, id: number, dto: UpdateProfileDto): Promise<ProfileResponseDto> {
    const current = await this.repository.findById(id);
    if (!current) throw new NotFoundError(`Profile ${id} not found`);
    authorize(auth.user, 'manage_profile', resource.profile(current));
    return this.transactions.run(async (tx) => {
      const locked = await this.repository.lockForUpdate(tx, id);
      if (!locked) throw new NotFoundError(`Profile ${id} not found`);
      authorize(auth.user, 'manage_profile', resource.profile(locked));
      const fields = await this.checked(locked, dto, locked.organizationId);
      const changed = FIELDS.filter(
        (field) => JSON.stringify(fields[field]) !== JSON.stringify(locked[field]),
      );
      Object.assign(locked, fields);
      if (changed.length > 0) {
        await this.repository.save(tx, locked);
        await this.record(tx, auth, 'profile_update', locked, { fields: changed.map(apiName) });
      }
      return this.toResponse(locked);
    });
  }

  async remove(auth: AuthContext, id: number): Promise<void> {
    await this.transactions.run(async (tx) => {
      const profile = await this.repository.lockForUpdate(tx, id);
      if (!profile) throw new NotFoundError(`Profile ${id} not found`);
      authorize(auth.user, 'manage_profile', resource.profile(profile));
      // Certificates keep profile_name; their profile_id becomes null (ON DELETE SET NULL).
      await this.repository.delete(tx, id);
      await this.record(tx, auth, 'profile_delete', profile, {});
    });
  }

  /**
   * The profile an issuance under `ca` runs with (DESIGN16 "Binding"): the one named (by id or name,
   * within the CA's organisation), or null when none is named and the CA requires none.
   */
  async resolveForIssuance(
    actor: Actor,
    ca: ProfileIssuer,
    ref: ProfileRef | null | undefined,
  ): Promise<ProfilePolicy | null> {
    if (ref === undefined || ref === null) {
      if (actor.kind !== 'person') throw new ForbiddenError(serviceAccountNeedsProfile(actor));
      if (ca.requireProfile) {
        throw new InvalidInputError(`CA "${ca.name}" requires a profile: name one with "profile"`);
      }
      return null;
    }
    return this.bound(actor, ca, await this.findNamed(actor, ca, ref));
  }

  /**
   * The profile a certificate was issued under, for its renewal: named by the certificate rather than
   * by the caller, so found by id whatever the caller may read; the binding rules then apply as above.
   */
  async resolveForRenewal(actor: Actor, ca: ProfileIssuer, profileId: number): Promise<ProfilePolicy> {
    const profile = await this.repository.findById(profileId);
    if (!profile) throw new InvalidInputError(`profile ${profileId} not found`);
    return this.bound(actor, ca, profile);
  }

  /** The binding rules: the CA's organisation, the actor may issue with it, enabled, the CA allowed. */
  private bound(actor: Actor, ca: ProfileIssuer, profile: CertificateProfileEntity): ProfilePolicy {
    if (profile.organizationId !== ca.organizationId) {
      throw new InvalidInputError(
        `profile "${profile.name}" belongs to another organization than CA "${ca.name}"`,
      );
    }
    authorize(actor, 'issue_with_profile', resource.profile(profile));
    if (!profile.enabled) throw new InvalidInputError(`profile "${profile.name}" is disabled`);
    if (profile.caIds.length > 0 && !profile.caIds.includes(ca.id)) {
      throw new InvalidInputError(
        `profile "${profile.name}" does not allow CA "${ca.name}" (ca_ids: ${profile.caIds.join(', ')})`,
      );
    }
    return toProfilePolicy(profile);
  }

  /** Each profile a service account of `organizationId` is to be bound to exists in that organisation. */
  async checkBindable(organizationId: number, ids: readonly number[]): Promise<void> {
    for (const id of ids) {
      const profile = await this.repository.findById(id);
      if (!profile) throw new InvalidInputError(`profile_ids: profile ${id} not found`);
      if (profile.organizationId !== organizationId) {
        throw new InvalidInputError(
          `profile_ids: profile "${profile.name}" (${id}) belongs to another organization than the service account`,
        );
      }
    }
  }

  /** The profile a reference names: an id anywhere the actor may see, a name in the CA's organisation first. */
  private async findNamed(
    actor: Actor,
    ca: ProfileIssuer,
    ref: ProfileRef,
  ): Promise<CertificateProfileEntity> {
    const notFound = new InvalidInputError(`profile "${ref}" not found`);
    if (typeof ref === 'number') {
      const byId = await this.repository.findById(ref);
      // The CA's organisation's profiles are no secret to one who may issue under the CA (a service
      // account reads only its own): issue_with_profile refuses the others by name.
      const ofCaOrganization = byId?.organizationId === ca.organizationId;
      if (!byId || (!ofCaOrganization && !allows(actor, 'read_profile', resource.profile(byId))))
        throw notFound;
      return byId;
    }
    const name = ref.trim();
    const own = await this.repository.findByName(ca.organizationId, name);
    if (own) return own;
    // Named from the caller's organisation for a CA of another: refused as such, not as unknown.
    if (actor.organizationId !== ca.organizationId) {
      const elsewhere = await this.repository.findByName(actor.organizationId, name);
      if (elsewhere && allows(actor, 'read_profile', resource.profile(elsewhere))) return elsewhere;
    }
    throw notFound;
  }

  /** The stored fields after `dto` is applied to `base`, each pattern checked and put in canonical form. */
  private async checked(
    base: ProfileFields,
    dto: ProfileFieldsDto & { name?: string },
    organizationId: number | null,
  ): Promise<ProfileFields> {
    const pick = <T>(value: T | undefined, current: T): T => (value === undefined ? current : value);
    const patterns = <T>(
      value: string[] | null | undefined,
      current: string[] | null,
      check: (field: string, values: readonly string[]) => T[],
      field: string,
    ): T[] | string[] | null => (value === undefined ? current : value === null ? null : check(field, value));
    const fields = {
      name: dto.name === undefined ? base.name : dto.name.trim(),
      description: pick(dto.description, base.description),
      enabled: pick(dto.enabled, base.enabled),
      caIds: dto.ca_ids === undefined ? base.caIds : await this.checkedCaIds(dto.ca_ids, organizationId),
      certificateTypes:
        dto.certificate_types === undefined ? base.certificateTypes : [...new Set(dto.certificate_types)],
      keyTypes: dto.key_types === undefined ? base.keyTypes : [...new Set(dto.key_types)],
      minRsaBits: pick(dto.min_rsa_bits, base.minRsaBits),
      allowedDns: patterns(dto.allowed_dns, base.allowedDns, dnsPatterns, 'allowed_dns'),
      allowWildcardCertificates: pick(dto.allow_wildcard_certificates, base.allowWildcardCertificates),
      allowedIpRanges: patterns(dto.allowed_ip_ranges, base.allowedIpRanges, ipRanges, 'allowed_ip_ranges'),
      allowedEmails: patterns(dto.allowed_emails, base.allowedEmails, emailPatterns, 'allowed_emails'),
      allowedUris: patterns(dto.allowed_uris, base.allowedUris, uriPatterns, 'allowed_uris'),
      allowedSubjectAttributes:
        dto.allowed_subject_attributes === undefined
          ? base.allowedSubjectAttributes
          : subjectAttributes('allowed_subject_attributes', dto.allowed_subject_attributes),
      subject: dto.subject === undefined ? base.subject : fixedSubject(dto.subject),
      defaultValidityDays: pick(dto.default_validity_days, base.defaultValidityDays),
      maxValidityDays: pick(dto.max_validity_days, base.maxValidityDays),
      backdateSeconds: pick(dto.backdate_seconds, base.backdateSeconds),
      issuerLifetime: pick(dto.issuer_lifetime, base.issuerLifetime),
      sanTemplates:
        dto.san_templates === undefined
          ? base.sanTemplates
          : dto.san_templates === null
            ? null
            : storedSanTemplates(dto.san_templates),
      renewalReusesKey: pick(dto.renewal_reuses_key, base.renewalReusesKey),
      acmeEnabled: pick(dto.acme_enabled, base.acmeEnabled),
      acmeEabRequired: pick(dto.acme_eab_required, base.acmeEabRequired),
      acmeCaId: dto.acme_ca_id === undefined ? base.acmeCaId : dto.acme_ca_id,
    };
    await this.checkAcmeCa(fields, dto.acme_ca_id !== undefined, organizationId);
    const { defaultValidityDays, maxValidityDays } = fields;
    if (defaultValidityDays !== null && maxValidityDays !== null && defaultValidityDays > maxValidityDays) {
      throw new InvalidInputError(
        `default_validity_days ${defaultValidityDays} is more than max_validity_days ${maxValidityDays}`,
      );
    }
    if (fields.minRsaBits !== null && fields.keyTypes.length > 0 && !fields.keyTypes.includes('rsa')) {
      throw new InvalidInputError(
        `min_rsa_bits ${fields.minRsaBits} is set but key_types (${fields.keyTypes.join(', ')}) excludes rsa`,
      );
    }
    return fields;
  }

  /**
   * ACME orders name no CA, so an ACME profile issues from one: acme_ca_id (a CA of the organisation,
   * one of ca_ids when it lists any), or the only CA of ca_ids.
   */
  private async checkAcmeCa(
    fields: ProfileFields,
    caIdGiven: boolean,
    organizationId: number | null,
  ): Promise<void> {
    const { acmeCaId, caIds } = fields;
    if (acmeCaId !== null) {
      if (caIds.length > 0 && !caIds.includes(acmeCaId)) {
        throw new InvalidInputError(`acme_ca_id ${acmeCaId} is not one of ca_ids (${caIds.join(', ')})`);
      }
      if (caIdGiven) await this.checkedCaIds([acmeCaId], organizationId, 'acme_ca_id');
      return;
    }
    if (fields.acmeEnabled && caIds.length !== 1) {
      throw new InvalidInputError(
        caIds.length === 0
          ? 'acme_enabled needs acme_ca_id (the CA ACME certificates are issued from) or a single CA in ca_ids'
          : `acme_enabled needs acme_ca_id: ca_ids lists ${caIds.length} CAs and an ACME order names none`,
      );
    }
  }

  /** Each id a CA of the profile's organisation; duplicates dropped. */
  private async checkedCaIds(
    ids: readonly number[],
    organizationId: number | null,
    field = 'ca_ids',
  ): Promise<number[]> {
    const unique = [...new Set(ids)];
    for (const id of unique) {
      const ca = await this.caLookup(id);
      if (!ca || ca.organizationId !== organizationId) {
        const owner =
          organizationId === null
            ? 'without an organization, like the profile'
            : `of the profile's organization (${organizationId})`;
        const at = field === 'ca_ids' ? `ca_ids[${ids.indexOf(id)}]` : field;
        throw new InvalidInputError(`${at} ${id} is not a CA ${owner}`);
      }
    }
    return unique;
  }

  private toResponse(profile: CertificateProfileEntity): ProfileResponseDto {
    return toProfileResponse(profile, this.config.publicBaseUrl);
  }

  private record(
    tx: Transaction,
    auth: AuthContext,
    action: AuditAction,
    profile: CertificateProfileEntity,
    detail: JsonObject,
  ): Promise<void> {
    return this.audit.record(tx, {
      action,
      actor: auth.user,
      organizationId: profile.organizationId,
      resourceType: 'certificate_profile',
      resourceId: profile.id,
      clientAddress: auth.clientAddress,
      detail: { name: profile.name, ...detail },
    });
  }
}

function storedSanTemplates(dto: SanTemplatesDto): StoredSanTemplates {
  const checked = checkedSanTemplates(dto);
  return { dns_names: [...checked.dnsNames], uris: [...checked.uris] };
}

function apiName(field: keyof ProfileFields): string {
  return API_NAME[field] ?? field;
}

function apiValue(dto: object, field: keyof ProfileFields): unknown {
  return (dto as Record<string, unknown>)[apiName(field)];
}

export function toProfileResponse(
  profile: CertificateProfileEntity,
  publicBaseUrl: string,
): ProfileResponseDto {
  return {
    id: profile.id,
    name: profile.name,
    description: profile.description,
    enabled: profile.enabled,
    organization_id: profile.organizationId,
    ca_ids: profile.caIds,
    certificate_types: profile.certificateTypes,
    key_types: profile.keyTypes,
    min_rsa_bits: profile.minRsaBits,
    allowed_dns: profile.allowedDns,
    allow_wildcard_certificates: profile.allowWildcardCertificates,
    allowed_ip_ranges: profile.allowedIpRanges,
    allowed_emails: profile.allowedEmails,
    allowed_uris: profile.allowedUris,
    allowed_subject_attributes: profile.allowedSubjectAttributes,
    subject: profile.subject,
    default_validity_days: profile.defaultValidityDays,
    max_validity_days: profile.maxValidityDays,
    backdate_seconds: profile.backdateSeconds,
    issuer_lifetime: profile.issuerLifetime,
    san_templates: profile.sanTemplates,
    renewal_reuses_key: profile.renewalReusesKey,
    acme_enabled: profile.acmeEnabled,
    acme_eab_required: profile.acmeEabRequired,
    acme_ca_id: profile.acmeCaId,
    acme_directory_url: profile.acmeEnabled ? acmeDirectoryUrl(publicBaseUrl, profile) : null,
    created_by_user_id: profile.createdByUserId,
    created_at: profile.createdAt,
    updated_at: profile.updatedAt,
  };
}
