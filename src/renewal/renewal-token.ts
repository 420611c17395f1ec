import { constants, KeyObject, verify } from 'node:crypto';
import { UnauthorizedError } from '../common/errors';
import type { KeySpec, KeyType } from '../crypto/crypto.types';

/**
 * The proof a renewal is sent with (step-ca's X5C style): a JWS compact serialisation (RFC 7515)
 * signed with the current certificate's private key, that certificate first in its `x5c` header. Pure:
 * no database, no clock but the one given. Every refusal is a 401 saying what is wrong.
 */

/** A renewal token lives this long at the most (exp − iat): it is made for one call, just before it. */
export const MAX_RENEWAL_TOKEN_SECONDS = 300;
/** Clock difference tolerated between the client and the service, on exp, nbf and iat. */
export const CLOCK_LEEWAY_SECONDS = 60;
/** More would be a chain no CA of this service has; the header also has to fit in an HTTP header. */
const MAX_X5C_CERTIFICATES = 10;
const MAX_TOKEN_LENGTH = 16_384;
const MAX_JTI_LENGTH = 256;

interface Algorithm {
  keyType: KeyType;
  /** For EC keys: the curve's size; a P-384 key signs ES384, never ES256. */
  keySize?: number;
  verify(input: Buffer, key: KeyObject, signature: Buffer): boolean;
}

/** RFC 7518 §3.1: the algorithms a key of each type this service issues signs with. */
const ALGORITHMS: Readonly<Record<string, Algorithm>> = {
  RS256: { keyType: 'rsa', verify: (input, key, signature) => verify('sha256', input, key, signature) },
  PS256: {
    keyType: 'rsa',
    // RFC 7518 §3.5: MGF1 with SHA-256 and a salt as long as the hash.
    verify: (input, key, signature) =>
      verify('sha256', input, { key, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }, signature),
  },
  ES256: { keyType: 'ec', keySize: 256, verify: ecdsa('sha256', 64) },
  ES384: { keyType: 'ec', keySize: 384, verify: ecdsa('sha384', 96) },
  EdDSA: { keyType: 'ed25519', verify: (input, key, signature) => verify(null, input, key, signature) },
};

/** RFC 7518 §3.4: the signature is R || S, each as long as the curve, not the DER of X9.62. */
function ecdsa(hash: string, length: number): Algorithm['verify'] {
  return (input, key, signature) =>
    signature.length === length && verify(hash, input, { key, dsaEncoding: 'ieee-p1363' }, signature);
}

export const RENEWAL_ALGORITHMS: readonly string[] = Object.keys(ALGORITHMS);

/** A token taken apart, nothing about it trusted yet. */
export interface DecodedRenewalToken {
  alg: string;
  /** x5c, decoded: the certificate the token claims to prove, then the CAs above it. */
  chain: Buffer[];
  claims: Readonly<Record<string, unknown>>;
  signingInput: Buffer;
  signature: Buffer;
}

/** What a verified token tells: which token it is (jti) and until when it could be used. */
export interface RenewalProof {
  jti: string;
  expiresAt: Date;
}

export interface RenewalTokenExpectations {
  /** The renew route's public URL: a token made for anything else is refused. */
  audience: string;
  now: Date;
}

function refuse(reason: string): never {
  throw new UnauthorizedError(`Renewal token refused: ${reason}`);
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

function jsonObject(segment: string, what: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(segment, 'base64url').toString('utf8'));
  } catch {
    refuse(`its ${what} is not base64url JSON`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    refuse(`its ${what} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}

/**
 * The parts of `Bearer <token>`: a JWS of three base64url parts, its header naming one of
 * RENEWAL_ALGORITHMS (never `none`, never an HMAC) and carrying `x5c`.
 */
export function decodeRenewalToken(token: string): DecodedRenewalToken {
  if (token.length > MAX_TOKEN_LENGTH) refuse(`it is longer than ${MAX_TOKEN_LENGTH} characters`);
  const parts = token.split('.');
  // The signature may be empty (an unsecured JWS, alg none): refused below for its alg.
  if (
    parts.length !== 3 ||
    !BASE64URL.test(parts[0]) ||
    !BASE64URL.test(parts[1]) ||
    !/^[A-Za-z0-9_-]*$/.test(parts[2])
  ) {
    refuse('it is not a signed JWT (three base64url parts separated by ".")');
  }
  const [headerPart, payloadPart, signaturePart] = parts;
  const header = jsonObject(headerPart, 'header');
  const { alg, x5c, crit } = header;
  if (typeof alg !== 'string' || !(alg in ALGORITHMS)) {
    refuse(
      `alg ${JSON.stringify(alg ?? null)} is not accepted: sign with the certificate's private key ` +
        `(${RENEWAL_ALGORITHMS.join(', ')})`,
    );
  }
  // RFC 7515 §4.1.11: an extension the recipient must understand; this service understands none.
  if (crit !== undefined) refuse('its header has "crit", and no extension is understood here');
  if (!Array.isArray(x5c) || x5c.length === 0) {
    refuse('its header has no "x5c" (the certificate to renew, then its CAs, base64 DER)');
  }
  if (x5c.length > MAX_X5C_CERTIFICATES) refuse(`x5c has more than ${MAX_X5C_CERTIFICATES} certificates`);
  const chain = x5c.map((entry: unknown, index) => {
    if (typeof entry !== 'string' || !BASE64.test(entry)) refuse(`x5c[${index}] is not base64 DER`);
    return Buffer.from(entry, 'base64');
  });
  return {
    alg,
    chain,
    claims: jsonObject(payloadPart, 'payload'),
    signingInput: Buffer.from(`${headerPart}.${payloadPart}`, 'ascii'),
    signature: Buffer.from(signaturePart, 'base64url'),
  };
}

/**
 * Checks that `token` was signed by `publicKey` (the certificate's, whose spec is `keySpec`) with an
 * algorithm of its key type, for `audience`, and is current and short: iat and exp required, exp at
 * most MAX_RENEWAL_TOKEN_SECONDS after iat, nbf honoured when present, a jti to remember.
 */
export function verifyRenewalToken(
  token: DecodedRenewalToken,
  publicKey: KeyObject,
  keySpec: KeySpec,
  expected: RenewalTokenExpectations,
): RenewalProof {
  const algorithm = ALGORITHMS[token.alg];
  if (algorithm.keyType !== keySpec.type || (algorithm.keySize ?? keySpec.size) !== keySpec.size) {
    const fitting = RENEWAL_ALGORITHMS.filter((name) => {
      const candidate = ALGORITHMS[name];
      return candidate.keyType === keySpec.type && (candidate.keySize ?? keySpec.size) === keySpec.size;
    });
    refuse(
      `alg ${token.alg} does not fit the certificate's ${keyName(keySpec)} key (use ${fitting.join(' or ')})`,
    );
  }
  let valid = false;
  try {
    valid = algorithm.verify(token.signingInput, publicKey, token.signature);
  } catch {
    valid = false;
  }
  if (!valid) refuse("its signature does not verify with the certificate's public key");
  return checkedClaims(token.claims, expected);
}

function keyName(spec: KeySpec): string {
  if (spec.type === 'rsa') return `RSA ${spec.size}-bit`;
  if (spec.type === 'ec') return `EC P-${spec.size}`;
  return 'Ed25519';
}

function numericDate(
  claims: Readonly<Record<string, unknown>>,
  name: string,
  required: boolean,
): number | null {
  const value = claims[name];
  if (value === undefined && !required) return null;
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    refuse(`claim "${name}" must be a NumericDate (seconds since 1970)${required ? '' : ' when present'}`);
  }
  return value;
}

function checkedClaims(
  claims: Readonly<Record<string, unknown>>,
  { audience, now }: RenewalTokenExpectations,
): RenewalProof {
  const { aud, jti } = claims;
  const audiences = Array.isArray(aud) ? aud : [aud];
  if (!audiences.includes(audience)) {
    refuse(`claim "aud" must be ${audience} (got ${JSON.stringify(aud ?? null)})`);
  }
  const seconds = now.getTime() / 1000;
  const issuedAt = numericDate(claims, 'iat', true) ?? 0;
  const expiresAt = numericDate(claims, 'exp', true) ?? 0;
  const notBefore = numericDate(claims, 'nbf', false);
  if (expiresAt <= issuedAt) refuse('"exp" is not after "iat"');
  if (expiresAt - issuedAt > MAX_RENEWAL_TOKEN_SECONDS) {
    refuse(
      `it lives ${Math.round(expiresAt - issuedAt)} s (exp − iat); at most ${MAX_RENEWAL_TOKEN_SECONDS} s`,
    );
  }
  if (expiresAt + CLOCK_LEEWAY_SECONDS <= seconds) {
    refuse(`it expired at ${new Date(expiresAt * 1000).toISOString()}`);
  }
  if (issuedAt - CLOCK_LEEWAY_SECONDS > seconds) {
    refuse(`it was issued in the future (iat ${new Date(issuedAt * 1000).toISOString()})`);
  }
  if (notBefore !== null && notBefore - CLOCK_LEEWAY_SECONDS > seconds) {
    refuse(`it is not valid before ${new Date(notBefore * 1000).toISOString()}`);
  }
  if (typeof jti !== 'string' || jti.length === 0 || jti.length > MAX_JTI_LENGTH) {
    refuse(`claim "jti" must be a string of 1 to ${MAX_JTI_LENGTH} characters, new for every token`);
  }
  // Remembered as long as the token could be accepted.
  return { jti, expiresAt: new Date((expiresAt + CLOCK_LEEWAY_SECONDS) * 1000) };
}
