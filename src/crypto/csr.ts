import type { KeyObject } from 'node:crypto';
import * as forge from 'node-forge';
import { InvalidInputError } from '../common/errors';
import type { DistinguishedName, ParsedCsr, SubjectAltNames } from './crypto.types';
import {
  asInvalidInput,
  asn1Bytes,
  asn1Children,
  asn1Oid,
  contextTag,
  derBitString,
  derInteger,
  derOid,
  derSequence,
  derTlv,
  derToAsn1,
  elementBytes,
  expectTag,
  MalformedDerError,
  readBitStringBytes,
  readDerChildren,
  readDerRoot,
  readOid,
  readSmallInteger,
  Tag,
} from './der';
import { decodeNameDer, encodeNameDer } from './distinguished-name';
import {
  basicConstraintsExtension,
  ExtensionOid,
  extensionsDer,
  keyUsageExtension,
  subjectAltNameExtension,
} from './extensions';
import { decodeGeneralNames, emptySan, sanIsEmpty } from './general-names';
import type { NameConstraints } from '../issuance/name-constraints';
import { nameConstraintsExtension } from './name-constraints-extension';
import { keySpecOf, publicKeyFromSpki, sign, signatureAlgorithmFor, spkiDer, verify } from './keys';
import { looksLikePem, pemToDer } from './pem';

const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const CSR_LABELS = ['CERTIFICATE REQUEST', 'NEW CERTIFICATE REQUEST'];

function readRequestedSan(attributesDer: Buffer): SubjectAltNames {
  const attributes = derToAsn1(attributesDer);
  for (const attribute of asn1Children(attributes)) {
    const [type, values] = asn1Children(attribute);
    if (asn1Oid(type) !== EXTENSION_REQUEST) continue;
    const [extensions] = asn1Children(values);
    if (!extensions) continue;
    for (const extension of asn1Children(extensions)) {
      const fields = asn1Children(extension);
      if (asn1Oid(fields[0]) !== ExtensionOid.SUBJECT_ALT_NAME) continue;
      return decodeGeneralNames(derToAsn1(asn1Bytes(fields[fields.length - 1])), {
        refuseUnsupportedAs: 'CSR',
      });
    }
  }
  return emptySan();
}

interface CsrParts {
  subject: DistinguishedName;
  san: SubjectAltNames;
  subjectPublicKeyDer: Buffer;
  info: Buffer;
  signatureOid: string;
  signature: Buffer;
}

function splitCsr(der: Buffer): CsrParts {
  const root = readDerRoot(der, Tag.SEQUENCE);
  const [info, algorithm, signature] = readDerChildren(der, root);
  if (!signature) throw new MalformedDerError('a CSR has three parts');
  expectTag(info, Tag.SEQUENCE);
  expectTag(algorithm, Tag.SEQUENCE);
  const [version, subject, spki, attributes] = readDerChildren(der, info);
  if (!spki) throw new MalformedDerError('the request info is incomplete');
  if (readSmallInteger(der, version) !== 0)
    throw new InvalidInputError('The CSR version must be 1 (value 0)');
  expectTag(subject, Tag.SEQUENCE);
  expectTag(spki, Tag.SEQUENCE);
  const [algorithmOid] = readDerChildren(der, algorithm);
  if (!algorithmOid) throw new MalformedDerError('empty signature algorithm');
  let san = emptySan();
  if (attributes) {
    expectTag(attributes, contextTag(0, true));
    // Re-tag [0] IMPLICIT SET OF as a SET so forge can read it.
    const asSet = Buffer.from(elementBytes(der, attributes));
    asSet[0] = Tag.SET;
    san = readRequestedSan(asSet);
  }
  return {
    subject: decodeNameDer(elementBytes(der, subject), { requestedBy: 'CSR' }),
    san,
    subjectPublicKeyDer: Buffer.from(elementBytes(der, spki)),
    info: elementBytes(der, info),
    signatureOid: readOid(der, algorithmOid),
    signature: readBitStringBytes(der, signature),
  };
}

/**
 * Parses a PKCS#10 request and verifies its signature natively before returning. Requested extensions other
 * than subjectAltName are ignored; SAN entries other than DNS, IP, email and URI are refused.
 */
export async function parseCsr(input: string | Buffer): Promise<ParsedCsr> {
  const der =
    typeof input === 'string' || looksLikePem(input)
      ? pemToDer(typeof input === 'string' ? input : input.toString('latin1'), CSR_LABELS)
      : input;
  let parts: CsrParts;
  try {
    parts = splitCsr(der);
  } catch (error) {
    throw asInvalidInput(error, 'The CSR');
  }
  const publicKey = publicKeyFromSpki(parts.subjectPublicKeyDer);
  const keySpec = keySpecOf(publicKey);
  if (!(await verify(parts.info, parts.signature, publicKey, parts.signatureOid))) {
    throw new InvalidInputError('CSR signature is invalid');
  }
  return {
    subject: parts.subject,
    san: parts.san,
    subjectPublicKeyDer: parts.subjectPublicKeyDer,
    publicKey,
    keySpec,
    der: Buffer.from(der),
  };
}

export interface BuildCsrOptions {
  /** Request CA extensions (basicConstraints cA, keyCertSign/cRLSign) for a pending intermediate CA. */
  ca?: boolean;
  pathLength?: number | null;
  /** With `ca`: the nameConstraints the CA asks for (a critical extension in the extensionRequest). */
  nameConstraints?: NameConstraints | null;
}

/** A PKCS#10 request signed with `privateKey`, requesting the SAN (and CA extensions when asked). */
export async function buildCsr(
  subject: DistinguishedName,
  privateKey: KeyObject,
  san?: SubjectAltNames,
  options: BuildCsrOptions = {},
): Promise<Buffer> {
  const keySpec = keySpecOf(privateKey);
  const requested: forge.asn1.Asn1[] = [];
  if (options.ca) {
    requested.push(basicConstraintsExtension(true, options.pathLength ?? null));
    requested.push(keyUsageExtension(['digitalSignature', 'keyCertSign', 'cRLSign']));
    if (options.nameConstraints) requested.push(nameConstraintsExtension(options.nameConstraints));
  }
  if (san && !sanIsEmpty(san)) requested.push(subjectAltNameExtension(san, subject.length === 0));
  const attributes =
    requested.length === 0
      ? derTlv(contextTag(0, true))
      : derTlv(
          contextTag(0, true),
          derSequence(derOid(EXTENSION_REQUEST), derTlv(Tag.SET, extensionsDer(requested))),
        );
  const info = derSequence(derInteger(0), encodeNameDer(subject), spkiDer(privateKey), attributes);
  const algorithm = signatureAlgorithmFor(keySpec);
  const signature = await sign(info, privateKey, keySpec);
  return derSequence(info, algorithm.der, derBitString(signature));
}
