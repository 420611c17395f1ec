import * as forge from 'node-forge';
import type { SubjectAltNames } from './crypto.types';
import { asn1Bytes, asn1Children, asn1Oid, derToAsn1, MalformedDerError } from './der';
import { ExtensionOid, KEY_USAGE_BITS, KeyUsage } from './extensions';
import { decodeGeneralNames } from './general-names';
import type { NameConstraints } from '../issuance/name-constraints';
import { NAME_CONSTRAINTS_OID, readNameConstraints } from './name-constraints-extension';

const { Class, Type } = forge.asn1;

export interface ReadExtensions {
  basicConstraints: { ca: boolean; pathLength: number | null } | null;
  subjectKeyIdentifier: Buffer | null;
  authorityKeyIdentifier: Buffer | null;
  san: SubjectAltNames | null;
  keyUsage: KeyUsage[] | null;
  /** nameConstraints (RFC 5280 4.2.1.10) of a CA certificate; null without the extension. */
  nameConstraints: NameConstraints | null;
}

/** RFC 5280 4.2.1.3: a named bit list; bit 0 is the most significant bit of the first content byte. */
function readKeyUsage(value: forge.asn1.Asn1): KeyUsage[] {
  if (value.type !== Type.BITSTRING) throw new MalformedDerError('keyUsage is not a BIT STRING');
  const bits = asn1Bytes(value).subarray(1); // the first byte counts the unused bits
  return (Object.entries(KEY_USAGE_BITS) as [KeyUsage, number][])
    .filter(([, bit]) => ((bits[bit >> 3] ?? 0) & (0x80 >> (bit & 7))) !== 0)
    .map(([usage]) => usage);
}

function readBasicConstraints(value: forge.asn1.Asn1): { ca: boolean; pathLength: number | null } {
  let ca = false;
  let pathLength: number | null = null;
  for (const field of asn1Children(value)) {
    if (field.type === Type.BOOLEAN) ca = asn1Bytes(field)[0] !== 0;
    else if (field.type === Type.INTEGER) {
      const bytes = asn1Bytes(field);
      if (bytes.length > 4 || bytes[0] & 0x80) throw new MalformedDerError('bad pathLenConstraint');
      pathLength = bytes.readUIntBE(0, bytes.length);
    }
  }
  return { ca, pathLength: ca ? pathLength : null };
}

function readAuthorityKeyIdentifier(value: forge.asn1.Asn1): Buffer | null {
  const keyId = asn1Children(value).find(
    (field) => field.tagClass === Class.CONTEXT_SPECIFIC && field.type === 0,
  );
  return keyId ? asn1Bytes(keyId) : null;
}

/** Decodes the extensions this service uses from an Extensions SEQUENCE; the others are ignored. */
export function readExtensions(extensionsDer: Buffer): ReadExtensions {
  const result: ReadExtensions = {
    basicConstraints: null,
    subjectKeyIdentifier: null,
    authorityKeyIdentifier: null,
    san: null,
    keyUsage: null,
    nameConstraints: null,
  };
  for (const extension of asn1Children(derToAsn1(extensionsDer))) {
    const fields = asn1Children(extension);
    const oid = asn1Oid(fields[0]);
    const value = fields[fields.length - 1];
    if (value.type !== Type.OCTETSTRING) throw new MalformedDerError(`extension ${oid} has no value`);
    switch (oid) {
      case ExtensionOid.BASIC_CONSTRAINTS:
        result.basicConstraints = readBasicConstraints(derToAsn1(asn1Bytes(value)));
        break;
      case ExtensionOid.SUBJECT_KEY_IDENTIFIER:
        result.subjectKeyIdentifier = asn1Bytes(derToAsn1(asn1Bytes(value)));
        break;
      case ExtensionOid.AUTHORITY_KEY_IDENTIFIER:
        result.authorityKeyIdentifier = readAuthorityKeyIdentifier(derToAsn1(asn1Bytes(value)));
        break;
      case ExtensionOid.KEY_USAGE:
        result.keyUsage = readKeyUsage(derToAsn1(asn1Bytes(value)));
        break;
      case NAME_CONSTRAINTS_OID:
        result.nameConstraints = readNameConstraints(derToAsn1(asn1Bytes(value)));
        break;
      case ExtensionOid.SUBJECT_ALT_NAME:
        result.san = decodeGeneralNames(derToAsn1(asn1Bytes(value)));
        break;
    }
  }
  return result;
}
