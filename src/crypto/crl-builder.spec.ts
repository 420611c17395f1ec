import { randomBytes } from 'node:crypto';
import { InvalidInputError } from '../common/errors';
import { signCertificate } from './certificate-builder';
import { parseCertificate } from './certificate-parser';
import { signCrl } from './crl-builder';
import type { CrlEntry, KeySpec } from './crypto.types';
import { generateKeyPair, spkiDer, verify } from './keys';
import { derToPem } from './pem';
import { OpensslWorkspace } from './testing/openssl-cli';
import { makeRoot, template } from './testing/templates';
import type { TestCa } from './testing/templates';
import { readDerChildren, readDerRoot, Tag } from './der';

jest.setTimeout(60_000);

const HOUR = 3_600_000;

describe('CRL builder', () => {
  let workspace: OpensslWorkspace;

  beforeAll(() => {
    workspace = new OpensslWorkspace();
  });

  afterAll(() => workspace.cleanup());

  describe.each<[string, KeySpec]>([
    ['RSA', { type: 'rsa', size: 2048 }],
    ['P-256', { type: 'ec', size: 256 }],
    ['P-384', { type: 'ec', size: 384 }],
    ['Ed25519', { type: 'ed25519', size: 256 }],
  ])('%s issuer', (label, spec) => {
    let ca: TestCa;
    let revoked: Buffer;
    let good: Buffer;
    let crl: Buffer;

    beforeAll(async () => {
      ca = await makeRoot(spec, `CRL Root ${label}`);
      const leafKey = await generateKeyPair({ type: 'ec', size: 256 });
      revoked = await signCertificate(
        template({ subjectPublicKeyDer: spkiDer(leafKey.publicKey) }),
        ca.issuer,
      );
      good = await signCertificate(template({ subjectPublicKeyDer: spkiDer(leafKey.publicKey) }), ca.issuer);
      const now = Date.now();
      crl = await signCrl(
        {
          crlNumber: 42n,
          thisUpdate: new Date(now - HOUR),
          nextUpdate: new Date(now + 24 * HOUR),
          entries: [
            {
              serialNumberHex: parseCertificate(revoked).serialNumberHex,
              revokedAt: new Date(now - 2 * HOUR),
              reasonCode: 1,
            },
            { serialNumberHex: '0a1b2c', revokedAt: new Date(now - 3 * HOUR), reasonCode: null },
            { serialNumberHex: '8f', revokedAt: new Date(now - 3 * HOUR), reasonCode: 4 },
          ],
        },
        ca.issuer,
      );
      workspace.write(`${label}-ca.pem`, derToPem(ca.certificate, 'CERTIFICATE'));
      workspace.write(`${label}-revoked.pem`, derToPem(revoked, 'CERTIFICATE'));
      workspace.write(`${label}-good.pem`, derToPem(good, 'CERTIFICATE'));
      workspace.write(`${label}.crl`, derToPem(crl, 'X509 CRL'));
    });

    it('is verified by openssl crl and lists serials, reasons and the CRL number', () => {
      const result = workspace.run([
        'crl',
        '-in',
        `${label}.crl`,
        '-CAfile',
        `${label}-ca.pem`,
        '-noout',
        '-text',
      ]);
      expect(result.status).toBe(0);
      expect(result.output).toContain('verify OK');
      expect(result.output).toContain('Version 2 (0x1)');
      expect(result.output).toMatch(/X509v3 CRL Number: \s+42/);
      expect(result.output).toMatch(/X509v3 Authority Key Identifier: \s+[0-9A-F:]{59}/);
      // openssl prints whole octets, so a canonical serial of odd length gains a leading 0.
      const serialHex = parseCertificate(revoked).serialNumberHex;
      const octetHex = serialHex.length % 2 ? `0${serialHex}` : serialHex;
      expect(result.output).toContain(`Serial Number: ${octetHex.toUpperCase()}`);
      expect(result.output).toContain('Serial Number: 0A1B2C');
      expect(result.output).toContain('Serial Number: 8F');
      expect(result.output).toMatch(/CRL Reason Code: \s+Key Compromise/);
      expect(result.output).toMatch(/CRL Reason Code: \s+Superseded/);
      expect(result.output.match(/CRL Reason Code/g)).toHaveLength(2);
    });

    it('makes openssl verify -crl_check fail for the revoked certificate only', () => {
      const check = (file: string) =>
        workspace.run([
          'verify',
          '-crl_check',
          '-CRLfile',
          `${label}.crl`,
          '-CAfile',
          `${label}-ca.pem`,
          file,
        ]);
      const bad = check(`${label}-revoked.pem`);
      expect(bad.status).not.toBe(0);
      expect(bad.output).toContain('certificate revoked');
      const ok = check(`${label}-good.pem`);
      expect(ok.output).toContain(`${label}-good.pem: OK`);
      expect(ok.status).toBe(0);
    });
  });

  it('omits revokedCertificates when there are no entries', async () => {
    const ca = await makeRoot({ type: 'ec', size: 256 });
    const crl = await signCrl(
      { crlNumber: 1n, thisUpdate: new Date(), nextUpdate: new Date(Date.now() + HOUR), entries: [] },
      ca.issuer,
    );
    const root = readDerRoot(crl, Tag.SEQUENCE);
    const [tbs] = readDerChildren(crl, root);
    const fields = readDerChildren(crl, tbs);
    // version, signature, issuer, thisUpdate, nextUpdate, [0] crlExtensions
    expect(fields.map((field) => field.tag)).toEqual([0x02, 0x30, 0x30, 0x17, 0x17, 0xa0]);
    workspace.write('empty-ca.pem', derToPem(ca.certificate, 'CERTIFICATE'));
    workspace.write('empty.crl', derToPem(crl, 'X509 CRL'));
    const result = workspace.run(['crl', '-in', 'empty.crl', '-CAfile', 'empty-ca.pem', '-noout', '-text']);
    expect(result.output).toContain('verify OK');
    expect(result.output).toContain('No Revoked Certificates.');
  });

  it('refuses bad templates', async () => {
    const ca = await makeRoot({ type: 'ec', size: 256 });
    const base = {
      crlNumber: 1n,
      thisUpdate: new Date(),
      nextUpdate: new Date(Date.now() + HOUR),
      entries: [],
    };
    const entry = (overrides: Partial<CrlEntry>): CrlEntry => ({
      serialNumberHex: '01',
      revokedAt: new Date(),
      reasonCode: null,
      ...overrides,
    });
    await expect(signCrl({ ...base, nextUpdate: base.thisUpdate }, ca.issuer)).rejects.toThrow(
      'later than thisUpdate',
    );
    await expect(signCrl({ ...base, crlNumber: -1n }, ca.issuer)).rejects.toThrow(InvalidInputError);
    await expect(
      signCrl({ ...base, entries: [entry({ serialNumberHex: 'zz' })] }, ca.issuer),
    ).rejects.toThrow('hexadecimal');
  });

  it('publishes stored reason codes it cannot carry (removeFromCRL, unassigned, unspecified) without a reason', async () => {
    const ca = await makeRoot({ type: 'ec', size: 256 });
    const now = Date.now();
    const stored: [string, number][] = [
      ['08', 8],
      ['07', 7],
      ['0b', 11],
      ['0100', 256],
      ['00', 0],
      ['09', 9],
    ];
    const crl = await signCrl(
      {
        crlNumber: 3n,
        thisUpdate: new Date(now),
        nextUpdate: new Date(now + HOUR),
        entries: stored.map(([serialNumberHex, reasonCode]) => ({
          serialNumberHex,
          revokedAt: new Date(now - HOUR),
          reasonCode,
        })),
      },
      ca.issuer,
    );
    workspace.write('stored-reasons-ca.pem', derToPem(ca.certificate, 'CERTIFICATE'));
    workspace.write('stored-reasons.crl', derToPem(crl, 'X509 CRL'));
    const result = workspace.run([
      'crl',
      '-in',
      'stored-reasons.crl',
      '-CAfile',
      'stored-reasons-ca.pem',
      '-noout',
      '-text',
    ]);
    expect(result.status).toBe(0);
    expect(result.output).toContain('verify OK');
    for (const [serial] of stored) {
      expect(result.output).toMatch(new RegExp(`Serial Number: ${serial.toUpperCase()}\\b`));
    }
    // Only privilegeWithdrawn (9) is carried; everything else is published as unspecified, i.e. absent.
    expect(result.output.match(/CRL Reason Code/g)).toHaveLength(1);
    expect(result.output).toContain('Privilege Withdrawn');
    expect(result.output).not.toContain('Remove From CRL');
  });

  it('builds and signs a 100 000-entry CRL within the time budget', async () => {
    const ca = await makeRoot({ type: 'rsa', size: 2048 });
    const now = Date.now();
    const entries: CrlEntry[] = Array.from({ length: 100_000 }, (_, i) => ({
      serialNumberHex: randomBytes(16).toString('hex'),
      revokedAt: new Date(now - i * 1000),
      reasonCode: i % 3 === 0 ? null : 1 + (i % 5),
    }));
    const started = performance.now();
    const crl = await signCrl(
      { crlNumber: 7n, thisUpdate: new Date(now), nextUpdate: new Date(now + HOUR), entries },
      ca.issuer,
    );
    const elapsed = performance.now() - started;
    expect(elapsed).toBeLessThan(5000);

    const root = readDerRoot(crl, Tag.SEQUENCE);
    const [tbs, algorithm, signature] = readDerChildren(crl, root);
    expect(algorithm.tag).toBe(Tag.SEQUENCE);
    const revokedList = readDerChildren(crl, tbs)[5];
    expect(readDerChildren(crl, revokedList)).toHaveLength(100_000);
    await expect(
      verify(
        crl.subarray(tbs.start, tbs.end),
        crl.subarray(signature.contentStart + 1, signature.end),
        ca.publicKey,
        '1.2.840.113549.1.1.11',
      ),
    ).resolves.toBe(true);
    workspace.write('big-ca.pem', derToPem(ca.certificate, 'CERTIFICATE'));
    workspace.write('big.crl', crl);
    const result = workspace.run([
      'crl',
      '-inform',
      'DER',
      '-in',
      'big.crl',
      '-CAfile',
      'big-ca.pem',
      '-noout',
    ]);
    expect(result.output).toContain('verify OK');
  });
});
