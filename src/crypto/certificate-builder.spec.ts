import { generateKeyPairSync } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InvalidInputError } from '../common/errors';
import {
  buildTbsCertificate,
  prepareIssuer,
  selfSign,
  selfSignedIssuer,
  signCertificate,
} from './certificate-builder';
import { parseCertificate, verifyCertificateSignature } from './certificate-parser';
import type { KeySpec } from './crypto.types';
import { exportPrivateKeyPem, generateKeyPair, importPrivateKeyPem, spkiDer } from './keys';
import { derToPem } from './pem';
import { OpensslWorkspace } from './testing/openssl-cli';
import { makeIntermediate, makeRoot, template } from './testing/templates';
import type { TestCa } from './testing/templates';

jest.setTimeout(60_000);

const SIGNATURE_NAMES: Record<string, string> = {
  rsa: 'sha256WithRSAEncryption',
  ec256: 'ecdsa-with-SHA256',
  ec384: 'ecdsa-with-SHA384',
  ed25519: 'ED25519',
};

function signatureName(spec: KeySpec): string {
  return SIGNATURE_NAMES[spec.type === 'ec' ? `ec${spec.size}` : spec.type];
}

describe('certificate builder', () => {
  let workspace: OpensslWorkspace;

  beforeAll(() => {
    workspace = new OpensslWorkspace();
  });

  afterAll(() => workspace.cleanup());

  function writePem(name: string, der: Buffer): string {
    return workspace.write(name, derToPem(der, 'CERTIFICATE'));
  }

  function text(der: Buffer): string {
    return workspace.ok(['x509', '-in', writePem('text.pem', der), '-noout', '-text']);
  }

  describe.each<[string, KeySpec, KeySpec, KeySpec]>([
    ['RSA-4096 root', { type: 'rsa', size: 4096 }, { type: 'rsa', size: 2048 }, { type: 'ec', size: 256 }],
    ['EC P-256 root', { type: 'ec', size: 256 }, { type: 'ec', size: 256 }, { type: 'rsa', size: 2048 }],
    ['EC P-384 root', { type: 'ec', size: 384 }, { type: 'ec', size: 384 }, { type: 'ed25519', size: 256 }],
    [
      'Ed25519 root',
      { type: 'ed25519', size: 256 },
      { type: 'ed25519', size: 256 },
      { type: 'ec', size: 384 },
    ],
  ])('%s', (label, rootSpec, intermediateSpec, leafSpec) => {
    let root: TestCa;
    let intermediate: TestCa;
    let leaf: Buffer;
    const prefix = label.replace(/\W+/g, '-');

    beforeAll(async () => {
      root = await makeRoot(rootSpec);
      intermediate = await makeIntermediate(root, intermediateSpec);
      const leafKey = await generateKeyPair(leafSpec);
      leaf = await signCertificate(
        template({
          subject: [
            { type: 'O', value: 'Example' },
            { type: 'CN', value: 'www.example.com' },
          ],
          subjectPublicKeyDer: spkiDer(leafKey.publicKey),
          certificateType: 'dual_purpose',
          san: { dns: ['www.example.com'], ip: ['192.0.2.7'], email: [], uri: [] },
          crlDistributionUrl: 'http://pki.example.com/intermediate.crl',
          caIssuersUrl: 'http://pki.example.com/intermediate.crt',
        }),
        intermediate.issuer,
      );
      writePem(`${prefix}-root.pem`, root.certificate);
      writePem(`${prefix}-inter.pem`, intermediate.certificate);
      writePem(`${prefix}-leaf.pem`, leaf);
    });

    it('passes openssl verify (strict, as a TLS server and client)', () => {
      for (const purpose of ['sslserver', 'sslclient']) {
        const out = workspace.ok([
          'verify',
          '-x509_strict',
          '-purpose',
          purpose,
          '-CAfile',
          `${prefix}-root.pem`,
          '-untrusted',
          `${prefix}-inter.pem`,
          `${prefix}-leaf.pem`,
        ]);
        expect(out).toContain(`${prefix}-leaf.pem: OK`);
      }
      expect(
        workspace.ok(['verify', '-x509_strict', '-CAfile', `${prefix}-root.pem`, `${prefix}-inter.pem`]),
      ).toContain('OK');
    });

    it('signs with the algorithm of the issuer key', () => {
      expect(text(root.certificate)).toContain(`Signature Algorithm: ${signatureName(rootSpec)}`);
      expect(text(leaf)).toContain(`Signature Algorithm: ${signatureName(intermediateSpec)}`);
    });

    it('verifies each link natively and rejects the wrong key', async () => {
      await expect(verifyCertificateSignature(root.certificate, root.publicKey)).resolves.toBe(true);
      await expect(verifyCertificateSignature(intermediate.certificate, root.publicKey)).resolves.toBe(true);
      await expect(verifyCertificateSignature(leaf, intermediate.publicKey)).resolves.toBe(true);
      await expect(verifyCertificateSignature(leaf, root.publicKey)).resolves.toBe(false);
    });

    it('links names and key identifiers', () => {
      const parsedRoot = parseCertificate(root.certificate);
      const parsedIntermediate = parseCertificate(intermediate.certificate);
      const parsedLeaf = parseCertificate(leaf);
      expect(parsedRoot.issuerDer.equals(parsedRoot.subjectDer)).toBe(true);
      expect(parsedRoot.authorityKeyIdentifier).toEqual(parsedRoot.subjectKeyIdentifier);
      expect(parsedIntermediate.issuerDer.equals(parsedRoot.subjectDer)).toBe(true);
      expect(parsedIntermediate.authorityKeyIdentifier).toEqual(parsedRoot.subjectKeyIdentifier);
      expect(parsedLeaf.issuerDer.equals(parsedIntermediate.subjectDer)).toBe(true);
      expect(parsedLeaf.authorityKeyIdentifier).toEqual(parsedIntermediate.subjectKeyIdentifier);
      expect(parsedIntermediate).toMatchObject({ isCa: true, pathLength: 0, keySpec: intermediateSpec });
      expect(parsedLeaf).toMatchObject({
        isCa: false,
        pathLength: null,
        keySpec: leafSpec,
        subject: [
          { type: 'O', value: 'Example' },
          { type: 'CN', value: 'www.example.com' },
        ],
        san: { dns: ['www.example.com'], ip: ['192.0.2.7'], email: [], uri: [] },
      });
    });
  });

  describe('extensions', () => {
    let issuer: TestCa;

    beforeAll(async () => {
      issuer = await makeRoot({ type: 'ec', size: 256 });
    });

    it('writes every extension of an RSA server certificate', async () => {
      const { publicKey } = await generateKeyPair({ type: 'rsa', size: 2048 });
      const der = await signCertificate(
        template({
          subjectPublicKeyDer: spkiDer(publicKey),
          certificateType: 'server',
          san: {
            dns: ['a.example.com', '*.b.example.com'],
            ip: ['10.0.0.1', '2001:db8::1'],
            email: ['ops@example.com'],
            uri: ['spiffe://example.com/ns/web'],
          },
          crlDistributionUrl: 'http://pki.example.com/root.crl',
          caIssuersUrl: 'http://pki.example.com/root.crt',
        }),
        issuer.issuer,
      );
      const out = text(der);
      expect(out).toContain('Version: 3 (0x2)');
      expect(out).toMatch(/X509v3 Basic Constraints: critical\s+CA:FALSE/);
      expect(out).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Key Encipherment\n/);
      expect(out).toMatch(/X509v3 Extended Key Usage: \s+TLS Web Server Authentication\n/);
      expect(out).toMatch(
        /X509v3 Subject Alternative Name: \s+DNS:a.example.com, DNS:\*.b.example.com, IP Address:10.0.0.1, IP Address:2001:DB8:0:0:0:0:0:1, email:ops@example.com, URI:spiffe:\/\/example.com\/ns\/web/,
      );
      expect(out).toMatch(/X509v3 Subject Key Identifier: \s+[0-9A-F:]{59}/);
      expect(out).toMatch(/X509v3 Authority Key Identifier: \s+[0-9A-F:]{59}/);
      expect(out).toMatch(
        /X509v3 CRL Distribution Points: \s+Full Name:\s+URI:http:\/\/pki.example.com\/root.crl/,
      );
      expect(out).toMatch(
        /Authority Information Access: \s+CA Issuers - URI:http:\/\/pki.example.com\/root.crt/,
      );
      const parsed = parseCertificate(der);
      expect(parsed.san.ip).toEqual(['10.0.0.1', '2001:db8::1']);
      expect(parsed.san.uri).toEqual(['spiffe://example.com/ns/web']);
      expect(parsed.serialNumberHex).toMatch(/^[0-9a-f]+$/);
      expect(out.replace(/:/g, '').toLowerCase()).toContain(parsed.serialNumberHex);
    });

    it('gives EC and Ed25519 leaves digitalSignature only, and clients clientAuth', async () => {
      const { publicKey } = await generateKeyPair({ type: 'ed25519', size: 256 });
      const out = text(
        await signCertificate(
          template({ subjectPublicKeyDer: spkiDer(publicKey), certificateType: 'client' }),
          issuer.issuer,
        ),
      );
      expect(out).toMatch(/X509v3 Key Usage: critical\s+Digital Signature\n/);
      expect(out).toMatch(/X509v3 Extended Key Usage: \s+TLS Web Client Authentication\n/);
      expect(out).not.toContain('Subject Alternative Name');
    });

    it('writes CA basic constraints and key usage without EKU', async () => {
      const out = text(issuer.certificate);
      expect(out).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE\n/);
      expect(out).toMatch(/X509v3 Key Usage: critical\s+Digital Signature, Certificate Sign, CRL Sign\n/);
      expect(out).not.toContain('Extended Key Usage');
      const { publicKey } = await generateKeyPair({ type: 'ec', size: 256 });
      const withPath = text(
        await signCertificate(
          template({ subjectPublicKeyDer: spkiDer(publicKey), certificateType: 'ca', pathLength: 2 }),
          issuer.issuer,
        ),
      );
      expect(withPath).toMatch(/CA:TRUE, pathlen:2/);
    });

    it('makes the SAN critical when the subject is empty', async () => {
      const { publicKey } = await generateKeyPair({ type: 'ec', size: 256 });
      const der = await signCertificate(
        template({
          subject: [],
          subjectPublicKeyDer: spkiDer(publicKey),
          san: { dns: ['only.example.com'], ip: [], email: [], uri: [] },
        }),
        issuer.issuer,
      );
      expect(text(der)).toMatch(/X509v3 Subject Alternative Name: critical\s+DNS:only.example.com/);
      writePem('empty-subject-root.pem', issuer.certificate);
      writePem('empty-subject.pem', der);
      expect(
        workspace.ok(['verify', '-x509_strict', '-CAfile', 'empty-subject-root.pem', 'empty-subject.pem']),
      ).toContain('OK');
      expect(parseCertificate(der).subject).toEqual([]);
    });

    it('computes the subject key identifier as openssl does (SHA-1 of the public key bits)', async () => {
      const { privateKey, publicKey } = await generateKeyPair({ type: 'ec', size: 256 });
      const der = await signCertificate(template({ subjectPublicKeyDer: spkiDer(publicKey) }), issuer.issuer);
      workspace.write('ski.key', exportPrivateKeyPem(privateKey));
      workspace.ok([
        'req',
        '-x509',
        '-new',
        '-key',
        'ski.key',
        '-subj',
        '/CN=ski',
        '-addext',
        'subjectKeyIdentifier=hash',
        '-out',
        'ski-openssl.pem',
      ]);
      const expected = parseCertificate(
        readFileSync(workspace.path('ski-openssl.pem'), 'utf8'),
      ).subjectKeyIdentifier;
      expect(expected).not.toBeNull();
      expect(parseCertificate(der).subjectKeyIdentifier).toEqual(expected);
    });
  });

  describe('dates', () => {
    it('uses GeneralizedTime from 2050 and UTCTime through 2049', async () => {
      const root = await makeRoot({ type: 'ec', size: 256 }, 'Long Root', 365 * 40);
      const { publicKey } = await generateKeyPair({ type: 'ec', size: 256 });
      const notBefore = new Date('2049-12-31T23:59:59.900Z');
      const notAfter = new Date('2055-06-01T12:00:00Z');
      const der = await signCertificate(
        template({ subjectPublicKeyDer: spkiDer(publicKey), notBefore, notAfter }),
        root.issuer,
      );
      expect(der.includes(Buffer.from('\x17\x0d491231235959Z', 'latin1'))).toBe(true);
      expect(der.includes(Buffer.from('\x18\x0f20550601120000Z', 'latin1'))).toBe(true);
      const out = text(der);
      expect(out).toContain('Not Before: Dec 31 23:59:59 2049 GMT');
      expect(out).toContain('Not After : Jun  1 12:00:00 2055 GMT');
      const parsed = parseCertificate(der);
      expect(parsed.notBefore.toISOString()).toBe('2049-12-31T23:59:59.000Z');
      expect(parsed.notAfter.toISOString()).toBe('2055-06-01T12:00:00.000Z');
      expect(parseCertificate(root.certificate).notAfter.getUTCFullYear()).toBeGreaterThanOrEqual(2060);
    });
  });

  describe('issuer names from elsewhere', () => {
    it('copies the issuer subject bytes exactly, even with encodings it would not produce', async () => {
      workspace.write(
        'legacy.cnf',
        [
          '[req]',
          'distinguished_name = dn',
          'string_mask = default',
          'prompt = no',
          'x509_extensions = ext',
          '[dn]',
          'O = Legacy Org',
          'CN = Legacy CA',
          '[ext]',
          'basicConstraints = critical, CA:true',
          'keyUsage = critical, keyCertSign, cRLSign',
          'subjectKeyIdentifier = hash',
        ].join('\n'),
      );
      workspace.ok([
        'req',
        '-x509',
        '-newkey',
        'ec',
        '-pkeyopt',
        'ec_paramgen_curve:P-256',
        '-nodes',
        '-keyout',
        'legacy.key',
        '-out',
        'legacy.pem',
        '-days',
        '30',
        '-config',
        'legacy.cnf',
      ]);
      const caPem = readFileSync(workspace.path('legacy.pem'), 'utf8');
      const ca = parseCertificate(caPem);
      expect(ca.subjectDer.includes(Buffer.from([0x13, 0x0a]))).toBe(true); // PrintableString "Legacy Org"
      const issuer = prepareIssuer(
        ca.der,
        importPrivateKeyPem(readFileSync(workspace.path('legacy.key'), 'utf8')),
      );
      const { publicKey } = await generateKeyPair({ type: 'ec', size: 256 });
      const leaf = await signCertificate(
        template({ subjectPublicKeyDer: spkiDer(publicKey), notAfter: new Date(Date.now() + 86_400_000) }),
        issuer,
      );
      expect(parseCertificate(leaf).issuerDer.equals(ca.subjectDer)).toBe(true);
      writePem('legacy-leaf.pem', leaf);
      expect(workspace.ok(['verify', '-CAfile', 'legacy.pem', 'legacy-leaf.pem'])).toContain(
        'legacy-leaf.pem: OK',
      );
    });
  });

  describe('refusals', () => {
    let root: TestCa;
    let spki: Buffer;

    beforeAll(async () => {
      root = await makeRoot({ type: 'ec', size: 256 });
      spki = spkiDer((await generateKeyPair({ type: 'ec', size: 256 })).publicKey);
    });

    it.each([
      ['notAfter before notBefore', { notAfter: new Date(Date.now() - 86_400_000) }, 'later than notBefore'],
      ['invalid date', { notBefore: new Date('nonsense') }, 'not a valid date'],
      ['negative serial', { serialNumber: Buffer.from([0x80, 1]) }, 'positive'],
      ['no subject and no SAN', { subject: [] }, 'subject or at least one subject alternative name'],
      [
        'bad DNS name',
        { san: { dns: ['bad_name.example'], ip: [], email: [], uri: [] } },
        'not a valid host name',
      ],
      ['bad IP', { san: { dns: [], ip: ['300.1.1.1'], email: [], uri: [] } }, 'not an IPv4 or IPv6 address'],
      ['bad URL', { crlDistributionUrl: 'ftp://x/y.crl' }, 'http, https or ldap'],
      ['bad certificate type', { certificateType: 'code_signing' as 'server' }, 'Unknown certificate type'],
      ['bad path length', { certificateType: 'ca' as const, pathLength: -1 }, 'pathLength'],
      ['bad subject', { subject: [{ type: 'C', value: 'USA' }] }, 'two-letter'],
    ])('refuses %s', (_name, overrides, message) => {
      expect(() =>
        buildTbsCertificate(template({ subjectPublicKeyDer: spki, ...overrides }), root.issuer),
      ).toThrow(InvalidInputError);
      expect(() =>
        buildTbsCertificate(template({ subjectPublicKeyDer: spki, ...overrides }), root.issuer),
      ).toThrow(message);
    });

    it('refuses unsupported subject keys', () => {
      const small = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({
        type: 'spki',
        format: 'der',
      });
      expect(() => buildTbsCertificate(template({ subjectPublicKeyDer: small }), root.issuer)).toThrow(
        'RSA keys of 1024 bits are not supported',
      );
      expect(() =>
        buildTbsCertificate(template({ subjectPublicKeyDer: Buffer.from('junk') }), root.issuer),
      ).toThrow(InvalidInputError);
    });

    it('writes the path length it is given and leaves policy to the issuance rules', async () => {
      const intermediate = await makeIntermediate(root, { type: 'ec', size: 256 });
      expect(parseCertificate(intermediate.certificate).pathLength).toBe(0);
      const child = await signCertificate(
        template({ subjectPublicKeyDer: spki, certificateType: 'ca', pathLength: 3 }),
        intermediate.issuer,
      );
      expect(parseCertificate(child).pathLength).toBe(3);
    });

    it('refuses an issuer whose key does not match, or which is not a CA', async () => {
      const other = await generateKeyPair({ type: 'ec', size: 256 });
      expect(() => prepareIssuer(root.certificate, other.privateKey)).toThrow('does not match');
      expect(() =>
        selfSignedIssuer(template({ subjectPublicKeyDer: spki, certificateType: 'ca' }), other.privateKey),
      ).toThrow('does not match');
      const leaf = await signCertificate(
        template({ subjectPublicKeyDer: spkiDer(other.publicKey) }),
        root.issuer,
      );
      expect(() => prepareIssuer(leaf, other.privateKey)).toThrow('not a CA certificate');
    });

    it('self-signs only with the matching key', async () => {
      const keys = await generateKeyPair({ type: 'ec', size: 256 });
      await expect(
        selfSign(template({ subjectPublicKeyDer: spki, certificateType: 'ca' }), keys.privateKey),
      ).rejects.toThrow(InvalidInputError);
    });
  });

  describe('parser', () => {
    it('accepts PEM text and refuses garbage with InvalidInputError', async () => {
      const root = await makeRoot({ type: 'ed25519', size: 256 });
      const pem = derToPem(root.certificate, 'CERTIFICATE');
      expect(parseCertificate(pem).der.equals(root.certificate)).toBe(true);
      expect(parseCertificate(Buffer.from(pem)).der.equals(root.certificate)).toBe(true);
      expect(() => parseCertificate(Buffer.from('garbage'))).toThrow(InvalidInputError);
      expect(() => parseCertificate(root.certificate.subarray(0, 100))).toThrow(
        'The certificate is malformed',
      );
      expect(() => parseCertificate(Buffer.concat([root.certificate, Buffer.from([0])]))).toThrow(
        InvalidInputError,
      );
      expect(() => parseCertificate(derToPem(root.certificate, 'X509 CRL'))).toThrow('found "X509 CRL"');
      const tampered = Buffer.from(root.certificate);
      tampered[tampered.length - 5] ^= 1;
      await expect(verifyCertificateSignature(tampered, root.publicKey)).resolves.toBe(false);
    });

    it('reads certificates made by openssl', () => {
      workspace.ok([
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        'o.key',
        '-out',
        'o.pem',
        '-days',
        '10',
        '-subj',
        '/C=DE/O=Ops/CN=ops.example',
        '-addext',
        'subjectAltName=DNS:ops.example,IP:::1,email:a@ops.example',
      ]);
      const parsed = parseCertificate(readFileSync(workspace.path('o.pem'), 'utf8'));
      expect(parsed.subject).toEqual([
        { type: 'C', value: 'DE' },
        { type: 'O', value: 'Ops' },
        { type: 'CN', value: 'ops.example' },
      ]);
      expect(parsed.san).toEqual({ dns: ['ops.example'], ip: ['::1'], email: ['a@ops.example'], uri: [] });
      expect(parsed.isCa).toBe(true);
      expect(parsed.keySpec).toEqual({ type: 'rsa', size: 2048, rsaPublicExponent: 65537 });
      expect(parsed.signatureAlgorithmOid).toBe('1.2.840.113549.1.1.11');
    });
  });
});
