import * as forge from 'node-forge';
import { InvalidInputError } from '../common/errors';
import type { GeneralSubtrees, NameConstraints } from '../issuance/name-constraints';
import { asn1Bytes, asn1Children, MalformedDerError } from './der';
import { extension } from './extensions';
import { bytesToIp, GeneralNameTag, ipToBytes } from './general-names';

const { Class, Type } = forge.asn1;

/** id-ce-nameConstraints */
export const NAME_CONSTRAINTS_OID = '2.5.29.30';

function cidrOctets(cidr: string): Buffer {
  const slash = cidr.indexOf('/');
  const address = ipToBytes(slash < 0 ? cidr : cidr.slice(0, slash));
  const prefix = slash < 0 ? address.length * 8 : Number(cidr.slice(slash + 1));
  if (!Number.isInteger(prefix) || prefix < 0 || prefix > address.length * 8) {
    throw new InvalidInputError(`"${cidr}" is not an IP range in CIDR notation`);
  }
  const mask = Buffer.alloc(address.length);
  for (let bit = 0; bit < prefix; bit++) mask[bit >> 3] |= 0x80 >> (bit & 7);
  const network = Buffer.from(address.map((byte, index) => byte & mask[index]));
  return Buffer.concat([network, mask]);
}

function ascii(text: string, what: string): string {
  if (!/^[\x21-\x7e]+$/.test(text))
    throw new InvalidInputError(`${what} "${text}" must be ASCII without spaces`);
  return text;
}

/** GeneralSubtree ::= SEQUENCE { base GeneralName, minimum [0] DEFAULT 0, maximum [1] OPTIONAL }: base only. */
function subtree(tag: number, value: string): forge.asn1.Asn1 {
  return forge.asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, [
    forge.asn1.create(Class.CONTEXT_SPECIFIC, tag, false, value),
  ]);
}

function generalSubtrees(trees: GeneralSubtrees): forge.asn1.Asn1[] {
  return [
    ...trees.dns.map((dns) => subtree(GeneralNameTag.DNS, ascii(dns, 'A DNS name constraint'))),
    ...trees.ipRanges.map((cidr) => subtree(GeneralNameTag.IP, cidrOctets(cidr).toString('binary'))),
    ...trees.emails.map((email) => subtree(GeneralNameTag.RFC822, ascii(email, 'An email constraint'))),
    ...trees.uris.map((uri) => subtree(GeneralNameTag.URI, ascii(uri, 'A URI constraint'))),
  ];
}

/**
 * The nameConstraints extension (RFC 5280 4.2.1.10), always critical: NameConstraints ::= SEQUENCE {
 * permittedSubtrees [0] GeneralSubtrees OPTIONAL, excludedSubtrees [1] GeneralSubtrees OPTIONAL }
 * (IMPLICIT tags; an empty list is left out). iPAddress bases are address||mask, 8 or 32 octets.
 */
export function nameConstraintsExtension(constraints: NameConstraints): forge.asn1.Asn1 {
  const parts: forge.asn1.Asn1[] = [];
  const permitted = generalSubtrees(constraints.permitted);
  const excluded = generalSubtrees(constraints.excluded);
  if (permitted.length > 0) parts.push(forge.asn1.create(Class.CONTEXT_SPECIFIC, 0, true, permitted));
  if (excluded.length > 0) parts.push(forge.asn1.create(Class.CONTEXT_SPECIFIC, 1, true, excluded));
  if (parts.length === 0) throw new InvalidInputError('nameConstraints needs at least one subtree');
  return extension(
    NAME_CONSTRAINTS_OID,
    true,
    forge.asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, parts),
  );
}

function prefixOf(mask: Buffer): number {
  let prefix = 0;
  while (prefix < mask.length * 8 && (mask[prefix >> 3] & (0x80 >> (prefix & 7))) !== 0) prefix++;
  for (let bit = prefix; bit < mask.length * 8; bit++) {
    if ((mask[bit >> 3] & (0x80 >> (bit & 7))) !== 0) {
      throw new MalformedDerError('a nameConstraints iPAddress mask is not a prefix');
    }
  }
  return prefix;
}

function emptySubtrees(): { dns: string[]; ipRanges: string[]; emails: string[]; uris: string[] } {
  return { dns: [], ipRanges: [], emails: [], uris: [] };
}

function readSubtrees(node: forge.asn1.Asn1): GeneralSubtrees {
  const trees = emptySubtrees();
  for (const entry of asn1Children(node)) {
    const [base] = asn1Children(entry);
    if (!base) throw new MalformedDerError('a GeneralSubtree has no base');
    // Other name forms (directoryName, otherName, …) are not issued here and not checked.
    if (base.tagClass !== Class.CONTEXT_SPECIFIC || typeof base.value !== 'string') continue;
    const bytes = asn1Bytes(base);
    if (base.type === GeneralNameTag.DNS) trees.dns.push(bytes.toString('latin1').toLowerCase());
    else if (base.type === GeneralNameTag.RFC822) trees.emails.push(bytes.toString('latin1'));
    else if (base.type === GeneralNameTag.URI) trees.uris.push(bytes.toString('latin1').toLowerCase());
    else if (base.type === GeneralNameTag.IP) {
      if (bytes.length !== 8 && bytes.length !== 32) {
        throw new MalformedDerError('a nameConstraints iPAddress is not 8 or 32 octets');
      }
      const half = bytes.length / 2;
      const mask = bytes.subarray(half);
      const network = Buffer.from(bytes.subarray(0, half).map((byte, index) => byte & mask[index]));
      trees.ipRanges.push(`${bytesToIp(network)}/${prefixOf(mask)}`);
    }
  }
  return trees;
}

/** Decodes the value of a nameConstraints extension (the DNS, IP, email and URI subtrees). */
export function readNameConstraints(value: forge.asn1.Asn1): NameConstraints {
  const result: NameConstraints = { permitted: emptySubtrees(), excluded: emptySubtrees() };
  for (const field of asn1Children(value)) {
    if (field.tagClass !== Class.CONTEXT_SPECIFIC) throw new MalformedDerError('bad nameConstraints');
    if (field.type === 0) result.permitted = readSubtrees(field);
    else if (field.type === 1) result.excluded = readSubtrees(field);
  }
  return result;
}
