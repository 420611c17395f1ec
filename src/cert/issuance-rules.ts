import { isIP } from 'node:net';
import { InvalidInputError } from '../common/errors';
import { CertificateProfile, DistinguishedName, SubjectAltNames } from '../crypto/crypto.types';

/**
 * Issuance is a pipeline of small rules over a template (STYLE.md): each rule is pure, names the
 * problem in its error, and is unit-tested on its own. Signing happens afterwards, in crypto/.
 */

const DAY_MS = 86_400_000;
const DNS_LABEL = /^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export interface SanInput {
  dns?: string[];
  ip?: string[];
  email?: string[];
}

/** RFC 5280 4.2.1.6 syntax: DNS names (a leading wildcard label allowed), IPv4/IPv6, mailboxes. */
export function validateSanSyntax(san: SubjectAltNames): void {
  for (const name of san.dns) {
    const labels = (name.startsWith('*.') ? name.slice(2) : name).split('.');
    if (name.length > 253 || !labels.every((label) => DNS_LABEL.test(label))) {
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
}

/** At most `max` SANs in one certificate, whatever their type (MAX_SANS_PER_CERTIFICATE). */
export function enforceSanCount(san: SubjectAltNames, max: number): void {
  const count = san.dns.length + san.ip.length + san.email.length;
  if (count > max) {
    throw new InvalidInputError(
      `The certificate would carry ${count} subject alternative names; at most ${max} are allowed`,
    );
  }
}

/**
 * SAN types by certificate type: servers carry DNS and IP names, clients email addresses, dual-purpose
 * both, CA certificates none.
 */
export function enforceSanTypes(profile: CertificateProfile, san: SubjectAltNames): void {
  if (profile === 'server' && san.email.length > 0) {
    throw new InvalidInputError('Server certificates cannot carry email SANs');
  }
  if (profile === 'client' && (san.dns.length > 0 || san.ip.length > 0)) {
    throw new InvalidInputError('Client certificates cannot carry DNS or IP SANs');
  }
  if (profile === 'ca' && (san.dns.length > 0 || san.ip.length > 0 || san.email.length > 0)) {
    throw new InvalidInputError('CA certificates cannot carry SANs');
  }
}

/**
 * A TLS server is identified by its SANs (RFC 6125 6.4.4; CABF BR 7.1.2.7.12): a server or dual-purpose
 * certificate left without a DNS or IP name, even after the Common Name default, would match no host.
 */
export function requireServerName(profile: CertificateProfile, san: SubjectAltNames): void {
  if ((profile === 'server' || profile === 'dual_purpose') && san.dns.length === 0 && san.ip.length === 0) {
    throw new InvalidInputError(
      `A ${profile} certificate needs a DNS or IP name: give a Common Name, san_dns_names or san_ip_addresses`,
    );
  }
}

/**
 * The contract's defaults: a server or dual-purpose certificate without DNS SANs gets its Common Name
 * (as an IP SAN when it is an address); a client certificate without email SANs gets its Common
 * Name when that is an email address.
 */
export function withDefaultSans(
  profile: CertificateProfile,
  commonName: string,
  san: SubjectAltNames,
): SubjectAltNames {
  const result = { dns: [...san.dns], ip: [...san.ip], email: [...san.email] };
  if ((profile === 'server' || profile === 'dual_purpose') && result.dns.length === 0 && commonName) {
    if (isIP(commonName) !== 0) {
      if (!result.ip.includes(commonName)) result.ip.push(commonName);
    } else {
      result.dns.push(commonName);
    }
  }
  if (profile === 'client' && result.email.length === 0 && EMAIL.test(commonName)) {
    result.email.push(commonName);
  }
  return result;
}

export function dedupeSans(san: SubjectAltNames): SubjectAltNames {
  return {
    dns: [...new Set(san.dns.map((name) => name.toLowerCase()))],
    ip: [...new Set(san.ip)],
    email: [...new Set(san.email)],
  };
}

/** Sets the subject's Common Name (replacing any) as a typed attribute, never by string joining. */
export function withCommonName(subject: DistinguishedName, commonName: string): DistinguishedName {
  const withoutCn = subject.filter((attribute) => attribute.type !== 'CN');
  return [...withoutCn, { type: 'CN', value: commonName }];
}

export interface Validity {
  notBefore: Date;
  notAfter: Date;
  /** True when the requested period was shortened to end with the issuer's. */
  clamped: boolean;
}

/**
 * A certificate never outlives its issuer (RFC 5280 6.1.3 would reject the path afterwards), so the
 * end is clamped to the issuer's notAfter; the response reports the real dates.
 */
export function validityWithin(now: Date, validDays: number, issuerNotAfter: Date | null): Validity {
  const notBefore = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const requested = new Date(notBefore.getTime() + validDays * DAY_MS);
  if (issuerNotAfter && requested > issuerNotAfter) {
    if (issuerNotAfter <= notBefore) throw new InvalidInputError('The issuing CA has expired');
    return { notBefore, notAfter: issuerNotAfter, clamped: true };
  }
  return { notBefore, notAfter: requested, clamped: false };
}

/**
 * basicConstraints pathLen for a new CA under an issuer (RFC 5280 4.2.1.9): at most the issuer's
 * minus one; unset means exactly that; an issuer with pathLen 0 cannot have CA children.
 * A null issuer path length means unlimited (or: the new CA is a root).
 */
export function pathLengthUnder(
  issuerPathLength: number | null,
  requested: number | null | undefined,
): number | null {
  if (issuerPathLength === null) return requested ?? null;
  if (issuerPathLength === 0) {
    throw new InvalidInputError('The issuing CA has path length 0 and cannot issue CA certificates');
  }
  const allowed = issuerPathLength - 1;
  if (requested === null || requested === undefined) return allowed;
  if (requested > allowed) {
    throw new InvalidInputError(
      `path_length ${requested} exceeds what the issuing CA allows (at most ${allowed})`,
    );
  }
  return requested;
}
