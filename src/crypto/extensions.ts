import { createHash } from 'node:crypto';
import * as forge from 'node-forge';
import { InvalidInputError } from '../common/errors';
import type { SubjectAltNames } from './crypto.types';
import {
  asInvalidInput,
  asn1ToDer,
  bigintToIntegerContent,
  elementContent,
  readBitStringBytes,
  readDerChildren,
  readDerRoot,
  Tag,
} from './der';
import { encodeGeneralNames, uriGeneralName } from './general-names';

const { Class, Type } = forge.asn1;

export const ExtensionOid = {
  SUBJECT_KEY_IDENTIFIER: '2.5.29.14',
  KEY_USAGE: '2.5.29.15',
  SUBJECT_ALT_NAME: '2.5.29.17',
  BASIC_CONSTRAINTS: '2.5.29.19',
  CRL_NUMBER: '2.5.29.20',
  CRL_REASON: '2.5.29.21',
  CRL_DISTRIBUTION_POINTS: '2.5.29.31',
  AUTHORITY_KEY_IDENTIFIER: '2.5.29.35',
  EXT_KEY_USAGE: '2.5.29.37',
  AUTHORITY_INFO_ACCESS: '1.3.6.1.5.5.7.1.1',
} as const;

export const KEY_USAGE_BITS = {
  digitalSignature: 0,
  nonRepudiation: 1,
  keyEncipherment: 2,
  dataEncipherment: 3,
  keyAgreement: 4,
  keyCertSign: 5,
  cRLSign: 6,
  encipherOnly: 7,
  decipherOnly: 8,
} as const;
export type KeyUsage = keyof typeof KEY_USAGE_BITS;

const EXTENDED_KEY_USAGES = {
  serverAuth: '1.3.6.1.5.5.7.3.1',
  clientAuth: '1.3.6.1.5.5.7.3.2',
} as const;
export type ExtendedKeyUsage = keyof typeof EXTENDED_KEY_USAGES;

const ID_AD_CA_ISSUERS = '1.3.6.1.5.5.7.48.2';

function oidNode(oid: string): forge.asn1.Asn1 {
  return forge.asn1.create(Class.UNIVERSAL, Type.OID, false, forge.asn1.oidToDer(oid).getBytes());
}

function sequence(children: forge.asn1.Asn1[]): forge.asn1.Asn1 {
  return forge.asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, children);
}

function octetString(bytes: Buffer): forge.asn1.Asn1 {
  return forge.asn1.create(Class.UNIVERSAL, Type.OCTETSTRING, false, bytes.toString('binary'));
}

/** Extension ::= SEQUENCE { extnID, critical BOOLEAN DEFAULT FALSE, extnValue OCTET STRING } */
export function extension(oid: string, critical: boolean, value: forge.asn1.Asn1): forge.asn1.Asn1 {
  const parts = [oidNode(oid)];
  if (critical) parts.push(forge.asn1.create(Class.UNIVERSAL, Type.BOOLEAN, false, '\xff'));
  parts.push(octetString(asn1ToDer(value)));
  return sequence(parts);
}

/** Extensions ::= SEQUENCE SIZE (1..MAX) OF Extension, as DER. */
export function extensionsDer(extensions: forge.asn1.Asn1[]): Buffer {
  return asn1ToDer(sequence(extensions));
}

/** Always critical (RFC 5280 4.2.1.9); a leaf gets an empty SEQUENCE (cA defaults to FALSE). */
export function basicConstraintsExtension(ca: boolean, pathLength: number | null): forge.asn1.Asn1 {
  const parts: forge.asn1.Asn1[] = [];
  if (ca) {
    parts.push(forge.asn1.create(Class.UNIVERSAL, Type.BOOLEAN, false, '\xff'));
    if (pathLength !== null) {
      parts.push(
        forge.asn1.create(
          Class.UNIVERSAL,
          Type.INTEGER,
          false,
          bigintToIntegerContent(BigInt(pathLength)).toString('binary'),
        ),
      );
    }
  }
  return extension(ExtensionOid.BASIC_CONSTRAINTS, true, sequence(parts));
}

/** Critical KeyUsage; the BIT STRING drops trailing zero bits as DER requires (X.690 11.2.2). */
export function keyUsageExtension(usages: KeyUsage[]): forge.asn1.Asn1 {
  if (usages.length === 0) throw new InvalidInputError('keyUsage needs at least one usage');
  const bytes = Buffer.alloc(2);
  let highest = 0;
  for (const usage of usages) {
    const bit = KEY_USAGE_BITS[usage];
    bytes[bit >> 3] |= 0x80 >> (bit & 7);
    highest = Math.max(highest, bit);
  }
  const length = (highest >> 3) + 1;
  const unusedBits = 7 - (highest & 7);
  const content = Buffer.concat([Buffer.from([unusedBits]), bytes.subarray(0, length)]);
  return extension(
    ExtensionOid.KEY_USAGE,
    true,
    forge.asn1.create(Class.UNIVERSAL, Type.BITSTRING, false, content.toString('binary')),
  );
}

export function extendedKeyUsageExtension(usages: ExtendedKeyUsage[]): forge.asn1.Asn1 {
  return extension(
    ExtensionOid.EXT_KEY_USAGE,
    false,
    sequence(usages.map((usage) => oidNode(EXTENDED_KEY_USAGES[usage]))),
  );
}

export function subjectKeyIdentifierExtension(keyIdentifier: Buffer): forge.asn1.Asn1 {
  return extension(ExtensionOid.SUBJECT_KEY_IDENTIFIER, false, octetString(keyIdentifier));
}

/** AuthorityKeyIdentifier with only keyIdentifier [0]. */
export function authorityKeyIdentifierExtension(keyIdentifier: Buffer): forge.asn1.Asn1 {
  return extension(
    ExtensionOid.AUTHORITY_KEY_IDENTIFIER,
    false,
    sequence([forge.asn1.create(Class.CONTEXT_SPECIFIC, 0, false, keyIdentifier.toString('binary'))]),
  );
}

/** Critical when the subject is empty (RFC 5280 4.2.1.6). */
export function subjectAltNameExtension(san: SubjectAltNames, critical: boolean): forge.asn1.Asn1 {
  return extension(ExtensionOid.SUBJECT_ALT_NAME, critical, encodeGeneralNames(san));
}

export function validateUrl(url: string, what: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidInputError(`${what} "${String(url)}" is not a valid URL`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:' && parsed.protocol !== 'ldap:') {
    throw new InvalidInputError(`${what} must be an http, https or ldap URL`);
  }
  if (!/^[\x21-\x7e]+$/.test(url)) throw new InvalidInputError(`${what} must be ASCII without spaces`);
  return url;
}

/** One DistributionPoint whose distributionPoint is fullName [0] holding a URI. */
export function crlDistributionPointsExtension(url: string): forge.asn1.Asn1 {
  const fullName = forge.asn1.create(Class.CONTEXT_SPECIFIC, 0, true, [
    uriGeneralName(validateUrl(url, 'The CRL distribution URL')),
  ]);
  const distributionPointName = forge.asn1.create(Class.CONTEXT_SPECIFIC, 0, true, [fullName]);
  return extension(
    ExtensionOid.CRL_DISTRIBUTION_POINTS,
    false,
    sequence([sequence([distributionPointName])]),
  );
}

export function authorityInfoAccessExtension(caIssuersUrl: string): forge.asn1.Asn1 {
  return extension(
    ExtensionOid.AUTHORITY_INFO_ACCESS,
    false,
    sequence([
      sequence([oidNode(ID_AD_CA_ISSUERS), uriGeneralName(validateUrl(caIssuersUrl, 'The CA issuers URL'))]),
    ]),
  );
}

export function crlNumberExtension(crlNumber: bigint): forge.asn1.Asn1 {
  const content = bigintToIntegerContent(crlNumber);
  // RFC 5280 5.2.3: CRLNumber fits in 20 octets.
  if (content.length > 20) throw new InvalidInputError('The CRL number does not fit in 20 octets');
  return extension(
    ExtensionOid.CRL_NUMBER,
    false,
    forge.asn1.create(Class.UNIVERSAL, Type.INTEGER, false, content.toString('binary')),
  );
}

/** RFC 5280 4.2.1.2 method (1): SHA-1 of the subjectPublicKey BIT STRING value (without the unused-bits byte). */
export function subjectKeyIdentifierFor(subjectPublicKeyDer: Buffer): Buffer {
  try {
    const spki = readDerRoot(subjectPublicKeyDer, Tag.SEQUENCE);
    const [, keyBits] = readDerChildren(subjectPublicKeyDer, spki);
    if (!keyBits) throw new InvalidInputError('The subject public key info has no key');
    readBitStringBytes(subjectPublicKeyDer, keyBits);
    return createHash('sha1').update(elementContent(subjectPublicKeyDer, keyBits).subarray(1)).digest();
  } catch (error) {
    throw asInvalidInput(error, 'The subject public key info');
  }
}
