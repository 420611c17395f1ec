import type { KeyObject } from 'node:crypto';
import * as forge from 'node-forge';
import { InvalidInputError } from '../common/errors';
import { parseCertificate } from './certificate-parser';
import type { CertificateTemplate, IssuerContext, KeySpec } from './crypto.types';
import { assertValidDate, derBitString, derSequence, derTlv, encodeTime, Tag } from './der';
import { encodeNameDer } from './distinguished-name';
import {
  authorityInfoAccessExtension,
  authorityKeyIdentifierExtension,
  basicConstraintsExtension,
  crlDistributionPointsExtension,
  extendedKeyUsageExtension,
  extensionsDer,
  keyUsageExtension,
  subjectAltNameExtension,
  subjectKeyIdentifierExtension,
  subjectKeyIdentifierFor,
} from './extensions';
import type { ExtendedKeyUsage, KeyUsage } from './extensions';
import { sanIsEmpty } from './general-names';
import { nameConstraintsExtension } from './name-constraints-extension';
import { keySpecOf, publicKeyFromSpki, sign, signatureAlgorithmFor, spkiDer } from './keys';
import { validateSerialNumber } from './serial-number';

const VERSION_3 = Buffer.from([0xa0, 0x03, 0x02, 0x01, 0x02]);
const CERTIFICATE_TYPES = ['server', 'client', 'dual_purpose', 'ca'];

function keyUsagesFor(template: CertificateTemplate, subjectKey: KeySpec): KeyUsage[] {
  if (template.certificateType === 'ca') return ['digitalSignature', 'keyCertSign', 'cRLSign'];
  // keyEncipherment only makes sense for RSA key transport (TLS 1.2 RSA key exchange).
  if (template.certificateType !== 'client' && subjectKey.type === 'rsa')
    return ['digitalSignature', 'keyEncipherment'];
  return ['digitalSignature'];
}

function extendedKeyUsagesFor(template: CertificateTemplate): ExtendedKeyUsage[] {
  if (template.certificateType === 'server') return ['serverAuth'];
  if (template.certificateType === 'client') return ['clientAuth'];
  return ['serverAuth', 'clientAuth'];
}

function checkTemplate(template: CertificateTemplate): void {
  if (!CERTIFICATE_TYPES.includes(template.certificateType)) {
    throw new InvalidInputError(`Unknown certificate type "${String(template.certificateType)}"`);
  }
  validateSerialNumber(template.serialNumber);
  assertValidDate(template.notBefore, 'notBefore');
  assertValidDate(template.notAfter, 'notAfter');
  if (template.notAfter.getTime() <= template.notBefore.getTime()) {
    throw new InvalidInputError('notAfter must be later than notBefore');
  }
  if (template.certificateType === 'ca') {
    const pathLength = template.pathLength;
    if (pathLength !== null && (!Number.isInteger(pathLength) || pathLength < 0 || pathLength > 255)) {
      throw new InvalidInputError('pathLength must be an integer between 0 and 255, or null');
    }
  }
  if (template.subject.length === 0 && sanIsEmpty(template.san)) {
    throw new InvalidInputError('A certificate needs a subject or at least one subject alternative name');
  }
  if (template.certificateType === 'ca' && template.subject.length === 0) {
    throw new InvalidInputError('A CA certificate needs a non-empty subject');
  }
}

/**
 * The DER TBSCertificate. Issuer Name and SPKI are spliced in as the exact bytes given; everything else is
 * checked to be encodable first, so a bad template fails here with an InvalidInputError. Policy (path
 * length and lifetime under the issuer, SAN rules) is the issuance pipeline's (src/issuance/): the
 * builder only builds.
 */
export function buildTbsCertificate(
  template: CertificateTemplate,
  issuer: IssuerContext,
  subjectDer?: Buffer,
): Buffer {
  checkTemplate(template);
  const subjectKey = template.subjectKeySpec ?? keySpecOf(publicKeyFromSpki(template.subjectPublicKeyDer));
  const subject = subjectDer ?? encodeNameDer(template.subject);
  const isCa = template.certificateType === 'ca';

  const extensions: forge.asn1.Asn1[] = [
    basicConstraintsExtension(isCa, isCa ? template.pathLength : null),
    keyUsageExtension(keyUsagesFor(template, subjectKey)),
  ];
  if (!isCa) extensions.push(extendedKeyUsageExtension(extendedKeyUsagesFor(template)));
  extensions.push(
    subjectKeyIdentifierExtension(subjectKeyIdentifierFor(template.subjectPublicKeyDer)),
    authorityKeyIdentifierExtension(issuer.subjectKeyIdentifier),
  );
  if (!sanIsEmpty(template.san)) {
    extensions.push(subjectAltNameExtension(template.san, template.subject.length === 0));
  }
  if (isCa && template.nameConstraints) extensions.push(nameConstraintsExtension(template.nameConstraints));
  if (template.crlDistributionUrl)
    extensions.push(crlDistributionPointsExtension(template.crlDistributionUrl));
  if (template.caIssuersUrl) extensions.push(authorityInfoAccessExtension(template.caIssuersUrl));

  return derSequence(
    VERSION_3,
    derTlv(Tag.INTEGER, template.serialNumber),
    signatureAlgorithmFor(issuer.keySpec).der,
    issuer.subjectDer,
    derSequence(encodeTime(template.notBefore), encodeTime(template.notAfter)),
    subject,
    template.subjectPublicKeyDer,
    derTlv(0xa3, extensionsDer(extensions)),
  );
}

/** Signs natively (libuv threadpool) and returns the certificate DER. */
export async function signCertificate(template: CertificateTemplate, issuer: IssuerContext): Promise<Buffer> {
  const tbs = buildTbsCertificate(template, issuer);
  return assembleSigned(tbs, issuer);
}

export async function assembleSigned(tbs: Buffer, issuer: IssuerContext): Promise<Buffer> {
  const signature = await sign(tbs, issuer.privateKey, issuer.keySpec);
  return derSequence(tbs, signatureAlgorithmFor(issuer.keySpec).der, derBitString(signature));
}

function assertKeyMatches(privateKey: KeyObject, subjectPublicKeyDer: Buffer, what: string): void {
  if (privateKey.type !== 'private') throw new InvalidInputError('The issuer key must be a private key');
  if (!spkiDer(privateKey).equals(subjectPublicKeyDer)) {
    throw new InvalidInputError(`The private key does not match the ${what}`);
  }
}

/** Issuer context of an existing CA certificate (parsed once; cache the result per CA). */
export function prepareIssuer(certificateDer: Buffer, privateKey: KeyObject): IssuerContext {
  const certificate = parseCertificate(certificateDer);
  if (!certificate.isCa) throw new InvalidInputError('The issuer certificate is not a CA certificate');
  assertKeyMatches(privateKey, certificate.subjectPublicKeyDer, 'issuer certificate');
  return {
    subjectDer: certificate.subjectDer,
    subjectKeyIdentifier:
      certificate.subjectKeyIdentifier ?? subjectKeyIdentifierFor(certificate.subjectPublicKeyDer),
    privateKey,
    keySpec: keySpecOf(privateKey),
  };
}

/** Issuer context of a root that signs itself: its subject and key come from the template. */
export function selfSignedIssuer(template: CertificateTemplate, privateKey: KeyObject): IssuerContext {
  assertKeyMatches(privateKey, template.subjectPublicKeyDer, "template's subject public key");
  return {
    subjectDer: encodeNameDer(template.subject),
    subjectKeyIdentifier: subjectKeyIdentifierFor(template.subjectPublicKeyDer),
    privateKey,
    keySpec: keySpecOf(privateKey),
  };
}

/** Self-signed certificate (a root CA): issuer Name and subject Name are the same bytes. */
export async function selfSign(template: CertificateTemplate, privateKey: KeyObject): Promise<Buffer> {
  const issuer = selfSignedIssuer(template, privateKey);
  const tbs = buildTbsCertificate(template, issuer, issuer.subjectDer);
  return assembleSigned(tbs, issuer);
}
