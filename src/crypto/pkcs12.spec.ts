import { createPrivateKey } from 'node:crypto';
import { InvalidInputError } from '../common/errors';
import { signCertificate } from './certificate-builder';
import type { KeySpec } from './crypto.types';
import { generateKeyPair, spkiDer } from './keys';
import { buildPkcs12, pkcs12Kdf } from './pkcs12';
import { splitPemBlocks } from './pem';
import { OpensslWorkspace } from './testing/openssl-cli';
import { makeIntermediate, makeRoot, template } from './testing/templates';
import type { TestCa } from './testing/templates';

jest.setTimeout(60_000);

describe('PKCS#12', () => {
  let workspace: OpensslWorkspace;
  let root: TestCa;
  let intermediate: TestCa;

  beforeAll(async () => {
    workspace = new OpensslWorkspace();
    root = await makeRoot({ type: 'ec', size: 384 });
    intermediate = await makeIntermediate(root, { type: 'ec', size: 256 });
  });

  afterAll(() => workspace.cleanup());

  it.each<[KeySpec, string]>([
    [{ type: 'rsa', size: 2048 }, 'correct horse battery staple'],
    [{ type: 'ec', size: 256 }, 'pässwörd €'],
    [{ type: 'ec', size: 384 }, 'p'],
    [{ type: 'ed25519', size: 256 }, 's3cret!'],
  ])('is opened by openssl for a %j key', async (spec, password) => {
    const { privateKey, publicKey } = await generateKeyPair(spec);
    const leaf = await signCertificate(
      template({ subjectPublicKeyDer: spkiDer(publicKey), subject: [{ type: 'CN', value: 'p12 leaf' }] }),
      intermediate.issuer,
    );
    const p12 = buildPkcs12({
      privateKey,
      certificateDer: leaf,
      chainDer: [intermediate.certificate, root.certificate],
      password,
      friendlyName: 'p12 leaf',
    });
    const file = `${spec.type}-${spec.size}.p12`;
    workspace.write(file, p12);

    const opened = workspace.run(['pkcs12', '-in', file, '-passin', `pass:${password}`, '-nodes', '-info']);
    expect(opened.status).toBe(0);
    expect(opened.output).toContain('MAC: sha256, Iteration 2048');
    expect(opened.output).toContain('Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC');
    expect(opened.output).toContain('friendlyName: p12 leaf');

    const blocks = splitPemBlocks(opened.stdout);
    const certificates = blocks.filter((block) => block.label === 'CERTIFICATE');
    expect(certificates.map((block) => block.der)).toEqual(
      expect.arrayContaining([leaf, intermediate.certificate, root.certificate]),
    );
    expect(certificates).toHaveLength(3);
    const keyBlock = blocks.find((block) => block.label === 'PRIVATE KEY');
    expect(keyBlock).toBeDefined();
    const key = createPrivateKey({ key: keyBlock?.der ?? Buffer.alloc(0), format: 'der', type: 'pkcs8' });
    expect(spkiDer(key).equals(spkiDer(publicKey))).toBe(true);

    const wrong = workspace.run(['pkcs12', '-in', file, '-passin', 'pass:wrong', '-nodes']);
    expect(wrong.status).not.toBe(0);
    expect(wrong.output).toMatch(/mac verify|invalid password/i);
  });

  // Vectors from `openssl kdf -kdfopt digest:SHA256 -kdfopt hexpass:<BMPString + 00 00> ... PKCS12KDF`.
  it.each([
    [
      'pw',
      '0102030405060708090a0b0c0d0e0f10',
      3,
      2048,
      32,
      '6b33b3b53acac7ab2c98b431cdc438436fe2592ebb2b769ddb9368d4246bae67',
    ],
    [
      'a much longer password that spans more than one sixty-four byte block',
      '00',
      1,
      3,
      70,
      'b38217f6fd70fa474be72865f6698bd3e0299b1a00c6a68e5e0e87dcb878d1d2a77a1c15b55581c332d27f51e15f40f3663a6cecdbc45d13aa78e4a0f682a26019a676d89d88',
    ],
    ['ünï', 'ffeeddccbbaa9988', 2, 1, 16, 'e13ad3d540615b83184682ef5cef8d29'],
    [
      'pässwörd € 🔑',
      'a1b2c3d4e5f60718293a4b5c6d7e8f90',
      3,
      2048,
      32,
      'cfcf325f7f32c827226e2cd9e84e40424a22d2aff2c1e7deafd4260d4dd6901e',
    ],
  ] as const)(
    "derives OpenSSL's RFC 7292 B.2 SHA-256 key for %j (salt %s, id %d, %d rounds, %d bytes)",
    (password, saltHex, id, iterations, length, keyHex) => {
      expect(pkcs12Kdf(password, Buffer.from(saltHex, 'hex'), id, iterations, length).toString('hex')).toBe(
        keyHex,
      );
    },
  );

  it('refuses an empty password', async () => {
    const { privateKey } = await generateKeyPair({ type: 'ec', size: 256 });
    expect(() =>
      buildPkcs12({ privateKey, certificateDer: root.certificate, chainDer: [], password: '' }),
    ).toThrow(InvalidInputError);
  });
});
