import { isIP } from 'node:net';
import { domainToASCII } from 'node:url';
import { InvalidInputError } from '../common/errors';
import {
  KNOWN_ATTRIBUTE_NAMES,
  knownAttributeName,
  normaliseDistinguishedName,
} from '../crypto/distinguished-name';
import type { FixedSubjectAttribute } from '../issuance/profile-policy';

/**
 * The syntax of a profile's patterns, checked when the profile is written so that a rule never meets a
 * pattern it cannot read. Each function returns the canonical form stored, or throws a 400 naming the
 * field, its index and the value.
 */

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;

function refuse(field: string, index: number, value: string, reason: string): never {
  throw new InvalidInputError(`${field}[${index}] "${value}" ${reason}`);
}

/** A DNS name (A-labels, lower case), or null with the reason it is not one. */
function dnsName(text: string): { name: string } | { reason: string } {
  const ascii = /^[\x21-\x7e]*$/.test(text) ? text.toLowerCase() : domainToASCII(text);
  if (!ascii) return { reason: 'is not a valid internationalised domain name' };
  if (ascii.length > 253) return { reason: 'is longer than 253 characters' };
  const labels = ascii.split('.');
  if (labels.length < 2)
    return { reason: 'needs at least two labels (a bare top-level domain is not a pattern)' };
  for (const label of labels) {
    if (!LABEL.test(label))
      return { reason: `has an invalid label "${label}" (letters, digits, inner hyphens)` };
  }
  if (/^[0-9]+$/.test(labels[labels.length - 1])) {
    return { reason: 'looks like an IP address; put addresses in allowed_ip_ranges' };
  }
  return { name: ascii };
}

/** `api.svc.internal` (exact) or `*.svc.internal` (any depth below, not the apex). */
export function dnsPatterns(field: string, values: readonly string[]): string[] {
  return unique(
    values.map((value, index) => {
      const wildcard = value.startsWith('*.');
      const rest = wildcard ? value.slice(2) : value;
      if (rest.includes('*'))
        refuse(field, index, value, 'may only use "*" as its whole first label ("*.example.com")');
      const checked = dnsName(rest);
      if ('reason' in checked) refuse(field, index, value, checked.reason);
      return wildcard ? `*.${checked.name}` : checked.name;
    }),
  );
}

function addressBytes(address: string): number[] {
  if (isIP(address) === 4) return address.split('.').map(Number);
  const bytes: number[] = [];
  const [head, tail] = address.includes('::') ? address.split('::') : [address, null];
  const words = (part: string): string[] => (part === '' ? [] : part.split(':'));
  const expand = (part: string[]): number[] =>
    part.flatMap((word) => {
      if (word.includes('.')) return word.split('.').map(Number);
      const value = parseInt(word, 16);
      return [value >> 8, value & 0xff];
    });
  const first = expand(words(head));
  const last = tail === null ? [] : expand(words(tail));
  bytes.push(...first, ...new Array(16 - first.length - last.length).fill(0), ...last);
  return bytes;
}

function formatAddress(bytes: number[]): string {
  if (bytes.length === 4) return bytes.join('.');
  const groups: string[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((bytes[i] << 8) | bytes[i + 1]).toString(16));
  // The URL parser writes RFC 5952's compressed form.
  return new URL(`http://[${groups.join(':')}]`).hostname.slice(1, -1);
}

/** CIDR ranges, v4 and v6; a bare address is a /32 or /128. Host bits must be zero. */
export function ipRanges(field: string, values: readonly string[]): string[] {
  return unique(
    values.map((value, index) => {
      const [address, prefixText, ...extra] = value.trim().split('/');
      const version = isIP(address);
      if (extra.length > 0 || version === 0 || address.includes('%')) {
        refuse(field, index, value, 'is not an IP address or CIDR range (e.g. 10.0.0.0/8, 2001:db8::/32)');
      }
      const bits = version === 4 ? 32 : 128;
      if (prefixText !== undefined && !/^(0|[1-9][0-9]{0,2})$/.test(prefixText)) {
        refuse(field, index, value, `has an invalid prefix length (0 to ${bits})`);
      }
      const prefix = prefixText === undefined ? bits : Number(prefixText);
      if (prefix > bits) refuse(field, index, value, `has an invalid prefix length (0 to ${bits})`);
      const bytes = addressBytes(address);
      const network = bytes.map((byte, i) => {
        const kept = Math.max(0, Math.min(8, prefix - i * 8));
        return byte & ((0xff << (8 - kept)) & 0xff);
      });
      if (network.some((byte, i) => byte !== bytes[i])) {
        refuse(field, index, value, `has host bits set (did you mean ${formatAddress(network)}/${prefix}?)`);
      }
      return `${formatAddress(network)}/${prefix}`;
    }),
  );
}

const LOCAL_PART = /^[A-Za-z0-9!#$%&'+\-/=?^_`{|}~]+(\.[A-Za-z0-9!#$%&'+\-/=?^_`{|}~]+)*$/;

/** `*@corp.example` (any mailbox at that domain) or an exact mailbox. */
export function emailPatterns(field: string, values: readonly string[]): string[] {
  return unique(
    values.map((value, index) => {
      const at = value.lastIndexOf('@');
      if (at <= 0) refuse(field, index, value, 'is not a mailbox or "*@domain" pattern');
      const local = value.slice(0, at);
      if (local !== '*' && (!LOCAL_PART.test(local) || local.length > 64)) {
        refuse(field, index, value, 'has an invalid local part (use "*" for any mailbox at the domain)');
      }
      const domain = dnsName(value.slice(at + 1));
      if ('reason' in domain) refuse(field, index, value, `has a domain that ${domain.reason}`);
      return `${local}@${domain.name}`;
    }),
  );
}

/** A URI glob: a scheme, then any characters but whitespace; `*` matches any run of characters. */
export function uriPatterns(field: string, values: readonly string[]): string[] {
  return unique(
    values.map((value, index) => {
      if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(value)) {
        refuse(field, index, value, 'is not a URI pattern (a scheme, then no spaces: "spiffe://corp/ns/*")');
      }
      return value.replace(/^[A-Za-z][A-Za-z0-9+.-]*:/, (scheme) => scheme.toLowerCase());
    }),
  );
}

/** Short names the encoder knows (CN, O, OU, …), canonical spelling. */
export function subjectAttributes(field: string, values: readonly string[]): string[] {
  return unique(
    values.map((value, index) => {
      const name = knownAttributeName(value);
      if (name === null) {
        refuse(
          field,
          index,
          value,
          `is not a known subject attribute (known: ${KNOWN_ATTRIBUTE_NAMES.join(', ')})`,
        );
      }
      return name;
    }),
  );
}

export const FIXED_SUBJECT_ATTRIBUTES: readonly FixedSubjectAttribute[] = ['O', 'OU', 'C', 'L', 'ST'];

/** The attributes the profile writes, each checked by the encoder's syntax (C a country code, …). */
export function fixedSubject(
  values: Partial<Record<FixedSubjectAttribute, string | null>>,
): Partial<Record<FixedSubjectAttribute, string>> {
  const fixed: Partial<Record<FixedSubjectAttribute, string>> = {};
  for (const type of FIXED_SUBJECT_ATTRIBUTES) {
    const value = values[type];
    if (value === undefined || value === null) continue;
    try {
      fixed[type] = normaliseDistinguishedName([{ type, value }])[0].value;
    } catch (error) {
      if (error instanceof InvalidInputError)
        throw new InvalidInputError(`subject.${type}: ${error.message}`);
      throw error;
    }
  }
  return fixed;
}

function unique<T>(values: T[]): T[] {
  return [...new Set(values)];
}
