import { isIP } from 'node:net';

/**
 * The name patterns of a certificate profile (Vault PKI role / step-ca x509 policy semantics), pure.
 * RFC 5280 name-constraint matching is a different thing and lives in its own file.
 */

function lowerHost(name: string): string {
  const lower = name.toLowerCase();
  return lower.endsWith('.') ? lower.slice(0, -1) : lower;
}

/**
 * Whether a requested DNS SAN matches a profile pattern:
 * - `api.svc.internal` matches exactly that name (case-insensitively, RFC 4343);
 * - `*.svc.internal` matches any name at any depth below `svc.internal` (Vault's allow_subdomains), not
 *   `svc.internal` itself. A requested wildcard `*.a.svc.internal` or `*.svc.internal` lies below it too;
 *   whether a wildcard may be requested at all is the profile's allow_wildcard_certificates, not this.
 */
export function dnsPatternMatches(pattern: string, name: string): boolean {
  const p = lowerHost(pattern.trim());
  const n = lowerHost(name);
  if (!p.startsWith('*.')) return p === n;
  const parent = p.slice(2);
  if (n.startsWith('*.')) {
    const base = n.slice(2);
    return base === parent || base.endsWith(`.${parent}`);
  }
  return n.endsWith(`.${parent}`) && n.length > parent.length + 1;
}

/** An address range: the network's bytes (4 or 16) and its prefix length. */
export interface Cidr {
  family: 4 | 6;
  bytes: Buffer;
  prefix: number;
}

function ipv4Bytes(text: string): Buffer | null {
  if (isIP(text) !== 4) return null;
  return Buffer.from(text.split('.').map(Number));
}

function ipv6Bytes(text: string): Buffer | null {
  if (isIP(text) !== 6 || text.includes('%')) return null;
  let head = text;
  let tailV4: Buffer | null = null;
  const lastColon = text.lastIndexOf(':');
  if (text.slice(lastColon + 1).includes('.')) {
    tailV4 = ipv4Bytes(text.slice(lastColon + 1));
    if (!tailV4) return null;
    head = `${text.slice(0, lastColon + 1)}0:0`;
  }
  const [left, right] = head.includes('::') ? head.split('::') : [head, null];
  const groups = (part: string) => (part === '' ? [] : part.split(':').map((group) => parseInt(group, 16)));
  const leftGroups = groups(left);
  const rightGroups = right === null ? [] : groups(right);
  const fill = 8 - leftGroups.length - rightGroups.length;
  const all = [...leftGroups, ...new Array<number>(right === null ? 0 : fill).fill(0), ...rightGroups];
  if (all.length !== 8) return null;
  const bytes = Buffer.alloc(16);
  all.forEach((group, index) => bytes.writeUInt16BE(group, index * 2));
  if (tailV4) tailV4.copy(bytes, 12);
  return bytes;
}

/** The bytes of an IPv4 (4) or IPv6 (16) address, or null when the text is neither. */
export function ipAddressBytes(text: string): Buffer | null {
  return ipv4Bytes(text) ?? ipv6Bytes(text);
}

/**
 * `10.0.0.0/8`, `2001:db8::/32`, or a bare address (= /32 or /128). Null when it is not one. Host bits
 * set below the prefix (`10.0.0.1/8`) are accepted and ignored, as `ip route` does.
 */
export function parseCidr(text: string): Cidr | null {
  const trimmed = text.trim();
  const slash = trimmed.indexOf('/');
  const address = slash === -1 ? trimmed : trimmed.slice(0, slash);
  const bytes = ipAddressBytes(address);
  if (!bytes) return null;
  const family = bytes.length === 4 ? 4 : 6;
  const max = bytes.length * 8;
  let prefix = max;
  if (slash !== -1) {
    const prefixText = trimmed.slice(slash + 1);
    if (!/^\d{1,3}$/.test(prefixText)) return null;
    prefix = Number(prefixText);
    if (prefix > max) return null;
  }
  return { family, bytes: masked(bytes, prefix), prefix };
}

function masked(bytes: Buffer, prefix: number): Buffer {
  const out = Buffer.from(bytes);
  for (let bit = prefix; bit < out.length * 8; bit++) out[bit >> 3] &= ~(0x80 >> (bit & 7));
  return out;
}

function prefixContains(range: Cidr, bytes: Buffer): boolean {
  return bytes.length === range.bytes.length && masked(bytes, range.prefix).equals(range.bytes);
}

const V4_MAPPED_PREFIX = Buffer.from([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff]);

/**
 * Whether an address lies in a range. An IPv4-mapped IPv6 address (`::ffff:10.0.0.1`, RFC 4291 2.5.5.2)
 * names the IPv4 host, so it is in an IPv4 range when its IPv4 address is (and in an IPv6 range when its
 * 16 bytes are); a plain IPv4 address is never in an IPv6 range, nor an IPv6 address in an IPv4 one.
 * False for text that is not an address.
 */
export function cidrContains(range: Cidr | string, address: string): boolean {
  const cidr = typeof range === 'string' ? parseCidr(range) : range;
  const bytes = ipAddressBytes(address);
  if (!cidr || !bytes) return false;
  if (prefixContains(cidr, bytes)) return true;
  if (cidr.family === 4 && bytes.length === 16 && bytes.subarray(0, 12).equals(V4_MAPPED_PREFIX)) {
    return prefixContains(cidr, bytes.subarray(12));
  }
  return false;
}

/**
 * A requested email SAN against a profile pattern: `*@corp.example` (any local part at that domain) or
 * an exact mailbox. The domain compares case-insensitively (RFC 5321 2.4), the local part exactly.
 */
export function emailPatternMatches(pattern: string, email: string): boolean {
  const at = email.lastIndexOf('@');
  const patternAt = pattern.lastIndexOf('@');
  if (at <= 0 || patternAt === -1) return false;
  const [local, domain] = [email.slice(0, at), lowerHost(email.slice(at + 1))];
  const [patternLocal, patternDomain] = [
    pattern.slice(0, patternAt),
    lowerHost(pattern.slice(patternAt + 1)),
  ];
  if (domain !== patternDomain) return false;
  return patternLocal === '*' || patternLocal === local;
}

/**
 * A requested URI SAN against a glob where `*` matches any run of characters, `/` included
 * (`spiffe://corp/ns/*`); everything else compares exactly. At most pattern × URI steps (no regular expression to backtrack).
 */
export function uriGlobMatches(pattern: string, uri: string): boolean {
  let p = 0;
  let u = 0;
  let star = -1;
  let resume = 0;
  while (u < uri.length) {
    if (p < pattern.length && pattern[p] === '*') {
      star = p++;
      resume = u;
    } else if (p < pattern.length && pattern[p] === uri[u]) {
      p++;
      u++;
    } else if (star !== -1) {
      p = star + 1;
      u = ++resume;
    } else {
      return false;
    }
  }
  while (p < pattern.length && pattern[p] === '*') p++;
  return p === pattern.length;
}
