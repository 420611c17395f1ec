import { InvalidInputError } from '../../common/errors';
import type { DistinguishedName, RdnAttribute } from '../../crypto/crypto.types';
import { normaliseDistinguishedName } from '../../crypto/distinguished-name';
import type { IssuanceRule } from '../issuance-template';
import { cidrContains, dnsPatternMatches, emailPatternMatches, uriGlobMatches } from '../name-patterns';
import type { FixedSubjectAttribute, ProfilePolicy } from '../profile-policy';

/**
 * What a certificate profile allows, one rule per field (PROFILE_RULES). Every rule returns the
 * template untouched when the certificate is issued without a profile. Refusals have one shape:
 * `<field>[<index>] "<value>" is not allowed by profile "<name>" (allowed: <what is>)`.
 */

function refusal(
  field: string,
  value: string | number,
  profile: ProfilePolicy,
  allowed: string,
): InvalidInputError {
  return new InvalidInputError(
    `${field} "${String(value)}" is not allowed by profile "${profile.name}" (allowed: ${allowed})`,
  );
}

function listed(values: readonly string[]): string {
  return values.length > 0 ? values.join(', ') : 'none';
}

/** certificate_types: empty = any. */
export const profileAllowsType: IssuanceRule = (template, { profile }) => {
  if (!profile || profile.certificateTypes.length === 0) return template;
  if (!profile.certificateTypes.includes(template.certificateType)) {
    throw refusal('certificate_type', template.certificateType, profile, listed(profile.certificateTypes));
  }
  return template;
};

/** key_types (empty = any) and min_rsa_bits. */
export const profileAllowsKey: IssuanceRule = (template, { profile }) => {
  if (!profile) return template;
  const { keySpec } = template;
  if (profile.keyTypes.length > 0 && !profile.keyTypes.includes(keySpec.type)) {
    throw refusal('key_type', keySpec.type, profile, listed(profile.keyTypes));
  }
  if (keySpec.type === 'rsa' && profile.minRsaBits !== null && keySpec.size < profile.minRsaBits) {
    throw refusal('key_size', keySpec.size, profile, `at least ${profile.minRsaBits} bits for RSA`);
  }
  return template;
};

/** RFC 5280's usual order, most significant first: the profile's fixed attributes open the subject. */
const FIXED_ORDER: readonly FixedSubjectAttribute[] = ['C', 'ST', 'L', 'O', 'OU'];

function fixedAttributesOf(profile: ProfilePolicy): RdnAttribute[] {
  return FIXED_ORDER.flatMap((type) => {
    const value = profile.fixedSubject[type];
    return value === undefined || value === '' ? [] : [{ type, value }];
  });
}

/** The subject's RDNs, each attribute kept as given (with whatever else it carries) beside its canonical type. */
function rdnsOf(subject: DistinguishedName): { attribute: RdnAttribute; type: string }[][] {
  const canonical = normaliseDistinguishedName(subject);
  const rdns: { attribute: RdnAttribute; type: string }[][] = [];
  subject.forEach((attribute, index) => {
    const entry = { attribute, type: canonical[index].type };
    if (attribute.sameRdnAsPrevious && rdns.length > 0) rdns[rdns.length - 1].push(entry);
    else rdns.push([entry]);
  });
  return rdns;
}

/**
 * allowed_subject_attributes (CN by default) and the fixed subject: an attribute the request may not
 * set is refused, all of them named (never silently dropped); attributes the profile fixes (O, OU, C,
 * L, ST) are written with the profile's value whatever the request says, replacing the request's.
 */
export const profileSubject: IssuanceRule = (template, { profile }) => {
  if (!profile) return template;
  const fixed = fixedAttributesOf(profile);
  const fixedTypes = new Set(fixed.map((attribute) => attribute.type.toLowerCase()));
  const allowed = [...profile.allowedSubjectAttributes, ...fixed.map((attribute) => attribute.type)];
  const allowedLower = new Set(allowed.map((type) => type.toLowerCase()));
  const rdns = rdnsOf(template.subject);
  const refused = [
    ...new Set(rdns.flat().flatMap(({ type }) => (allowedLower.has(type.toLowerCase()) ? [] : [type]))),
  ];
  if (refused.length > 0) {
    throw refusal('subject', refused.join(', '), profile, listed([...new Set(allowed)]));
  }
  if (fixed.length === 0) return template;
  const kept = rdns
    .map((rdn) => rdn.filter(({ type }) => !fixedTypes.has(type.toLowerCase())))
    .filter((rdn) => rdn.length > 0)
    .flatMap((rdn) =>
      rdn.map(({ attribute }, index) => {
        const copy: RdnAttribute = { ...attribute };
        if (index === 0) delete copy.sameRdnAsPrevious;
        else copy.sameRdnAsPrevious = true;
        return copy;
      }),
    );
  const subject = [...fixed, ...kept];
  normaliseDistinguishedName(subject);
  return { ...template, subject };
};

/**
 * allowed_dns (null = any, [] = none): each DNS SAN (the Common Name defaulted into them included)
 * matches an exact name or a `*.x` pattern (any depth below x). A requested wildcard (`*.x`) needs
 * allow_wildcard_certificates, and then must itself lie within a pattern.
 */
export const profileDnsNames: IssuanceRule = (template, { profile }) => {
  if (!profile) return template;
  template.san.dns.forEach((name, index) => {
    const field = `san_dns_names[${index}]`;
    if (name.startsWith('*') && !profile.allowWildcardCertificates) {
      throw refusal(field, name, profile, 'no wildcard certificates (allow_wildcard_certificates is false)');
    }
    const patterns = profile.allowedDns;
    if (patterns !== null && !patterns.some((pattern) => dnsPatternMatches(pattern, name))) {
      throw refusal(field, name, profile, listed(patterns));
    }
  });
  return template;
};

/** allowed_ip_ranges (null = any, [] = none): each IP SAN lies in one of the CIDR ranges. */
export const profileIpAddresses: IssuanceRule = (template, { profile }) => {
  const ranges = profile?.allowedIpRanges ?? null;
  if (!profile || ranges === null) return template;
  template.san.ip.forEach((address, index) => {
    if (!ranges.some((range) => cidrContains(range, address))) {
      throw refusal(`san_ip_addresses[${index}]`, address, profile, listed(ranges));
    }
  });
  return template;
};

/** allowed_emails (null = any, [] = none): `*@domain` or an exact mailbox. */
export const profileEmailAddresses: IssuanceRule = (template, { profile }) => {
  const patterns = profile?.allowedEmails ?? null;
  if (!profile || patterns === null) return template;
  template.san.email.forEach((email, index) => {
    if (!patterns.some((pattern) => emailPatternMatches(pattern, email))) {
      throw refusal(`san_email_addresses[${index}]`, email, profile, listed(patterns));
    }
  });
  return template;
};

/** allowed_uris (null = any, [] = none): globs where `*` matches any run of characters. */
export const profileUris: IssuanceRule = (template, { profile }) => {
  const patterns = profile?.allowedUris ?? null;
  if (!profile || patterns === null) return template;
  template.san.uri.forEach((uri, index) => {
    if (!patterns.some((pattern) => uriGlobMatches(pattern, uri))) {
      throw refusal(`san_uris[${index}]`, uri, profile, listed(patterns));
    }
  });
  return template;
};

/**
 * max_validity_days: a valid_days asking more is refused (not shortened). When none is asked, the
 * lifetime rule takes the profile's default, capped at this maximum.
 */
export const profileMaxValidity: IssuanceRule = (template, { profile }) => {
  if (!profile || profile.maxValidityDays === null || template.validDays === null) return template;
  if (template.validDays > profile.maxValidityDays) {
    throw refusal('valid_days', template.validDays, profile, `at most ${profile.maxValidityDays} days`);
  }
  return template;
};
