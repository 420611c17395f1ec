import { isIP } from 'node:net';
import { InvalidInputError } from '../../common/errors';
import type { CertificateType, DistinguishedName, SubjectAltNames } from '../../crypto/crypto.types';
import { commonName, normaliseDistinguishedName } from '../../crypto/distinguished-name';
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
  return template;
};

/**
 * SAN types by certificate type: servers carry DNS and IP names, clients email addresses, dual-purpose
 * both, CA certificates none.
 */
export const sanTypesForType: IssuanceRule = (template) => {
  const { certificateType, san } = template;
  if (certificateType === 'server' && san.email.length > 0) {
    throw new InvalidInputError('Server certificates cannot carry email SANs');
  }
  if (certificateType === 'client' && (san.dns.length > 0 || san.ip.length > 0)) {
    throw new InvalidInputError('Client certificates cannot carry DNS or IP SANs');
  }
  if (certificateType === 'ca' && (san.dns.length > 0 || san.ip.length > 0 || san.email.length > 0)) {
    throw new InvalidInputError('CA certificates cannot carry SANs');
  }
  return template;
};

/**
 * The contract's defaults: a server or dual-purpose certificate without DNS SANs gets its Common Name
 * (as an IP SAN when it is an address); a client certificate without email SANs gets its Common
 * Name when that is an email address.
 */
export function withDefaultSans(
  certificateType: CertificateType,
  name: string,
  san: SubjectAltNames,
): SubjectAltNames {
  const result = { dns: [...san.dns], ip: [...san.ip], email: [...san.email] };
  if (
    (certificateType === 'server' || certificateType === 'dual_purpose') &&
    result.dns.length === 0 &&
    name
  ) {
    if (isIP(name) !== 0) {
      if (!result.ip.includes(name)) result.ip.push(name);
    } else {
      result.dns.push(name);
    }
  }
  if (certificateType === 'client' && result.email.length === 0 && EMAIL.test(name)) {
    result.email.push(name);
  }
  return result;
}

export const defaultSansFromCommonName: IssuanceRule = (template) =>
  template.certificateType === 'ca'
    ? template
    : {
        ...template,
        san: withDefaultSans(template.certificateType, commonName(template.subject) ?? '', template.san),
      };

/** DNS names compare case-insensitively (RFC 4343); each name is written once. */
export const sansDeduplicated: IssuanceRule = (template) => ({
  ...template,
  san: {
    dns: [...new Set(template.san.dns.map((name) => name.toLowerCase()))],
    ip: [...new Set(template.san.ip)],
    email: [...new Set(template.san.email)],
  },
});

/** RFC 5280 4.2.1.6 syntax: DNS names (a leading wildcard label allowed), IPv4/IPv6, mailboxes. */
export const sanSyntax: IssuanceRule = (template) => {
  const { san } = template;
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
  const count = san.dns.length + san.ip.length + san.email.length;
  if (count > maxSans) {
    throw new InvalidInputError(
      `The certificate would carry ${count} subject alternative names; at most ${maxSans} are allowed`,
    );
  }
  return template;
};
