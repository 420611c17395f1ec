import type { ProfilePolicy } from '../issuance/profile-policy';
import type { CertificateProfileEntity } from './certificate-profile.entity';

/** The facts of a stored profile the issuance rules consult (src/issuance/profile-policy.ts). */
export function toProfilePolicy(entity: CertificateProfileEntity): ProfilePolicy {
  return {
    id: entity.id,
    name: entity.name,
    caIds: [...entity.caIds],
    certificateTypes: [...entity.certificateTypes],
    keyTypes: [...entity.keyTypes],
    minRsaBits: entity.minRsaBits,
    allowedDns: entity.allowedDns === null ? null : [...entity.allowedDns],
    allowWildcardCertificates: entity.allowWildcardCertificates,
    allowedIpRanges: entity.allowedIpRanges === null ? null : [...entity.allowedIpRanges],
    allowedEmails: entity.allowedEmails === null ? null : [...entity.allowedEmails],
    allowedUris: entity.allowedUris === null ? null : [...entity.allowedUris],
    allowedSubjectAttributes: [...entity.allowedSubjectAttributes],
    fixedSubject: { ...entity.subject },
    defaultValidityDays: entity.defaultValidityDays,
    maxValidityDays: entity.maxValidityDays,
    backdateSeconds: entity.backdateSeconds,
    issuerLifetime: entity.issuerLifetime,
    sanTemplates:
      entity.sanTemplates === null
        ? null
        : { dnsNames: [...entity.sanTemplates.dns_names], uris: [...entity.sanTemplates.uris] },
    renewalReusesKey: entity.renewalReusesKey,
  };
}
