import { isIPv4, isIPv6 } from 'node:net';
import * as forge from 'node-forge';
import { InvalidInputError } from '../common/errors';
import { textProblem } from '../common/unicode-text';
import type { SubjectAltNames } from './crypto.types';
import { asn1Bytes, asn1Children } from './der';

const { Class } = forge.asn1;

/** GeneralName CHOICE tags (RFC 5280 4.2.1.6). */
export const GeneralNameTag = { RFC822: 1, DNS: 2, URI: 6, IP: 7 } as const;

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

export function emptySan(): SubjectAltNames {
  return { dns: [], ip: [], email: [] };
}

export function sanIsEmpty(san: SubjectAltNames): boolean {
  return san.dns.length === 0 && san.ip.length === 0 && san.email.length === 0;
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

/** Reads DNS, IP and email entries of a GeneralNames; other name forms are skipped. */
export function decodeGeneralNames(node: forge.asn1.Asn1): SubjectAltNames {
  const san = emptySan();
  for (const name of asn1Children(node)) {
    if (name.tagClass !== Class.CONTEXT_SPECIFIC || typeof name.value !== 'string') continue;
    const bytes = asn1Bytes(name);
    if (name.type === GeneralNameTag.DNS) san.dns.push(readableName(bytes, 'A DNS name'));
    else if (name.type === GeneralNameTag.IP) san.ip.push(bytesToIp(bytes));
    else if (name.type === GeneralNameTag.RFC822) san.email.push(readableName(bytes, 'An email address'));
  }
  return san;
}
