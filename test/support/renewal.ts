import { createHmac, createPrivateKey, KeyObject, randomUUID, sign } from 'node:crypto';
import { pemBlocks } from './pki';

/** What a renewal token is made of; every field may be bent to make a token the service must refuse. */
export interface RenewalTokenInput {
  /** The certificate's private key (PEM). */
  keyPem: string;
  /** The certificate, then optionally its CA chain (PEM blocks in one text). */
  chainPem: string;
  audience: string;
  alg?: string;
  /** Seconds since 1970; default now. */
  iat?: number;
  /** Seconds since 1970; default iat + 120. */
  exp?: number;
  nbf?: number;
  jti?: string;
  /** Extra header fields, or header fields left out (value undefined). */
  header?: Record<string, unknown>;
  /** Extra or replaced claims (value undefined: left out). */
  claims?: Record<string, unknown>;
}

/** The renew route's audience under the test app's PUBLIC_BASE_URL. */
export const TEST_RENEW_AUDIENCE = 'http://pki.test/api/v1/certificates/renew';

const base64url = (value: Buffer | string) => Buffer.from(value).toString('base64url');

/** The DER of each PEM certificate, base64 (not base64url: RFC 7515 §4.1.6). */
export function x5cOf(chainPem: string): string[] {
  return pemBlocks(chainPem).map((block) => block.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, ''));
}

function defaultAlg(key: KeyObject): string {
  if (key.asymmetricKeyType === 'rsa') return 'RS256';
  if (key.asymmetricKeyType === 'ed25519') return 'EdDSA';
  return key.asymmetricKeyDetails?.namedCurve === 'secp384r1' ? 'ES384' : 'ES256';
}

/** A JWS signed as RFC 7518 says for `alg` (ES*: R || S; PS256: salt of 32 bytes; none: no signature). */
export function signJws(alg: string, key: KeyObject, input: string): Buffer {
  const data = Buffer.from(input);
  switch (alg) {
    case 'RS256':
      return sign('sha256', data, key);
    case 'PS256':
      return sign('sha256', data, { key, padding: 6 /* RSA_PKCS1_PSS_PADDING */, saltLength: 32 });
    case 'ES256':
      return sign('sha256', data, { key, dsaEncoding: 'ieee-p1363' });
    case 'ES384':
      return sign('sha384', data, { key, dsaEncoding: 'ieee-p1363' });
    case 'EdDSA':
      return sign(null, data, key);
    case 'none':
      return Buffer.alloc(0);
    default:
      throw new Error(`no signer for ${alg}`);
  }
}

/** A renewal token as the docs describe it (docs/renewal.md), or bent as `input` says. */
export function renewalToken(input: RenewalTokenInput): string {
  const key = createPrivateKey(input.keyPem);
  const alg = input.alg ?? defaultAlg(key);
  const iat = input.iat ?? Math.floor(Date.now() / 1000);
  const header = withoutUndefined({ alg, typ: 'JWT', x5c: x5cOf(input.chainPem), ...input.header });
  const claims = withoutUndefined({
    aud: input.audience,
    iat,
    exp: input.exp ?? iat + 120,
    ...(input.nbf === undefined ? {} : { nbf: input.nbf }),
    jti: input.jti ?? randomUUID(),
    ...input.claims,
  });
  const signingInput = `${base64url(JSON.stringify(header))}.${base64url(JSON.stringify(claims))}`;
  return `${signingInput}.${base64url(signJws(alg, key, signingInput))}`;
}

/** An HS256 JWT whose HMAC key is `secret`: what an attacker makes of a public key (alg confusion). */
export function hs256Token(
  header: Record<string, unknown>,
  claims: Record<string, unknown>,
  secret: Buffer,
): string {
  const signingInput = `${base64url(JSON.stringify({ ...header, alg: 'HS256' }))}.${base64url(JSON.stringify(claims))}`;
  return `${signingInput}.${base64url(createHmac('sha256', secret).update(signingInput).digest())}`;
}

function withoutUndefined(record: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(record).filter(([, value]) => value !== undefined));
}
