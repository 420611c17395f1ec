import * as forge from 'node-forge';
import { asn1Bytes, asn1Children, asn1Oid, derToAsn1 } from '../../crypto/der';
import { ipToBytes } from '../../crypto/general-names';
import type { ValidationIdentifier } from './validation-result';

/** id-pe-acmeIdentifier (RFC 8737 §6.1). */
export const ACME_IDENTIFIER_OID = '1.3.6.1.5.5.7.1.31';
const SUBJECT_ALT_NAME_OID = '2.5.29.17';
const DNS_NAME = 2;
const IP_ADDRESS = 7;

interface Extension {
  isCritical: boolean;
  value: Buffer;
}

/** The extensions of a DER certificate by OID; a repeated OID is kept as a list so it can be refused. */
function readExtensions(certificateDer: Buffer): Map<string, Extension[]> {
  const [tbs] = asn1Children(derToAsn1(certificateDer));
  const wrapper = asn1Children(tbs).find(
    (field) => field.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC && field.type === 3,
  );
  const extensions = new Map<string, Extension[]>();
  for (const extension of wrapper ? asn1Children(asn1Children(wrapper)[0]) : []) {
    const fields = asn1Children(extension);
    const oid = asn1Oid(fields[0]);
    const isCritical = fields.length === 3 && asn1Bytes(fields[1])[0] !== 0;
    const value = asn1Bytes(fields[fields.length - 1]);
    extensions.set(oid, [...(extensions.get(oid) ?? []), { isCritical, value }]);
  }
  return extensions;
}

function sanMatches(value: Buffer, identifier: ValidationIdentifier): string | null {
  const names = asn1Children(derToAsn1(value));
  if (names.length !== 1) {
    return `its subjectAltName has ${names.length} entries; RFC 8737 §3 wants exactly the identifier`;
  }
  const [name] = names;
  const isContext = name.tagClass === forge.asn1.Class.CONTEXT_SPECIFIC;
  if (identifier.type === 'dns') {
    const matches =
      isContext &&
      name.type === DNS_NAME &&
      asn1Bytes(name).toString('latin1').toLowerCase() === identifier.value.toLowerCase();
    return matches ? null : `its subjectAltName is not the dNSName ${identifier.value}`;
  }
  const matches =
    isContext && name.type === IP_ADDRESS && asn1Bytes(name).equals(ipToBytes(identifier.value));
  return matches ? null : `its subjectAltName is not the iPAddress ${identifier.value}`;
}

/**
 * What is wrong with a tls-alpn-01 validation certificate (RFC 8737 §3), or null: one SAN, the
 * identifier; a critical acmeIdentifier extension whose value is the OCTET STRING of the digest.
 * `unauthorized` when the proof is of another key authorization, `incorrectResponse` otherwise.
 */
export function acmeTlsCertificateProblem(
  certificateDer: Buffer,
  identifier: ValidationIdentifier,
  digest: Buffer,
): { type: 'unauthorized' | 'incorrectResponse'; problem: string } | null {
  let extensions: Map<string, Extension[]>;
  try {
    extensions = readExtensions(certificateDer);
  } catch {
    return { type: 'incorrectResponse', problem: 'its certificate cannot be read' };
  }
  const san = extensions.get(SUBJECT_ALT_NAME_OID) ?? [];
  if (san.length !== 1)
    return { type: 'incorrectResponse', problem: 'its certificate has no subjectAltName' };
  let sanProblem: string | null;
  try {
    sanProblem = sanMatches(san[0].value, identifier);
  } catch {
    sanProblem = 'its subjectAltName cannot be read';
  }
  if (sanProblem) return { type: 'incorrectResponse', problem: sanProblem };
  const acmeIdentifier = extensions.get(ACME_IDENTIFIER_OID) ?? [];
  if (acmeIdentifier.length !== 1) {
    return {
      type: 'unauthorized',
      problem: 'its certificate has no acmeIdentifier extension (1.3.6.1.5.5.7.1.31)',
    };
  }
  if (!acmeIdentifier[0].isCritical) {
    return { type: 'incorrectResponse', problem: 'its acmeIdentifier extension is not critical' };
  }
  let proof: Buffer;
  try {
    const node = derToAsn1(acmeIdentifier[0].value);
    if (node.tagClass !== forge.asn1.Class.UNIVERSAL || node.type !== forge.asn1.Type.OCTETSTRING)
      throw new Error();
    proof = asn1Bytes(node);
  } catch {
    return { type: 'incorrectResponse', problem: 'its acmeIdentifier extension is not an OCTET STRING' };
  }
  if (!proof.equals(digest)) {
    return {
      type: 'unauthorized',
      problem: 'its acmeIdentifier is not the SHA-256 of the key authorization',
    };
  }
  return null;
}
