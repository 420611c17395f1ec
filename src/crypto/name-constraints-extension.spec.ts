import { readFileSync } from 'node:fs';
import type { NameConstraints } from '../issuance/name-constraints';
import { selfSign, signCertificate } from './certificate-builder';
import { parseCertificate } from './certificate-parser';
import { buildCsr } from './csr';
import { generateKeyPair, spkiDer } from './keys';
import { derToPem } from './pem';
import { OpensslWorkspace } from './testing/openssl-cli';
import { makeRoot, template } from './testing/templates';

jest.setTimeout(60_000);

const CONSTRAINTS: NameConstraints = {
  permitted: {
    dns: ['corp.example', '.svc.example'],
    ipRanges: ['10.0.0.0/8', '2001:db8::/32'],
    emails: ['corp.example', 'alice@mail.example'],
    uris: ['.spiffe.example'],
  },
  excluded: { dns: ['secret.corp.example'], ipRanges: ['10.9.0.0/16'], emails: [], uris: [] },
};

describe('nameConstraints extension (RFC 5280 4.2.1.10)', () => {
  let workspace: OpensslWorkspace;
  beforeAll(() => {
    workspace = new OpensslWorkspace();
  });
  afterAll(() => workspace.cleanup());

  async function constrainedRoot(constraints: NameConstraints | null): Promise<Buffer> {
    const { privateKey, publicKey } = await generateKeyPair({ type: 'ec', size: 256 });
    return selfSign(
      template({
        subject: [{ type: 'CN', value: 'Constrained Root' }],
        subjectPublicKeyDer: spkiDer(publicKey),
        certificateType: 'ca',
        nameConstraints: constraints,
      }),
      privateKey,
    );
  }

  it('is written critical, with every form as openssl reads it, and reads back the same', async () => {
    const der = await constrainedRoot(CONSTRAINTS);
    const file = workspace.write('root.pem', derToPem(der, 'CERTIFICATE'));
    const text = workspace.ok(['x509', '-in', file, '-noout', '-text']);
    const block = text.slice(text.indexOf('X509v3 Name Constraints: critical'));
    expect(block).toMatch(
      /^X509v3 Name Constraints: critical\s+Permitted:\s+DNS:corp\.example\s+DNS:\.svc\.example\s+IP:10\.0\.0\.0\/255\.0\.0\.0\s+IP:2001:DB8:0:0:0:0:0:0\/FFFF:FFFF:0:0:0:0:0:0\s+email:corp\.example\s+email:alice@mail\.example\s+URI:\.spiffe\.example\s+Excluded:\s+DNS:secret\.corp\.example\s+IP:10\.9\.0\.0\/255\.255\.0\.0/,
    );
    expect(parseCertificate(der).nameConstraints).toEqual(CONSTRAINTS);
  });

  it('encodes GeneralSubtrees as [0]/[1] IMPLICIT with address||mask octets (asn1parse)', async () => {
    const der = await constrainedRoot({
      permitted: { dns: [], ipRanges: ['192.168.0.0/16'], emails: [], uris: [] },
      excluded: { dns: [], ipRanges: [], emails: [], uris: [] },
    });
    const file = workspace.write('ip.der', der);
    const parsed = workspace.ok([
      'asn1parse',
      '-inform',
      'DER',
      '-in',
      file,
      '-strparse',
      extensionOffset(workspace, file),
    ]);
    // SEQUENCE { [0] { SEQUENCE { [7] c0a80000ffff0000 } } }: no [1] when nothing is excluded.
    expect(parsed).toMatch(/cons: SEQUENCE[\s\S]*cont \[ 0 \][\s\S]*cons: SEQUENCE[\s\S]*prim: cont \[ 7 \]/);
    expect(parsed).not.toMatch(/cont \[ 1 \]/);
    const hex = der.toString('hex');
    expect(hex).toContain('8708c0a80000ffff0000');
  });

  it('leaves the extension out without constraints, and never writes it on a leaf', async () => {
    expect(parseCertificate(await constrainedRoot(null)).nameConstraints).toBeNull();
    const root = await makeRoot({ type: 'ec', size: 256 });
    const { publicKey } = await generateKeyPair({ type: 'ec', size: 256 });
    const leaf = await signCertificate(
      template({
        subjectPublicKeyDer: spkiDer(publicKey),
        san: { dns: ['a.example'], ip: [], email: [], uri: [] },
        nameConstraints: CONSTRAINTS,
      }),
      root.issuer,
    );
    expect(parseCertificate(leaf).nameConstraints).toBeNull();
  });

  it('reads what openssl writes (an outside root with nameConstraints)', () => {
    const key = workspace.path('outside.key');
    const cert = workspace.path('outside.pem');
    workspace.ok([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      key,
      '-subj',
      '/CN=Outside',
      '-days',
      '30',
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-addext',
      'nameConstraints=critical,permitted;DNS:.corp.example,permitted;IP:10.1.0.0/255.255.0.0,permitted;IP:fd00::/ffff:ff00::,excluded;email:.bad.example,excluded;URI:host.example',
      '-out',
      cert,
    ]);
    expect(parseCertificate(readFileSync(cert, 'utf8')).nameConstraints).toEqual({
      permitted: { dns: ['.corp.example'], ipRanges: ['10.1.0.0/16', 'fd00::/24'], emails: [], uris: [] },
      excluded: { dns: [], ipRanges: [], emails: ['.bad.example'], uris: ['host.example'] },
    });
  });

  it('is requested in a pending CA CSR (extensionRequest)', async () => {
    const { privateKey } = await generateKeyPair({ type: 'ec', size: 256 });
    const csr = await buildCsr([{ type: 'CN', value: 'Pending' }], privateKey, undefined, {
      ca: true,
      pathLength: 0,
      nameConstraints: CONSTRAINTS,
    });
    const file = workspace.write('pending.csr', derToPem(csr, 'CERTIFICATE REQUEST'));
    const text = workspace.ok(['req', '-in', file, '-noout', '-text']);
    expect(text).toMatch(/X509v3 Name Constraints: critical\s+Permitted:\s+DNS:corp\.example/);
  });
});

/** The offset of the nameConstraints extnValue OCTET STRING, from openssl asn1parse. */
function extensionOffset(workspace: OpensslWorkspace, file: string): string {
  const lines = workspace.ok(['asn1parse', '-inform', 'DER', '-in', file]).split('\n');
  const index = lines.findIndex((line) => line.includes('X509v3 Name Constraints'));
  const octets = lines.slice(index).find((line) => line.includes('OCTET STRING'));
  const offset = /^\s*(\d+):/.exec(octets ?? '');
  if (!offset) throw new Error('no nameConstraints in the certificate');
  return offset[1];
}
