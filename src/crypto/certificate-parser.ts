import type { KeyObject } from 'node:crypto';
import { InvalidInputError } from '../common/errors';
import type { KeySpec, ParsedCertificate } from './crypto.types';
import {
  asInvalidInput,
  contextTag,
  elementBytes,
  expectTag,
  MalformedDerError,
  readBitStringBytes,
  readDerChildren,
  readDerRoot,
  readOid,
  readSmallInteger,
  readTime,
  Tag,
} from './der';
import type { DerElement } from './der';
import { decodeNameDer } from './distinguished-name';
import { readExtensions } from './extension-reader';
import { keySpecOf, publicKeyFromSpki, verify } from './keys';
import { looksLikePem, pemToDer } from './pem';
import { serialToHex } from './serial-number';

function toDer(input: Buffer | string): Buffer {
  if (typeof input === 'string' || looksLikePem(input)) {
    return pemToDer(typeof input === 'string' ? input : input.toString('latin1'), [
      'CERTIFICATE',
      'X509 CERTIFICATE',
    ]);
  }
  if (!Buffer.isBuffer(input))
    throw new InvalidInputError('A certificate must be given as PEM text or DER bytes');
  return input;
}

interface CertificateParts {
  tbs: DerElement;
  tbsFields: DerElement[];
  signatureAlgorithmOid: string;
  outerAlgorithm: Buffer;
  signature: Buffer;
}

function splitCertificate(der: Buffer): CertificateParts {
  const root = readDerRoot(der, Tag.SEQUENCE);
  const parts = readDerChildren(der, root);
  if (parts.length !== 3) throw new MalformedDerError('a certificate has three parts');
  const [tbs, algorithm, signature] = parts;
  expectTag(tbs, Tag.SEQUENCE);
  expectTag(algorithm, Tag.SEQUENCE);
  const [algorithmOid] = readDerChildren(der, algorithm);
  if (!algorithmOid) throw new MalformedDerError('empty signature algorithm');
  return {
    tbs,
    tbsFields: readDerChildren(der, tbs),
    signatureAlgorithmOid: readOid(der, algorithmOid),
    outerAlgorithm: elementBytes(der, algorithm),
    signature: readBitStringBytes(der, signature),
  };
}

function supportedKeySpec(publicKey: KeyObject): KeySpec | null {
  try {
    return keySpecOf(publicKey);
  } catch {
    return null;
  }
}

/** Parses a certificate (PEM text, or DER/PEM bytes); anything unreadable is an InvalidInputError. */
export function parseCertificate(input: Buffer | string): ParsedCertificate {
  const der = toDer(input);
  try {
    const { tbsFields, signatureAlgorithmOid } = splitCertificate(der);
    let index = 0;
    let version = 1;
    if (tbsFields[0]?.tag === contextTag(0, true)) {
      const [versionInteger] = readDerChildren(der, tbsFields[0]);
      version = readSmallInteger(der, versionInteger) + 1;
      index = 1;
    }
    const [serial, , issuer, validity, subject, spki, ...optional] = tbsFields.slice(index);
    if (!spki) throw new MalformedDerError('the TBSCertificate is incomplete');
    expectTag(serial, Tag.INTEGER);
    expectTag(issuer, Tag.SEQUENCE);
    expectTag(subject, Tag.SEQUENCE);
    expectTag(spki, Tag.SEQUENCE);
    const [notBefore, notAfter] = readDerChildren(der, validity);
    if (!notAfter) throw new MalformedDerError('the validity is incomplete');

    const extensionsField = optional.find((element) => element.tag === contextTag(3, true));
    const extensions =
      version === 3 && extensionsField
        ? readExtensions(elementBytes(der, readDerChildren(der, extensionsField)[0]))
        : null;

    const subjectPublicKeyDer = Buffer.from(elementBytes(der, spki));
    const publicKey = publicKeyFromSpki(subjectPublicKeyDer);
    const subjectDer = Buffer.from(elementBytes(der, subject));
    return {
      der,
      serialNumberHex: serialToHex(der.subarray(serial.contentStart, serial.end)),
      subject: decodeNameDer(subjectDer),
      subjectDer,
      issuerDer: Buffer.from(elementBytes(der, issuer)),
      notBefore: readTime(der, notBefore),
      notAfter: readTime(der, notAfter),
      isCa: extensions?.basicConstraints?.ca ?? false,
      pathLength: extensions?.basicConstraints?.pathLength ?? null,
      subjectKeyIdentifier: extensions?.subjectKeyIdentifier ?? null,
      authorityKeyIdentifier: extensions?.authorityKeyIdentifier ?? null,
      subjectPublicKeyDer,
      publicKey,
      keySpec: supportedKeySpec(publicKey),
      san: extensions?.san ?? { dns: [], ip: [], email: [], uri: [] },
      keyUsage: extensions?.keyUsage ?? null,
      signatureAlgorithmOid,
      nameConstraints: extensions?.nameConstraints ?? null,
    };
  } catch (error) {
    throw asInvalidInput(error, 'The certificate');
  }
}

/**
 * True when `issuerPublicKey` made the signature over the child's TBSCertificate. The outer and inner
 * signature algorithms must agree (RFC 5280 4.1.1.2).
 */
export async function verifyCertificateSignature(
  child: Buffer,
  issuerPublicKey: KeyObject,
): Promise<boolean> {
  let parts: CertificateParts;
  try {
    parts = splitCertificate(child);
  } catch (error) {
    throw asInvalidInput(error, 'The certificate');
  }
  const innerAlgorithm = parts.tbsFields[parts.tbsFields[0]?.tag === contextTag(0, true) ? 2 : 1];
  if (!innerAlgorithm || !elementBytes(child, innerAlgorithm).equals(parts.outerAlgorithm)) return false;
  return verify(
    elementBytes(child, parts.tbs),
    parts.signature,
    issuerPublicKey,
    parts.signatureAlgorithmOid,
  );
}
