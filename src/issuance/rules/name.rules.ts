import { isIP } from 'node:net';
import { InvalidInputError } from '../../common/errors';
import type { CertificateType, DistinguishedName, SubjectAltNames } from '../../crypto/crypto.types';
import { commonName, normaliseDistinguishedName } from '../../crypto/distinguished-name';
import { canonicalIp, dnsNameToAscii, validateUri } from '../../crypto/general-names';
import type { IssuanceRule } from '../issuance-template';

const DNS_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Sets the subject's Common Name (replacing any) as a typed attribute, never by string joining. */
export function withCommonName(subject: DistinguishedName, commonNameValue: string): DistinguishedName {
  const withoutCn = subject.filter((attribute) => attribute.type !== 'CN');
  return [...withoutCn, { type: 'CN', value: commonNameValue }];
}

/** Every subject attribute is one the encoder knows, with a value of its syntax (a CSR's too). */
export const subjectIsWellFormed: IssuanceRule = (template) => {
  normaliseDistinguishedName(template.subject);
  // Profiles, name constraints and ACME check the one Common Name; a second would go unchecked.
  const commonNames = template.subject.filter((attribute) => attribute.type === 'CN').length;
  if (commonNames > 1) {
    throw new InvalidInputError(
      `The subject has ${commonNames} Common Names (CN); a certificate may have one`,
    );
  }
  return template;
};

/**
 * SAN types by certificate type: servers carry DNS and IP names, clients email addresses, dual-purpose
 * both, CA certificates none. URIs (SPIFFE IDs name workloads acting as clients and as servers) are
 * allowed on every leaf.
 */
export const sanTypesForType: IssuanceRule = (template) => {
  const { certificateType, san } = template;
  if (certificateType === 'server' && san.email.length > 0) {
    throw new InvalidInputError('Server certificates cannot carry email SANs');
  }
  if (certificateType === 'client' && (san.dns.length > 0 || san.ip.length > 0)) {
    throw new InvalidInputError('Client certificates cannot carry DNS or IP SANs');
  }
  if (
    certificateType === 'ca' &&
    (san.dns.length > 0 || san.ip.length > 0 || san.email.length > 0 || san.uri.length > 0)
  ) {
    throw new InvalidInputError('CA certificates cannot carry SANs');
  }
  return template;
};

/** Unicode labels as A-labels, A-labels checked by round trip (IDNA2008); the message names the name. */
function aLabelsOf(name: string): string {
  try {
    return dnsNameToAscii(name);
  } catch (error) {
    if (error instanceof InvalidInputError) {
      throw new InvalidInputError(`"${name}" is not a valid DNS name: ${error.message}`);
    }
    throw error;
  }
}

/** DNS SANs in the A-label form a certificate carries (IDNA2008): `bücher.example` → `xn--bcher-kva.example`. */
export const dnsNamesAsALabels: IssuanceRule = (template) => ({
  ...template,
  san: { ...template.san, dns: template.san.dns.map(aLabelsOf) },
});

/** The same IP address however written (`2001:db8::1`, `2001:0db8::0001`), by its bytes. */
function sameIp(a: string, b: string): boolean {
  return isIP(a) !== 0 && isIP(b) !== 0 && canonicalIp(a) === canonicalIp(b);
}

/** The most specific CN replaced in place (its position and RDN kept). */
function replaceCommonName(subject: DistinguishedName, value: string): DistinguishedName {
  const index = subject.map((attribute) => attribute.type).lastIndexOf('CN');
  if (index < 0 || subject[index].value === value) return subject;
  return subject.map((attribute, i) => (i === index ? { ...attribute, value } : attribute));
}

/** Whether `name` is a host name a DNS SAN may hold (after IDNA), the leading wildcard label allowed. */
function isDnsName(name: string): boolean {
  const labels = (name.startsWith('*.') ? name.slice(2) : name).split('.');
  return name.length <= 253 && labels.every((label) => DNS_LABEL.test(label));
}

interface CommonNameAsSan {
  san: SubjectAltNames;
  /**
   * The CN as the certificate writes it (CABF BR 7.1.4.3: a copy of the SAN): a Unicode DNS name
   * becomes its A-label form, an IP address its RFC 5952 text.
   */
  commonName: string;
}

/**
 * The contract's defaults, when no profile is used: a server or dual-purpose certificate without DNS
 * SANs gets its Common Name (as an IP SAN when it is an address); a client certificate without email
 * SANs gets its Common Name when that is an email address. Other SANs given beside a Common Name that
 * is not among them are kept as asked (the contract returns exactly the SANs asked for).
 */
function contractDefaults(
  certificateType: CertificateType,
  name: string,
  san: SubjectAltNames,
): CommonNameAsSan {
  const result = { dns: [...san.dns], ip: [...san.ip], email: [...san.email], uri: [...san.uri] };
  let commonNameValue = name;
  if (
    (certificateType === 'server' || certificateType === 'dual_purpose') &&
    result.dns.length === 0 &&
    name
  ) {
    if (isIP(name) !== 0) {
      if (!result.ip.some((ip) => sameIp(ip, name))) result.ip.push(name);
      commonNameValue = canonicalIp(name);
    } else {
      const ascii = aLabelsOf(name);
      result.dns.push(ascii);
      commonNameValue = ascii;
    }
  }
  if (certificateType === 'client' && result.email.length === 0 && EMAIL.test(name)) {
    result.email.push(name);
  }
  return { san: result, commonName: commonNameValue };
}

/**
 * Under a profile the Common Name is always one of the SANs (CABF BR 7.1.4.3, zlint
 * e_subject_common_name_not_exactly_from_san): added when missing, refused when it is no name the
 * certificate type carries (server: DNS or IP; client: email; dual-purpose: any of them).
 */
function commonNameAmongSans(
  certificateType: CertificateType,
  name: string,
  san: SubjectAltNames,
): CommonNameAsSan {
  const result = { dns: [...san.dns], ip: [...san.ip], email: [...san.email], uri: [...san.uri] };
  const serverNames = certificateType === 'server' || certificateType === 'dual_purpose';
  const emailNames = certificateType === 'client' || certificateType === 'dual_purpose';
  if (serverNames && isIP(name) !== 0) {
    if (!result.ip.some((ip) => sameIp(ip, name))) result.ip.push(name);
    return { san: result, commonName: canonicalIp(name) };
  }
  if (emailNames && EMAIL.test(name)) {
    if (!result.email.includes(name)) result.email.push(name);
    return { san: result, commonName: name };
  }
  if (serverNames) {
    let ascii: string | null;
    try {
      ascii = dnsNameToAscii(name);
    } catch {
      ascii = null;
    }
    if (ascii !== null && isDnsName(ascii)) {
      if (!result.dns.some((dns) => dns.toLowerCase() === ascii.toLowerCase())) result.dns.push(ascii);
      return { san: result, commonName: ascii };
    }
  }
  const kinds =
    certificateType === 'server'
      ? 'a DNS name or an IP address'
      : certificateType === 'client'
        ? 'an email address'
        : 'a DNS name, an IP address or an email address';
  throw new InvalidInputError(
    `The Common Name "${name}" must be one of the certificate's SANs, so it must be ${kinds} for a ${certificateType} certificate`,
  );
}

/** The contract's defaults (see contractDefaults); the SANs only. */
export function withDefaultSans(
  certificateType: CertificateType,
  name: string,
  san: SubjectAltNames,
): SubjectAltNames {
  return contractDefaults(certificateType, name, san).san;
}

/**
 * The Common Name as a SAN: the contract's defaults without a profile; under a profile, always one of
 * the SANs. A Unicode DNS name used as a SAN is written as its A-labels in the CN too.
 */
export const defaultSansFromCommonName: IssuanceRule = (template, context) => {
  if (template.certificateType === 'ca') return template;
  const name = commonName(template.subject);
  if (name === null || name === '') return template;
  const { san, commonName: written } =
    context.profile === null
      ? contractDefaults(template.certificateType, name, template.san)
      : commonNameAmongSans(template.certificateType, name, template.san);
  return { ...template, subject: replaceCommonName(template.subject, written), san };
};

/**
 * A mailbox with its domain in lower case, the local part as given: RFC 5280 4.2.1.6 and 7.5 compare the
 * host part of an rfc822Name case-insensitively and the local part exactly. The domain follows the
 * last `@` (a quoted local part may hold one); text without `@` is left for sanSyntax to refuse.
 */
function mailboxWithLowerCaseDomain(email: string): string {
  const at = email.lastIndexOf('@');
  return at < 0 ? email : `${email.slice(0, at + 1)}${email.slice(at + 1).toLowerCase()}`;
}

/**
 * Mailboxes once each, comparing the local part exactly and the domain case-insensitively; the first
 * spelling is kept, and under a profile the domain is written in lower case (without one, the
 * contract's mailboxes come back as they were given).
 */
function uniqueMailboxes(emails: readonly string[], lowerCaseDomains: boolean): string[] {
  const seen = new Map<string, string>();
  for (const email of emails) {
    const key = mailboxWithLowerCaseDomain(email);
    if (!seen.has(key)) seen.set(key, lowerCaseDomains ? key : email);
  }
  return [...seen.values()];
}

/**
 * Each name once: DNS names case-insensitively (RFC 4343), IP addresses by their bytes, in RFC 5952 text,
 * mailboxes by their local part exactly and their domain case-insensitively.
 */
export const sansDeduplicated: IssuanceRule = (template, { profile }) => ({
  ...template,
  san: {
    dns: [...new Set(template.san.dns.map((name) => name.toLowerCase()))],
    ip: [...new Set(template.san.ip.map((ip) => (isIP(ip) !== 0 ? canonicalIp(ip) : ip)))],
    email: uniqueMailboxes(template.san.email, profile !== null),
    uri: [...new Set(template.san.uri)],
  },
});

/** RFC 5280 4.2.1.6 syntax: DNS names (a leading wildcard label allowed), IPv4/IPv6, mailboxes, URIs. */
export const sanSyntax: IssuanceRule = (template) => {
  const { san } = template;
  for (const name of san.dns) {
    if (!isDnsName(name)) {
      throw new InvalidInputError(`"${name}" is not a valid DNS name`);
    }
  }
  for (const address of san.ip) {
    if (isIP(address) === 0) throw new InvalidInputError(`"${address}" is not a valid IP address`);
  }
  for (const email of san.email) {
    if (!EMAIL.test(email) || email.length > 254)
      throw new InvalidInputError(`"${email}" is not a valid email address`);
  }
  for (const uri of san.uri) validateUri(uri);
  return template;
};

/**
 * A TLS server is identified by its SANs (RFC 6125 6.4.4; CABF BR 7.1.2.7.12): a server or dual-purpose
 * certificate left without a DNS or IP name, even after the Common Name default, would match no host.
 */
export const serverNeedsName: IssuanceRule = (template) => {
  const { certificateType, san } = template;
  if (
    (certificateType === 'server' || certificateType === 'dual_purpose') &&
    san.dns.length === 0 &&
    san.ip.length === 0
  ) {
    throw new InvalidInputError(
      `A ${certificateType} certificate needs a DNS or IP name: give a Common Name, san_dns_names or san_ip_addresses`,
    );
  }
  return template;
};

/** At most MAX_SANS_PER_CERTIFICATE SANs in one certificate, whatever their type. */
export const sanCount: IssuanceRule = (template, { maxSans }) => {
  const { san } = template;
  const count = san.dns.length + san.ip.length + san.email.length + san.uri.length;
  if (count > maxSans) {
    throw new InvalidInputError(
      `The certificate would carry ${count} subject alternative names; at most ${maxSans} are allowed`,
    );
  }
  return template;
};
