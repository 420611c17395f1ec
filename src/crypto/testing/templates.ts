import type { KeyObject } from 'node:crypto';
import { prepareIssuer, selfSign, signCertificate } from '../certificate-builder';
import type { CertificateTemplate, IssuerContext, KeySpec } from '../crypto.types';
import { generateKeyPair, spkiDer } from '../keys';
import { randomSerialNumber } from '../serial-number';

const DAY = 86_400_000;

export function template(
  overrides: Partial<CertificateTemplate> & Pick<CertificateTemplate, 'subjectPublicKeyDer'>,
): CertificateTemplate {
  const now = Date.now();
  return {
    serialNumber: randomSerialNumber(),
    subject: [{ type: 'CN', value: 'test' }],
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 30 * DAY),
    certificateType: 'server',
    pathLength: null,
    san: { dns: [], ip: [], email: [], uri: [] },
    crlDistributionUrl: null,
    caIssuersUrl: null,
    ...overrides,
  };
}

export interface TestCa {
  certificate: Buffer;
  privateKey: KeyObject;
  publicKey: KeyObject;
  issuer: IssuerContext;
}

export async function makeRoot(spec: KeySpec, name = 'Test Root', days = 3650): Promise<TestCa> {
  const { privateKey, publicKey } = await generateKeyPair(spec);
  const certificate = await selfSign(
    template({
      subject: [
        { type: 'C', value: 'US' },
        { type: 'O', value: 'Example' },
        { type: 'CN', value: name },
      ],
      subjectPublicKeyDer: spkiDer(publicKey),
      notAfter: new Date(Date.now() + days * DAY),
      certificateType: 'ca',
    }),
    privateKey,
  );
  return { certificate, privateKey, publicKey, issuer: prepareIssuer(certificate, privateKey) };
}

export async function makeIntermediate(
  parent: TestCa,
  spec: KeySpec,
  name = 'Test Intermediate',
): Promise<TestCa> {
  const { privateKey, publicKey } = await generateKeyPair(spec);
  const certificate = await signCertificate(
    template({
      subject: [
        { type: 'C', value: 'US' },
        { type: 'O', value: 'Example' },
        { type: 'CN', value: name },
      ],
      subjectPublicKeyDer: spkiDer(publicKey),
      notAfter: new Date(Date.now() + 365 * DAY),
      certificateType: 'ca',
      pathLength: 0,
    }),
    parent.issuer,
  );
  return { certificate, privateKey, publicKey, issuer: prepareIssuer(certificate, privateKey) };
}
