import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII, domainToUnicode } from 'node:url';
import * as forge from 'node-forge';
import { InvalidInputError } from '../common/errors';
import { textProblem } from '../common/unicode-text';
import type { SubjectAltNames } from './crypto.types';
import { asn1Bytes, asn1Children } from './der';

const { Class } = forge.asn1;

/** GeneralName CHOICE tags (RFC 5280 4.2.1.6). */
export const GeneralNameTag = { RFC822: 1, DNS: 2, URI: 6, IP: 7 } as const;

/** The GeneralName kinds this service does not issue, by their CHOICE tag. */
const UNSUPPORTED_GENERAL_NAMES: Record<number, string> = {
  0: 'otherName',
  3: 'x400Address',
  4: 'directoryName',
  5: 'ediPartyName',
  8: 'registeredID',
};

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/i;

export function validateDnsName(name: string): string {
  if (typeof name !== 'string' || name.length === 0) throw new InvalidInputError('A DNS name is empty');
  if (!/^[\x21-\x7e]+$/.test(name)) {
    throw new InvalidInputError(
      `DNS name "${name}" must be ASCII without spaces (use the punycode xn-- form)`,
    );
  }
  if (name.length > 253) throw new InvalidInputError(`DNS name "${name}" is longer than 253 characters`);
  const labels = name.split('.');
  labels.forEach((label, index) => {
    if (index === 0 && label === '*' && labels.length > 1) return;
    if (!LABEL.test(label)) {
      throw new InvalidInputError(
        `DNS name "${name}" is not a valid host name (letters, digits and inner hyphens per label; a wildcard only as "*." at the start)`,
      );
    }
  });
  return name;
}

export function validateEmail(address: string): string {
  if (typeof address !== 'string' || !/^[\x21-\x7e]+$/.test(address)) {
    throw new InvalidInputError(`Email address "${String(address)}" must be ASCII without spaces`);
  }
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1 || address.indexOf('@') !== at) {
    throw new InvalidInputError(`Email address "${address}" must look like local@domain`);
  }
  if (address.length > 255) throw new InvalidInputError(`Email address "${address}" is too long`);
  try {
    validateDnsName(address.slice(at + 1));
  } catch {
    throw new InvalidInputError(`Email address "${address}" has an invalid domain`);
  }
  return address;
}

/** Only ASCII characters (each one UTF-8 byte). */
const ASCII_ONLY = { test: (text: string): boolean => Buffer.byteLength(text, 'utf8') === text.length };

/** An IDNA2008 U-label holds letters, marks, digits and hyphens only (no symbols, emoji or punctuation). */
const U_LABEL = /^[\p{L}\p{M}\p{N}-]+$/u;

/** One A-label (`xn--…`) is valid when ToUnicode then ToASCII gives it back and it decodes to a U-label. */
function aLabelIsValid(label: string): boolean {
  const unicode = domainToUnicode(label);
  return (
    unicode !== '' &&
    unicode !== label &&
    !ASCII_ONLY.test(unicode) &&
    U_LABEL.test(unicode) &&
    domainToASCII(unicode) === label.toLowerCase()
  );
}

/**
 * A DNS name in the A-label form a certificate carries (IDNA2008, RFC 5890/5891): Unicode labels are
 * converted (node's ToASCII), A-labels are checked by round trip (`xn--zz` is refused). ASCII names
 * without A-labels come back unchanged; the result is then checked with validateDnsName by the caller.
 */
export function dnsNameToAscii(name: string): string {
  if (typeof name !== 'string') return name;
  const ascii = ASCII_ONLY.test(name);
  if (ascii && !/(^|\.)xn--/i.test(name)) return name;
  const wildcard = name.startsWith('*.');
  const body = wildcard ? name.slice(2) : name;
  if (!ascii) {
    const labels = body.split('.');
    if (!labels.every((label) => ASCII_ONLY.test(label) || U_LABEL.test(label.normalize('NFC')))) {
      throw new InvalidInputError(
        `DNS name "${name}" has a label that is not a valid IDNA2008 U-label (letters, digits, marks and hyphens)`,
      );
    }
  }
  const converted = ascii ? body : domainToASCII(body.normalize('NFC'));
  if (converted === '') {
    throw new InvalidInputError(`DNS name "${name}" is not a valid internationalised domain name`);
  }
  for (const label of converted.split('.')) {
    if (/^xn--/i.test(label) && !aLabelIsValid(label)) {
      throw new InvalidInputError(
        `DNS name "${name}" has an invalid A-label "${label}" (it does not survive ToUnicode and back)`,
      );
    }
  }
  return wildcard ? `*.${converted}` : converted;
}

const URI_SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
/** RFC 3986 characters: unreserved, reserved and percent-encoded octets. */
const URI_CHARS = /^(?:[A-Za-z0-9\-._~:/?#[\]@!$&'()*+,;=]|%[0-9A-Fa-f]{2})+$/;

/**
 * A URI SAN (RFC 5280 4.2.1.6): an absolute URI with a scheme and a scheme-specific part, in RFC 3986
 * syntax and IA5 characters (non-ASCII must be percent-encoded); a host, when the URI has an authority,
 * is a DNS name or an IP literal.
 */
export function validateUri(uri: string): string {
  if (typeof uri !== 'string' || uri.length === 0) throw new InvalidInputError('A URI is empty');
  if (uri.length > 2048)
    throw new InvalidInputError(`URI "${uri.slice(0, 64)}…" is longer than 2048 characters`);
  if (!/^[\x21-\x7e]+$/.test(uri)) {
    throw new InvalidInputError(
      `URI "${uri}" must be ASCII without spaces (percent-encode other characters)`,
    );
  }
  const scheme = URI_SCHEME.exec(uri);
  if (!scheme || uri.length === scheme[0].length) {
    throw new InvalidInputError(`URI "${uri}" is not an absolute URI (scheme:rest, RFC 3986)`);
  }
  if (!URI_CHARS.test(uri.slice(scheme[0].length))) {
    throw new InvalidInputError(`URI "${uri}" has characters RFC 3986 does not allow (or a bad % escape)`);
  }
  const rest = uri.slice(scheme[0].length);
  if (rest.startsWith('//')) {
    const authority = rest.slice(2).split(/[/?#]/)[0];
    const hostAndPort = authority.slice(authority.lastIndexOf('@') + 1);
    const host = hostAndPort.startsWith('[')
      ? hostAndPort.slice(1, hostAndPort.indexOf(']'))
      : hostAndPort.replace(/:\d*$/, '');
    const hostIsValid =
      host.length > 0 &&
      (hostAndPort.startsWith('[')
        ? isIPv6(host)
        : isIPv4(host) || !host.split('.').some((label) => !LABEL.test(label)));
    if (!hostIsValid) {
      throw new InvalidInputError(`URI "${uri}" has an invalid host "${host}" (a DNS name or an IP address)`);
    }
  }
  return uri;
}

function ipv4Bytes(text: string): Buffer {
  return Buffer.from(text.split('.').map(Number));
}

function ipv6Bytes(text: string): Buffer {
  let address = text;
  const tail: number[] = [];
  if (address.includes('.')) {
    // An embedded IPv4 (::ffff:1.2.3.4) supplies the last two groups.
    const lastColon = address.lastIndexOf(':');
    const v4 = ipv4Bytes(address.slice(lastColon + 1));
    tail.push((v4[0] << 8) | v4[1], (v4[2] << 8) | v4[3]);
    address = address.slice(0, lastColon + 1);
    if (!address.endsWith('::')) address = address.slice(0, -1);
  }
  const parse = (part: string): number[] =>
    part === '' ? [] : part.split(':').map((group) => parseInt(group, 16));
  let groups: number[];
  const gap = address.indexOf('::');
  if (gap === -1) {
    groups = [...parse(address), ...tail];
  } else {
    const left = parse(address.slice(0, gap));
    const right = [...parse(address.slice(gap + 2)), ...tail];
    groups = [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
  }
  const out = Buffer.alloc(16);
  groups.forEach((group, index) => out.writeUInt16BE(group, index * 2));
  return out;
}

/** The 4- or 16-byte iPAddress octets of an IP literal (no zone ids, no CIDR). */
export function ipToBytes(text: string): Buffer {
  if (typeof text === 'string' && isIPv4(text)) return ipv4Bytes(text);
  if (typeof text === 'string' && isIPv6(text) && !text.includes('%')) return ipv6Bytes(text);
  throw new InvalidInputError(`"${String(text)}" is not an IPv4 or IPv6 address`);
}

/** IPv4 dotted quad, or RFC 5952 IPv6 text (lowercase, longest zero run compressed). */
export function bytesToIp(bytes: Buffer): string {
  if (bytes.length === 4) return [...bytes].join('.');
  if (bytes.length !== 16) return `#${bytes.toString('hex')}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(bytes.readUInt16BE(i));
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((group) => group.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLength).join(':')}`;
}

/** The canonical text of an IP SAN: the RFC 5952 form of its bytes (`2001:0db8::0001` → `2001:db8::1`). */
export function canonicalIp(text: string): string {
  return bytesToIp(ipToBytes(text));
}

export function emptySan(): SubjectAltNames {
  return { dns: [], ip: [], email: [], uri: [] };
}

export function sanIsEmpty(san: SubjectAltNames): boolean {
  return san.dns.length === 0 && san.ip.length === 0 && san.email.length === 0 && san.uri.length === 0;
}

/** GeneralNames SEQUENCE for the SAN (validates every entry). */
export function encodeGeneralNames(san: SubjectAltNames): forge.asn1.Asn1 {
  const names: forge.asn1.Asn1[] = [];
  for (const dns of san.dns ?? []) {
    names.push(forge.asn1.create(Class.CONTEXT_SPECIFIC, GeneralNameTag.DNS, false, validateDnsName(dns)));
  }
  for (const ip of san.ip ?? []) {
    names.push(
      forge.asn1.create(Class.CONTEXT_SPECIFIC, GeneralNameTag.IP, false, ipToBytes(ip).toString('binary')),
    );
  }
  for (const email of san.email ?? []) {
    names.push(forge.asn1.create(Class.CONTEXT_SPECIFIC, GeneralNameTag.RFC822, false, validateEmail(email)));
  }
  for (const uri of san.uri ?? []) names.push(uriGeneralName(validateUri(uri)));
  return forge.asn1.create(Class.UNIVERSAL, forge.asn1.Type.SEQUENCE, true, names);
}

export function uriGeneralName(url: string): forge.asn1.Asn1 {
  return forge.asn1.create(Class.CONTEXT_SPECIFIC, GeneralNameTag.URI, false, url);
}

/** IA5String text of a SAN entry; a NUL in it is refused (RFC 5280 4.2.1.6 names are host names and mailboxes). */
function readableName(bytes: Buffer, what: string): string {
  const text = bytes.toString('latin1');
  const problem = textProblem(text);
  if (problem) throw new InvalidInputError(`${what} in the subject alternative names ${problem}`);
  return text;
}

export interface DecodeGeneralNamesOptions {
  /**
   * Refuse the kinds this service does not issue (otherName, x400Address, directoryName, ediPartyName,
   * registeredID) with a message starting with this word ("CSR"), rather than skip them. For a request:
   * dropping a name the requester asked for would issue a certificate other than the one asked for.
   */
  refuseUnsupportedAs?: string;
}

/** Reads DNS, IP, email and URI entries of a GeneralNames; other name forms are skipped or refused. */
export function decodeGeneralNames(
  node: forge.asn1.Asn1,
  options: DecodeGeneralNamesOptions = {},
): SubjectAltNames {
  const san = emptySan();
  for (const name of asn1Children(node)) {
    if (name.tagClass !== Class.CONTEXT_SPECIFIC) continue;
    const unsupported = UNSUPPORTED_GENERAL_NAMES[name.type];
    if (unsupported !== undefined && options.refuseUnsupportedAs !== undefined) {
      throw new InvalidInputError(
        `${options.refuseUnsupportedAs} SAN of type ${unsupported} is not supported`,
      );
    }
    if (typeof name.value !== 'string') continue;
    const bytes = asn1Bytes(name);
    if (name.type === GeneralNameTag.DNS) san.dns.push(readableName(bytes, 'A DNS name'));
    else if (name.type === GeneralNameTag.IP) san.ip.push(bytesToIp(bytes));
    else if (name.type === GeneralNameTag.RFC822) san.email.push(readableName(bytes, 'An email address'));
    else if (name.type === GeneralNameTag.URI) san.uri.push(readableName(bytes, 'A URI'));
  }
  return san;
}
