import { createPrivateKey, generateKeyPairSync, sign as nodeSign } from 'node:crypto';
import type { JsonWebKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { InvalidInputError } from '../common/errors';
import type { KeySpec } from './crypto.types';
import {
  cheaperInline,
  exportPrivateKeyPem,
  generateKeyPair,
  importPrivateKeyPem,
  keySpecOf,
  publicKeyFromSpki,
  sign,
  signatureAlgorithmFor,
  spkiDer,
  validateKeySpec,
  verify,
} from './keys';
import { OpensslWorkspace } from './testing/openssl-cli';

const SPECS: KeySpec[] = [
  { type: 'rsa', size: 2048, rsaPublicExponent: 65537 },
  { type: 'rsa', size: 3072, rsaPublicExponent: 65537 },
  { type: 'rsa', size: 4096, rsaPublicExponent: 65537 },
  { type: 'ec', size: 256 },
  { type: 'ec', size: 384 },
  { type: 'ed25519', size: 256 },
];

describe('keys', () => {
  jest.setTimeout(60_000);

  it.each(SPECS)('generates, exports, imports, signs and verifies %j', async (spec) => {
    const { privateKey, publicKey } = await generateKeyPair(spec);
    expect(keySpecOf(privateKey)).toEqual(spec);
    expect(keySpecOf(publicKey)).toEqual(spec);

    const pem = exportPrivateKeyPem(privateKey);
    expect(pem).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    const imported = importPrivateKeyPem(pem);
    expect(spkiDer(imported).equals(spkiDer(publicKey))).toBe(true);

    const data = Buffer.from('to be signed');
    const signature = await sign(data, privateKey, spec);
    const { oid } = signatureAlgorithmFor(spec);
    await expect(verify(data, signature, publicKey, oid)).resolves.toBe(true);
    await expect(verify(Buffer.from('tampered'), signature, publicKey, oid)).resolves.toBe(false);
  });

  it('chooses the signature algorithm from the issuer key', () => {
    expect(signatureAlgorithmFor({ type: 'rsa', size: 4096 })).toMatchObject({
      oid: '1.2.840.113549.1.1.11',
      params: 'NULL',
    });
    expect(signatureAlgorithmFor({ type: 'ec', size: 256 })).toMatchObject({
      oid: '1.2.840.10045.4.3.2',
      params: null,
    });
    expect(signatureAlgorithmFor({ type: 'ec', size: 384 })).toMatchObject({
      oid: '1.2.840.10045.4.3.3',
      params: null,
    });
    expect(signatureAlgorithmFor({ type: 'ed25519', size: 256 })).toMatchObject({
      oid: '1.3.101.112',
      nodeAlg: null,
    });
    expect(signatureAlgorithmFor({ type: 'rsa', size: 2048 }).der.toString('hex')).toBe(
      '300d06092a864886f70d01010b0500',
    );
  });

  it('refuses unsupported signature algorithms and mismatched keys', async () => {
    const { publicKey } = await generateKeyPair({ type: 'ec', size: 256 });
    await expect(async () =>
      verify(Buffer.alloc(1), Buffer.alloc(1), publicKey, '1.2.840.113549.1.1.10'),
    ).rejects.toThrow('Unsupported signature algorithm RSASSA-PSS');
    await expect(verify(Buffer.alloc(1), Buffer.alloc(1), publicKey, '1.2.3.4')).rejects.toThrow(
      InvalidInputError,
    );
    await expect(verify(Buffer.alloc(1), Buffer.alloc(1), publicKey, '1.2.840.113549.1.1.5')).rejects.toThrow(
      'SHA-1',
    );
    await expect(verify(Buffer.alloc(1), Buffer.alloc(1), publicKey, '1.2.840.113549.1.1.11')).resolves.toBe(
      false,
    );
  });

  it.each([
    ['rsa', 1024],
    ['rsa', null],
    ['ec', 521],
    ['ed25519', 255],
    ['dsa', 2048],
  ])('refuses key spec %s/%s', (type, size) => {
    expect(() => validateKeySpec(type, size)).toThrow(InvalidInputError);
  });

  it('accepts valid specs case-insensitively', () => {
    expect(validateKeySpec('RSA', 3072)).toEqual({ type: 'rsa', size: 3072 });
    expect(validateKeySpec('ed25519')).toEqual({ type: 'ed25519', size: 256 });
  });

  it('reads keys made by openssl and refuses unsupported ones', () => {
    const workspace = new OpensslWorkspace();
    try {
      workspace.ok(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-384', '-out', 'ec.pem']);
      workspace.ok(['ecparam', '-name', 'secp256k1', '-genkey', '-noout', '-out', 'k1.pem']);
      workspace.ok(['genpkey', '-algorithm', 'RSA', '-pkeyopt', 'rsa_keygen_bits:1024', '-out', 'small.pem']);
      workspace.ok(['genpkey', '-algorithm', 'ED448', '-out', 'ed448.pem']);
      const read = (name: string): string => readFileSync(workspace.path(name), 'utf8');
      expect(keySpecOf(importPrivateKeyPem(read('ec.pem')))).toEqual({ type: 'ec', size: 384 });
      expect(() => importPrivateKeyPem(read('k1.pem'))).toThrow('EC curve secp256k1 is not supported');
      expect(() => importPrivateKeyPem(read('small.pem'))).toThrow('RSA keys of 1024 bits are not supported');
      expect(() => importPrivateKeyPem(read('ed448.pem'))).toThrow('Unsupported key type ed448');
      expect(() => importPrivateKeyPem('not a key')).toThrow(InvalidInputError);
      expect(() => keySpecOf(createPrivateKey(read('ec.pem')))).not.toThrow();
    } finally {
      workspace.cleanup();
    }
  });
});

describe('publicKeyFromSpki', () => {
  it.each([2048, 3072, 4096])(
    'reads an RSA-%i key through its JWK form, equal to what OpenSSL decodes',
    (bits) => {
      const { publicKey } = generateKeyPairSync('rsa', { modulusLength: bits });
      const spki = publicKey.export({ type: 'spki', format: 'der' });
      const read = publicKeyFromSpki(spki);
      expect(read.equals(publicKey)).toBe(true);
      expect(read.export({ type: 'spki', format: 'der' })).toEqual(spki);
      expect(read.asymmetricKeyDetails).toMatchObject({ modulusLength: bits, publicExponent: 65537n });
    },
  );

  it('keeps a small public exponent', () => {
    const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 3 });
    const read = publicKeyFromSpki(publicKey.export({ type: 'spki', format: 'der' }));
    expect(read.asymmetricKeyDetails?.publicExponent).toBe(3n);
    expect(keySpecOf(read)).toEqual({ type: 'rsa', size: 2048, rsaPublicExponent: 3 });
  });

  it.each(['P-256', 'P-384'])(
    'reads %s keys through their JWK form, equal to what OpenSSL decodes',
    (curve) => {
      for (let attempt = 0; attempt < 50; attempt += 1) {
        const { publicKey } = generateKeyPairSync('ec', { namedCurve: curve });
        const spki = publicKey.export({ type: 'spki', format: 'der' });
        const read = publicKeyFromSpki(spki);
        expect(read.equals(publicKey)).toBe(true);
        expect(read.export({ type: 'spki', format: 'der' })).toEqual(spki);
      }
    },
  );

  it('refuses an EC point off the curve with a 400, as OpenSSL does', () => {
    const spki = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({
      type: 'spki',
      format: 'der',
    });
    spki[spki.length - 1] ^= 1;
    expect(() => publicKeyFromSpki(spki)).toThrow('The subject public key info cannot be read');
  });

  it.each([
    ['EC P-521', () => generateKeyPairSync('ec', { namedCurve: 'P-521' }).publicKey, 'uncompressed'],
    [
      'EC P-256, compressed point',
      () => generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey,
      'compressed',
    ],
    ['Ed25519', () => generateKeyPairSync('ed25519').publicKey, 'uncompressed'],
  ] as const)('reads %s keys through OpenSSL', (_name, make, pointForm) => {
    const publicKey = make();
    const spki =
      pointForm === 'compressed'
        ? compressedSpki(publicKey.export({ format: 'jwk' }))
        : publicKey.export({ type: 'spki', format: 'der' });
    expect(publicKeyFromSpki(spki).equals(publicKey)).toBe(true);
  });

  it('refuses bytes that are not a SubjectPublicKeyInfo with a 400', () => {
    expect(() => publicKeyFromSpki(Buffer.from('3003020101', 'hex'))).toThrow(InvalidInputError);
    expect(() => publicKeyFromSpki(Buffer.from('not der'))).toThrow(
      'The subject public key info cannot be read',
    );
  });
});

describe('verify: inline when cheaper than the thread pool', () => {
  const data = Buffer.from('to be signed');
  const keys = {
    rsa2048: generateKeyPairSync('rsa', { modulusLength: 2048 }),
    rsaHugeExponent: generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 4_294_967_291 }),
    p256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
    p384: generateKeyPairSync('ec', { namedCurve: 'P-384' }),
    ed25519: generateKeyPairSync('ed25519'),
  };
  const SHA256_WITH_RSA = '1.2.840.113549.1.1.11';
  const ECDSA_WITH_SHA256 = '1.2.840.10045.4.3.2';
  const ECDSA_WITH_SHA384 = '1.2.840.10045.4.3.3';
  const ED25519 = '1.3.101.112';

  it('runs RSA up to 4096 bits with an exponent up to 65537 and P-256 inline, the rest in the pool', () => {
    expect(cheaperInline(keys.rsa2048.publicKey)).toBe(true);
    expect(cheaperInline(keys.p256.publicKey)).toBe(true);
    expect(cheaperInline(keys.rsaHugeExponent.publicKey)).toBe(false);
    expect(cheaperInline(keys.p384.publicKey)).toBe(false);
    expect(cheaperInline(keys.ed25519.publicKey)).toBe(false);
  });

  it.each([
    ['RSA-2048 (inline)', keys.rsa2048, 'sha256', SHA256_WITH_RSA],
    ['RSA-2048, exponent 2^32-5 (pool)', keys.rsaHugeExponent, 'sha256', SHA256_WITH_RSA],
    ['P-256 (inline)', keys.p256, 'sha256', ECDSA_WITH_SHA256],
    ['P-384 (pool)', keys.p384, 'sha384', ECDSA_WITH_SHA384],
    ['Ed25519 (pool)', keys.ed25519, null, ED25519],
  ] as const)(
    '%s: accepts the signature and refuses it over other data or mangled',
    async (_, pair, hash, oid) => {
      const signature = nodeSign(hash, data, pair.privateKey);
      expect(await verify(data, signature, pair.publicKey, oid)).toBe(true);
      expect(await verify(Buffer.from('other data'), signature, pair.publicKey, oid)).toBe(false);
      expect(await verify(data, Buffer.from('not a signature'), pair.publicKey, oid)).toBe(false);
    },
  );

  it('answers an inline verification before the event loop turns', async () => {
    const signature = nodeSign('sha256', data, keys.p256.privateKey);
    let turned = false;
    setImmediate(() => {
      turned = true;
    });
    expect(await verify(data, signature, keys.p256.publicKey, ECDSA_WITH_SHA256)).toBe(true);
    expect(turned).toBe(false);
  });
});

describe('spkiDer', () => {
  it.each(['P-256', 'P-384'])(
    'encodes %s keys byte for byte as OpenSSL does, short coordinates included',
    (curve) => {
      let sawShortCoordinate = false;
      for (let attempt = 0; attempt < 3000 && !(sawShortCoordinate && attempt >= 200); attempt += 1) {
        const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: curve });
        const openssl = publicKey.export({ type: 'spki', format: 'der' });
        expect(spkiDer(publicKey).equals(openssl)).toBe(true);
        expect(spkiDer(privateKey).equals(openssl)).toBe(true);
        const jwk = publicKey.export({ format: 'jwk' });
        const coordinateBytes = curve === 'P-256' ? 32 : 48;
        for (const coordinate of [jwk.x ?? '', jwk.y ?? '']) {
          const bytes = Buffer.from(coordinate, 'base64url');
          if (bytes.length < coordinateBytes || bytes[0] === 0) sawShortCoordinate = true;
        }
      }
      expect(sawShortCoordinate).toBe(true);
    },
  );

  it('leaves RSA and Ed25519 keys to OpenSSL', () => {
    for (const { publicKey } of [
      generateKeyPairSync('rsa', { modulusLength: 2048 }),
      generateKeyPairSync('ed25519'),
    ]) {
      expect(spkiDer(publicKey).equals(publicKey.export({ type: 'spki', format: 'der' }))).toBe(true);
    }
  });
});

/** A P-256 SubjectPublicKeyInfo with the point in compressed form (SEC 1 2.3.3). */
function compressedSpki(jwk: JsonWebKey): Buffer {
  const y = Buffer.from(jwk.y ?? '', 'base64url');
  const prefix = Buffer.from('3039301306072a8648ce3d020106082a8648ce3d030107032200', 'hex');
  return Buffer.concat([
    prefix,
    Buffer.from([0x02 | (y[y.length - 1] & 1)]),
    Buffer.from(jwk.x ?? '', 'base64url'),
  ]);
}
