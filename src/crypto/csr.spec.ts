import { createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InvalidInputError } from '../common/errors';
import type { KeySpec } from './crypto.types';
import { buildCsr, parseCsr } from './csr';
import { parseDistinguishedName } from './distinguished-name';
import { generateKeyPair, spkiDer } from './keys';
import { derToPem, pemToDer } from './pem';
import { OpensslWorkspace } from './testing/openssl-cli';

jest.setTimeout(60_000);

describe('CSRs', () => {
  let workspace: OpensslWorkspace;

  beforeAll(() => {
    workspace = new OpensslWorkspace();
  });

  afterAll(() => workspace.cleanup());

  function opensslCsr(name: string, newKey: string[], extra: string[] = []): string {
    workspace.ok([
      'req',
      '-new',
      ...newKey,
      '-nodes',
      '-keyout',
      `${name}.key`,
      '-out',
      `${name}.csr`,
      '-subj',
      '/C=US/O=Acme/CN=host.example.com',
      ...extra,
    ]);
    return readFileSync(workspace.path(`${name}.csr`), 'utf8');
  }

  describe('parseCsr', () => {
    it.each<[string, string[], KeySpec]>([
      ['rsa', ['-newkey', 'rsa:2048'], { type: 'rsa', size: 2048, rsaPublicExponent: 65537 }],
      ['p256', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], { type: 'ec', size: 256 }],
      ['p384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'], { type: 'ec', size: 384 }],
      ['ed25519', ['-newkey', 'ed25519'], { type: 'ed25519', size: 256 }],
    ])('reads an openssl %s CSR with its SANs', async (name, newKey, keySpec) => {
      const pem = opensslCsr(name, newKey, [
        '-addext',
        'subjectAltName=DNS:a.example.com,DNS:b.example.com,IP:10.0.0.1,IP:2001:db8::5,email:x@y.com,URI:spiffe://corp.example/ns/a',
        '-addext',
        'keyUsage=critical,digitalSignature',
      ]);
      const csr = await parseCsr(pem);
      expect(csr.subject).toEqual([
        { type: 'C', value: 'US' },
        { type: 'O', value: 'Acme' },
        { type: 'CN', value: 'host.example.com' },
      ]);
      expect(csr.san).toEqual({
        dns: ['a.example.com', 'b.example.com'],
        ip: ['10.0.0.1', '2001:db8::5'],
        email: ['x@y.com'],
        uri: ['spiffe://corp.example/ns/a'],
      });
      expect(csr.keySpec).toEqual(keySpec);
      const key = createPublicKey(readFileSync(workspace.path(`${name}.key`), 'utf8'));
      expect(csr.subjectPublicKeyDer.equals(spkiDer(key))).toBe(true);
      expect(spkiDer(csr.publicKey).equals(csr.subjectPublicKeyDer)).toBe(true);
      expect(csr.der.equals(pemToDer(pem, 'CERTIFICATE REQUEST'))).toBe(true);
    });

    it('reads a CSR without SANs or attributes', async () => {
      const csr = await parseCsr(
        opensslCsr('plain', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']),
      );
      expect(csr.san).toEqual({ dns: [], ip: [], email: [], uri: [] });
    });

    it('keeps a comma in a value inside one attribute', async () => {
      workspace.ok([
        'req',
        '-new',
        '-newkey',
        'ed25519',
        '-nodes',
        '-keyout',
        'inj.key',
        '-out',
        'inj.csr',
        '-subj',
        '/CN=a,O=Evil',
      ]);
      const csr = await parseCsr(readFileSync(workspace.path('inj.csr')));
      expect(csr.subject).toEqual([{ type: 'CN', value: 'a,O=Evil' }]);
    });

    it('refuses a CSR whose signature was tampered with', async () => {
      const der = pemToDer(opensslCsr('tamper', ['-newkey', 'rsa:2048']), 'CERTIFICATE REQUEST');
      const flipped = Buffer.from(der);
      flipped[flipped.length - 1] ^= 0x01;
      await expect(parseCsr(derToPem(flipped, 'CERTIFICATE REQUEST'))).rejects.toThrow(
        new InvalidInputError('CSR signature is invalid'),
      );
      const renamed = Buffer.from(der);
      const at = renamed.indexOf(Buffer.from('host.example.com'));
      renamed[at] = 'g'.charCodeAt(0);
      await expect(parseCsr(renamed)).rejects.toThrow('CSR signature is invalid');
    });

    it('refuses a tampered EC and Ed25519 CSR', async () => {
      for (const [name, newKey] of [
        ['tamper-ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
        ['tamper-ed', ['-newkey', 'ed25519']],
      ] as const) {
        const der = pemToDer(opensslCsr(name, [...newKey]), 'CERTIFICATE REQUEST');
        const flipped = Buffer.from(der);
        flipped[flipped.length - 3] ^= 0x40;
        await expect(parseCsr(flipped)).rejects.toThrow(InvalidInputError);
      }
    });

    it('refuses RSA-PSS signatures and unsupported keys', async () => {
      const pss = opensslCsr('pss', ['-newkey', 'rsa:2048', '-sigopt', 'rsa_padding_mode:pss']);
      await expect(parseCsr(pss)).rejects.toThrow('Unsupported signature algorithm RSASSA-PSS');
      const small = opensslCsr('small', ['-newkey', 'rsa:1024']);
      await expect(parseCsr(small)).rejects.toThrow('RSA keys of 1024 bits are not supported');
      const k1 = opensslCsr('k1', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:secp256k1']);
      await expect(parseCsr(k1)).rejects.toThrow('EC curve secp256k1 is not supported');
    });

    it('refuses garbage', async () => {
      await expect(parseCsr('hello')).rejects.toThrow('found no PEM data');
      await expect(parseCsr(derToPem(Buffer.from('xyz'), 'CERTIFICATE REQUEST'))).rejects.toThrow(
        'The CSR is malformed',
      );
      await expect(parseCsr(derToPem(Buffer.from('xyz'), 'CERTIFICATE'))).rejects.toThrow(
        'found "CERTIFICATE"',
      );
    });
  });

  describe('buildCsr', () => {
    it.each<KeySpec>([
      { type: 'rsa', size: 2048, rsaPublicExponent: 65537 },
      { type: 'ec', size: 256 },
      { type: 'ec', size: 384 },
      { type: 'ed25519', size: 256 },
    ])('builds a CSR openssl verifies for %j', async (spec) => {
      const { privateKey } = await generateKeyPair(spec);
      const subject = parseDistinguishedName('CN=Pending Intermediate,O=Acme,C=US');
      const der = await buildCsr(
        subject,
        privateKey,
        { dns: ['ca.example.com'], ip: [], email: [], uri: [] },
        { ca: true, pathLength: 0 },
      );
      const file = `built-${spec.type}${spec.size}.csr`;
      workspace.write(file, derToPem(der, 'CERTIFICATE REQUEST'));
      const result = workspace.run(['req', '-in', file, '-verify', '-noout', '-text']);
      expect(result.status).toBe(0);
      const out = result.output;
      expect(out).toContain('Subject: C = US, O = Acme, CN = Pending Intermediate');
      expect(out).toMatch(/X509v3 Basic Constraints: critical\s+CA:TRUE, pathlen:0/);
      expect(out).toContain('DNS:ca.example.com');
      expect(out).toContain('Certificate request self-signature verify OK');
      const parsed = await parseCsr(der);
      expect(parsed.subject).toEqual(subject);
      expect(parsed.keySpec).toEqual(spec);
    });

    it('builds a CSR without requested extensions', async () => {
      const { privateKey } = await generateKeyPair({ type: 'ec', size: 256 });
      const der = await buildCsr([{ type: 'CN', value: 'plain' }], privateKey);
      workspace.write('plain-built.csr', derToPem(der, 'CERTIFICATE REQUEST'));
      expect(workspace.ok(['req', '-in', 'plain-built.csr', '-verify', '-noout', '-text'])).toContain(
        'Attributes:',
      );
      expect((await parseCsr(der)).san).toEqual({ dns: [], ip: [], email: [], uri: [] });
    });
  });

  describe('names a CSR asks for', () => {
    it.each([
      ['otherName', 'otherName:1.3.6.1.4.1.311.20.2.3;UTF8:alice@corp.example'],
      ['directoryName', 'dirName:dir_sect'],
      ['registeredID', 'RID:1.2.3.4'],
    ])('refuses a %s SAN, naming its kind', async (kind, entry) => {
      workspace.write('dir.cnf', '[dir_sect]\nCN = someone\n');
      const extra =
        kind === 'directoryName'
          ? ['-config', workspace.path('dir.cnf'), '-addext', `subjectAltName=DNS:a.example,${entry}`]
          : ['-addext', `subjectAltName=DNS:a.example,${entry}`];
      const pem = opensslCsr(
        `unsupported-${kind}`,
        ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
        extra,
      );
      await expect(parseCsr(pem)).rejects.toThrow(
        new InvalidInputError(`CSR SAN of type ${kind} is not supported`),
      );
    });

    it("keeps the CSR's PrintableString where RFC 5280 allows it, and the defaults elsewhere", async () => {
      const pem = opensslCsr(
        'printable',
        ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
        [
          '-subj',
          '/C=US/O=Acme/OU=Ops/CN=host.example.com',
          '-utf8',
          '-config',
          workspace.write('printable.cnf', '[req]\ndistinguished_name=dn\nstring_mask=default\n[dn]\n'),
        ],
      );
      const csr = await parseCsr(pem);
      // string_mask=default: PrintableString wherever the value fits.
      expect(csr.subject).toEqual([
        { type: 'C', value: 'US' },
        { type: 'O', value: 'Acme', stringType: 'printable' },
        { type: 'OU', value: 'Ops', stringType: 'printable' },
        { type: 'CN', value: 'host.example.com', stringType: 'printable' },
      ]);
    });
  });
});
