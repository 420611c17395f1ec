import { isIP } from 'node:net';
import { bytesToIp, ipToBytes } from '../crypto/general-names';
import type { GeneralSubtrees } from './name-constraints';

/**
 * RFC 5280 4.2.1.10 matching of one name against one subtree base, per name form. Bases are in the
 * normal form of name-constraints-input.ts (DNS and hosts lower-case, CIDR canonical).
 */

export type NameForm = keyof GeneralSubtrees;

/** An IP range as bytes: 4 or 16 octets of address, the prefix length. */
export interface IpRange {
  address: Buffer;
  prefix: number;
}

function isSubdomainOf(name: string, domain: string): boolean {
  return name.length > domain.length && name.endsWith(`.${domain}`);
}

/**
 * dNSName: `corp.example` matches the host and every name below it; `.corp.example` (common practice,
 * as in OpenSSL and Go) only the names below it. Case-insensitive. A requested wildcard `*.x` is
 * matched as the text it is (every name it stands for is below x).
 */
export function dnsMatches(name: string, base: string): boolean {
  const lowered = name.toLowerCase().replace(/\.$/, '');
  const constraint = base.toLowerCase();
  if (constraint.startsWith('.')) return isSubdomainOf(lowered, constraint.slice(1));
  return lowered === constraint || isSubdomainOf(lowered, constraint);
}

/**
 * For an excluded subtree: whether any name the DNS SAN stands for falls inside it. A wildcard `*.x`
 * also stands for the host `label.x` an excluded `label.x` names.
 */
export function dnsTouches(name: string, base: string): boolean {
  if (dnsMatches(name, base)) return true;
  const lowered = name.toLowerCase();
  if (!lowered.startsWith('*.') || base.startsWith('.')) return false;
  const constraint = base.toLowerCase();
  const dot = constraint.indexOf('.');
  return dot > 0 && constraint.slice(dot + 1) === lowered.slice(2);
}

/**
 * rfc822Name: a base with `@` is one mailbox (local part exact, domain case-insensitive); a host
 * matches every mailbox at that host; `.domain` every mailbox at any host below it.
 */
export function emailMatches(address: string, base: string): boolean {
  const at = address.lastIndexOf('@');
  if (at <= 0) return false;
  const local = address.slice(0, at);
  const host = address.slice(at + 1).toLowerCase();
  const baseAt = base.lastIndexOf('@');
  if (baseAt >= 0) {
    return local === base.slice(0, baseAt) && host === base.slice(baseAt + 1).toLowerCase();
  }
  const constraint = base.toLowerCase();
  if (constraint.startsWith('.')) return isSubdomainOf(host, constraint.slice(1));
  return host === constraint;
}

/** The host of a URI (lower-case), or null when it has none or it is an IP literal. */
export function uriHost(uri: string): string | null {
  const match = /^[a-z][a-z0-9+.-]*:\/\/(?:[^@/?#]*@)?(\[[^\]]*\]|[^:/?#]*)/i.exec(uri);
  if (!match || match[1] === '') return null;
  const host = match[1].toLowerCase().replace(/\.$/, '');
  if (host.startsWith('[') || isIP(host) !== 0) return null;
  return host;
}

/**
 * uniformResourceIdentifier: the base is a host (that host only) or `.domain` (any host below it);
 * it applies to the URI's host. A URI without a host name matches no base (as OpenSSL).
 */
export function uriMatches(uri: string, base: string): boolean {
  const host = uriHost(uri);
  if (host === null) return false;
  const constraint = base.toLowerCase();
  if (constraint.startsWith('.')) return isSubdomainOf(host, constraint.slice(1));
  return host === constraint;
}

/** `10.0.0.0/8`, `2001:db8::/32` (a bare address is a /32 or /128) as bytes; null when not a CIDR. */
export function parseCidr(text: string): IpRange | null {
  if (typeof text !== 'string') return null;
  const slash = text.indexOf('/');
  const addressText = slash < 0 ? text : text.slice(0, slash);
  if (isIP(addressText) === 0 || addressText.includes('%')) return null;
  const address = ipToBytes(addressText);
  const bits = address.length * 8;
  let prefix = bits;
  if (slash >= 0) {
    const prefixText = text.slice(slash + 1);
    if (!/^(0|[1-9]\d{0,2})$/.test(prefixText)) return null;
    prefix = Number(prefixText);
    if (prefix > bits) return null;
  }
  return { address, prefix };
}

/** The mask octets of a prefix length. */
export function prefixMask(length: number, prefix: number): Buffer {
  const mask = Buffer.alloc(length);
  for (let bit = 0; bit < prefix; bit++) mask[bit >> 3] |= 0x80 >> (bit & 7);
  return mask;
}

/** The network address of a range (host bits cleared). */
export function networkOf(range: IpRange): Buffer {
  const mask = prefixMask(range.address.length, range.prefix);
  return Buffer.from(range.address.map((byte, index) => byte & mask[index]));
}

/** The canonical text of a range: network address / prefix. */
export function formatCidr(range: IpRange): string {
  return `${bytesToIp(networkOf(range))}/${range.prefix}`;
}

/** iPAddress: the address lies in the range; an IPv4 address never matches an IPv6 range or back. */
export function ipMatches(address: string, base: string): boolean {
  const range = parseCidr(base);
  if (!range || isIP(address) === 0) return false;
  const bytes = ipToBytes(address);
  if (bytes.length !== range.address.length) return false;
  const mask = prefixMask(bytes.length, range.prefix);
  const network = networkOf(range);
  return bytes.every((byte, index) => (byte & mask[index]) === network[index]);
}

/** Whether `name` of `form` lies in the subtree `base` (permitted check). */
export function nameMatches(form: NameForm, name: string, base: string): boolean {
  switch (form) {
    case 'dns':
      return dnsMatches(name, base);
    case 'emails':
      return emailMatches(name, base);
    case 'uris':
      return uriMatches(name, base);
    case 'ipRanges':
      return ipMatches(name, base);
  }
}

/** Whether any name `name` stands for lies in the subtree `base` (excluded check). */
export function nameTouches(form: NameForm, name: string, base: string): boolean {
  return form === 'dns' ? dnsTouches(name, base) : nameMatches(form, name, base);
}

/**
 * Whether every name of the subtree `inner` also lies in the subtree `outer` (same form): what a
 * child CA's permitted subtree must be of its ancestors' permitted subtrees.
 */
export function subtreeWithin(form: NameForm, inner: string, outer: string): boolean {
  switch (form) {
    case 'dns': {
      const a = inner.toLowerCase();
      const b = outer.toLowerCase();
      if (b.startsWith('.')) {
        const domain = b.slice(1);
        return a.startsWith('.')
          ? a.slice(1) === domain || isSubdomainOf(a.slice(1), domain)
          : isSubdomainOf(a, domain);
      }
      const stripped = a.startsWith('.') ? a.slice(1) : a;
      return stripped === b || isSubdomainOf(stripped, b);
    }
    case 'emails':
    case 'uris': {
      if (inner.includes('@')) return form === 'emails' && emailMatches(inner, outer);
      if (outer.includes('@')) return false;
      const a = inner.toLowerCase();
      const b = outer.toLowerCase();
      if (a.startsWith('.')) {
        return b.startsWith('.') && (a === b || isSubdomainOf(a.slice(1), b.slice(1)));
      }
      return b.startsWith('.') ? isSubdomainOf(a, b.slice(1)) : a === b;
    }
    case 'ipRanges': {
      const a = parseCidr(inner);
      const b = parseCidr(outer);
      if (!a || !b || a.address.length !== b.address.length || a.prefix < b.prefix) return false;
      const mask = prefixMask(b.address.length, b.prefix);
      const network = networkOf(b);
      return a.address.every((byte, index) => (byte & mask[index]) === network[index]);
    }
  }
}
