import { createHmac, generateKeyPairSync, KeyObject, sign } from 'node:crypto';
import { UnauthorizedError } from '../common/errors';
import type { KeySpec } from '../crypto/crypto.types';
import {
  CLOCK_LEEWAY_SECONDS,
  decodeRenewalToken,
  MAX_RENEWAL_TOKEN_SECONDS,
  verifyRenewalToken,
} from './renewal-token';

const AUDIENCE = 'https://ca.example/api/v1/certificates/renew';
const NOW = new Date('2030-01-01T00:00:00Z');
const NOW_S = NOW.getTime() / 1000;
const LEAF = Buffer.from('a certificate');

const b64url = (value: string | Buffer) => Buffer.from(value).toString('base64url');

interface Pair {
  privateKey: KeyObject;
  publicKey: KeyObject;
  spec: KeySpec;
}

const KEYS: Record<string, Pair> = {
  rsa: { ...generateKeyPairSync('rsa', { modulusLength: 2048 }), spec: { type: 'rsa', size: 2048 } },
  p256: { ...generateKeyPairSync('ec', { namedCurve: 'P-256' }), spec: { type: 'ec', size: 256 } },
  p384: { ...generateKeyPairSync('ec', { namedCurve: 'P-384' }), spec: { type: 'ec', size: 384 } },
  ed25519: { ...generateKeyPairSync('ed25519'), spec: { type: 'ed25519', size: 256 } },
};

function signature(alg: string, key: KeyObject, input: string): Buffer {
  const data = Buffer.from(input);
  if (alg === 'RS256') return sign('sha256', data, key);
  if (alg === 'PS256') return sign('sha256', data, { key, padding: 6, saltLength: 32 });
  if (alg === 'ES256') return sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
  if (alg === 'ES384') return sign('sha384', data, { key, dsaEncoding: 'ieee-p1363' });
  return sign(null, data, key);
}

function token(
  alg: string,
  key: KeyObject,
  claims: Record<string, unknown> = {},
  header: Record<string, unknown> = {},
): string {
  const input = `${b64url(JSON.stringify({ alg, x5c: [LEAF.toString('base64')], ...header }))}.${b64url(
    JSON.stringify({ aud: AUDIENCE, iat: NOW_S, exp: NOW_S + 60, jti: 'j1', ...claims }),
  )}`;
  return `${input}.${b64url(signature(alg, key, input))}`;
}

function check(text: string, pair: Pair) {
  return verifyRenewalToken(decodeRenewalToken(text), pair.publicKey, pair.spec, {
    audience: AUDIENCE,
    now: NOW,
  });
}

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(UnauthorizedError);
    return (error as Error).message;
  }
  throw new Error('not refused');
}

describe('renewal tokens', () => {
  it.each([
    ['RS256', 'rsa'],
    ['PS256', 'rsa'],
    ['ES256', 'p256'],
    ['ES384', 'p384'],
    ['EdDSA', 'ed25519'],
  ])('accepts %s from a %s key, and tells its jti and until when it counts', (alg, key) => {
    const pair = KEYS[key];
    expect(check(token(alg, pair.privateKey), pair)).toEqual({
      jti: 'j1',
      expiresAt: new Date((NOW_S + 60 + CLOCK_LEEWAY_SECONDS) * 1000),
    });
    expect(decodeRenewalToken(token(alg, pair.privateKey)).chain).toEqual([LEAF]);
  });

  it('refuses none, HMAC and unknown algorithms before anything else', () => {
    const [header, payload] = token('ES256', KEYS.p256.privateKey).split('.');
    const unsecured = `${b64url(JSON.stringify({ alg: 'none', x5c: [LEAF.toString('base64')] }))}.${payload}.`;
    expect(refusal(() => decodeRenewalToken(unsecured))).toMatch(/alg "none" is not accepted/);
    const hs = `${b64url(JSON.stringify({ alg: 'HS256', x5c: [] }))}.${payload}`;
    const hmac = createHmac('sha256', KEYS.p256.publicKey.export({ type: 'spki', format: 'der' }))
      .update(hs)
      .digest();
    expect(refusal(() => decodeRenewalToken(`${hs}.${b64url(hmac)}`))).toMatch(/alg "HS256" is not accepted/);
    for (const alg of ['RS512', 'ES512', 'PS384', 'none ', 'es256']) {
      expect(refusal(() => decodeRenewalToken(token('ES256', KEYS.p256.privateKey, {}, { alg })))).toContain(
        `alg ${JSON.stringify(alg)} is not accepted`,
      );
    }
    expect(header).toBeDefined();
  });

  it('refuses an algorithm that does not fit the key, naming the ones that do', () => {
    expect(refusal(() => check(token('ES256', KEYS.p384.privateKey), KEYS.p384))).toBe(
      "Renewal token refused: alg ES256 does not fit the certificate's EC P-384 key (use ES384)",
    );
    expect(refusal(() => check(token('ES256', KEYS.p256.privateKey), KEYS.rsa))).toMatch(
      /use RS256 or PS256/,
    );
    expect(refusal(() => check(token('EdDSA', KEYS.ed25519.privateKey), KEYS.p256))).toMatch(/use ES256/);
  });

  it('refuses a signature by another key, a bent one, and a DER ECDSA signature', () => {
    expect(
      refusal(() =>
        check(token('ES256', KEYS.p256.privateKey), { ...KEYS.p256, publicKey: KEYS.rsa.publicKey }),
      ),
    ).toMatch(/signature does not verify/);
    const good = token('EdDSA', KEYS.ed25519.privateKey);
    const bytes = Buffer.from(good.slice(good.lastIndexOf('.') + 1), 'base64url');
    bytes[0] ^= 0x80;
    const bent = `${good.slice(0, good.lastIndexOf('.'))}.${b64url(bytes)}`;
    expect(refusal(() => check(bent, KEYS.ed25519))).toMatch(/signature does not verify/);
    const es = token('ES256', KEYS.p256.privateKey);
    const input = es.slice(0, es.lastIndexOf('.'));
    const der = sign('sha256', Buffer.from(input), KEYS.p256.privateKey);
    expect(refusal(() => check(`${input}.${b64url(der)}`, KEYS.p256))).toMatch(/signature does not verify/);
  });

  it('checks aud, iat, exp, nbf and jti', () => {
    const pair = KEYS.p256;
    const refused = (claims: Record<string, unknown>) =>
      refusal(() => check(token('ES256', pair.privateKey, claims), pair));
    expect(refused({ aud: 'https://ca.example/api/v1' })).toContain(`claim "aud" must be ${AUDIENCE}`);
    expect(refused({ aud: undefined })).toContain('(got null)');
    expect(refused({ exp: NOW_S - CLOCK_LEEWAY_SECONDS, iat: NOW_S - 100 })).toContain(
      'it expired at 2029-12-31T23:59:00.000Z',
    );
    expect(refused({ exp: NOW_S + MAX_RENEWAL_TOKEN_SECONDS + 1 })).toContain('it lives 301 s');
    expect(refused({ iat: NOW_S + CLOCK_LEEWAY_SECONDS + 1, exp: NOW_S + 100 })).toContain(
      'issued in the future',
    );
    expect(refused({ nbf: NOW_S + CLOCK_LEEWAY_SECONDS + 1 })).toContain('not valid before');
    expect(refused({ nbf: 'soon' })).toContain(
      'claim "nbf" must be a NumericDate (seconds since 1970) when present',
    );
    expect(refused({ jti: '' })).toContain('claim "jti" must be a string');
    expect(refused({ jti: 'x'.repeat(257) })).toContain(
      'claim "jti" must be a string of 1 to 256 characters',
    );
    // Exactly the longest lifetime, and clocks a little apart, pass.
    expect(check(token('ES256', pair.privateKey, { exp: NOW_S + MAX_RENEWAL_TOKEN_SECONDS }), pair).jti).toBe(
      'j1',
    );
    expect(
      check(token('ES256', pair.privateKey, { iat: NOW_S + 30, exp: NOW_S + 90, nbf: NOW_S + 30 }), pair).jti,
    ).toBe('j1');
  });

  it('refuses what is not a JWS with x5c', () => {
    const key = KEYS.p256.privateKey;
    expect(refusal(() => decodeRenewalToken('a.b'))).toMatch(/not a signed JWT/);
    expect(refusal(() => decodeRenewalToken('a.b.c.d'))).toMatch(/not a signed JWT/);
    expect(refusal(() => decodeRenewalToken('x'.repeat(20_000)))).toMatch(/longer than 16384/);
    expect(refusal(() => decodeRenewalToken(`${b64url('[1]')}.e30.c2ln`))).toMatch(
      /header is not a JSON object/,
    );
    expect(refusal(() => decodeRenewalToken(token('ES256', key, {}, { x5c: undefined })))).toMatch(
      /no "x5c"/,
    );
    expect(refusal(() => decodeRenewalToken(token('ES256', key, {}, { x5c: [] })))).toMatch(/no "x5c"/);
    expect(refusal(() => decodeRenewalToken(token('ES256', key, {}, { x5c: 'MII' })))).toMatch(/no "x5c"/);
    expect(refusal(() => decodeRenewalToken(token('ES256', key, {}, { x5c: ['a-b_'] })))).toMatch(
      /x5c\[0\] is not base64 DER/,
    );
    expect(
      refusal(() => decodeRenewalToken(token('ES256', key, {}, { x5c: new Array(11).fill('AA==') }))),
    ).toMatch(/more than 10 certificates/);
    expect(refusal(() => decodeRenewalToken(token('ES256', key, {}, { crit: ['b64'] })))).toMatch(/"crit"/);
    const [header, , sig] = token('ES256', key).split('.');
    expect(refusal(() => decodeRenewalToken(`${header}.${b64url('"text"')}.${sig}`))).toMatch(
      /payload is not a JSON object/,
    );
  });
});
