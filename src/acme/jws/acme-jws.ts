import { createPublicKey, KeyObject } from 'node:crypto';
import { base64url, calculateJwkThumbprint, flattenedVerify, JWK } from 'jose';
import { AcmeProblem } from '../acme-problem';

/** The signature algorithms accepted for ACME requests (RFC 8555 6.2: no `none`, no MAC). */
export const ACME_ALGORITHMS = ['RS256', 'ES256', 'ES384', 'EdDSA'] as const;
export type AcmeAlgorithm = (typeof ACME_ALGORITHMS)[number];

/** A flattened JWS JSON serialization (RFC 7515 7.2.2), the body of every ACME POST. */
export interface FlattenedJws {
  protected: string;
  payload: string;
  signature: string;
}

/** The protected header fields ACME reads (RFC 8555 6.2). */
export interface AcmeProtectedHeader {
  alg: AcmeAlgorithm;
  nonce?: string;
  url: string;
  jwk?: JWK;
  kid?: string;
}

const MIN_RSA_BITS = 2048;

/** The body as a flattened JWS, or `malformed` naming what is wrong with it. */
export function parseFlattenedJws(body: unknown): FlattenedJws {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    throw new AcmeProblem(
      'malformed',
      'The request body must be a JWS in flattened JSON serialization (Content-Type: application/jose+json)',
    );
  }
  const record = body as Record<string, unknown>;
  if ('signatures' in record) {
    throw new AcmeProblem(
      'malformed',
      'A JWS with several signatures is not accepted: use the flattened serialization',
    );
  }
  if ('header' in record) {
    throw new AcmeProblem('malformed', 'The JWS must not have an unprotected header (RFC 8555 6.2)');
  }
  for (const field of ['protected', 'payload', 'signature'] as const) {
    if (typeof record[field] !== 'string') {
      throw new AcmeProblem('malformed', `The JWS has no "${field}" string`);
    }
    if (!/^[A-Za-z0-9_-]*$/.test(record[field])) {
      throw new AcmeProblem('malformed', `The JWS "${field}" is not base64url`);
    }
  }
  return {
    protected: record.protected as string,
    payload: record.payload as string,
    signature: record.signature as string,
  };
}

/** The protected header, checked for the fields every ACME request needs (signature not yet checked). */
export function parseProtectedHeader(jws: FlattenedJws): AcmeProtectedHeader {
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(jws.protected, 'base64url').toString('utf8'));
  } catch {
    throw new AcmeProblem('malformed', 'The JWS protected header is not base64url-encoded JSON');
  }
  if (typeof header !== 'object' || header === null || Array.isArray(header)) {
    throw new AcmeProblem('malformed', 'The JWS protected header is not a JSON object');
  }
  const fields = header as Record<string, unknown>;
  if (typeof fields.alg !== 'string' || !(ACME_ALGORITHMS as readonly string[]).includes(fields.alg)) {
    throw new AcmeProblem(
      'badSignatureAlgorithm',
      `The JWS algorithm ${JSON.stringify(fields.alg ?? null)} is not accepted; use one of ${ACME_ALGORITHMS.join(', ')}`,
      { algorithms: [...ACME_ALGORITHMS] },
    );
  }
  if (typeof fields.url !== 'string') {
    throw new AcmeProblem('malformed', 'The JWS protected header has no "url" (RFC 8555 6.4)');
  }
  if (fields.nonce !== undefined && typeof fields.nonce !== 'string') {
    throw new AcmeProblem('badNonce', 'The JWS "nonce" must be a string');
  }
  const hasJwk = fields.jwk !== undefined;
  const hasKid = fields.kid !== undefined;
  if (hasJwk === hasKid) {
    throw new AcmeProblem(
      'malformed',
      'The JWS protected header must have exactly one of "jwk" and "kid" (RFC 8555 6.2)',
    );
  }
  if (hasKid && typeof fields.kid !== 'string') {
    throw new AcmeProblem('malformed', 'The JWS "kid" must be the account URL, a string');
  }
  if (hasJwk && (typeof fields.jwk !== 'object' || fields.jwk === null || Array.isArray(fields.jwk))) {
    throw new AcmeProblem('malformed', 'The JWS "jwk" must be a JSON Web Key object');
  }
  if (Array.isArray(fields.crit) || fields.b64 !== undefined) {
    throw new AcmeProblem('malformed', 'The JWS must not use "crit" or "b64"');
  }
  return {
    alg: fields.alg as AcmeAlgorithm,
    url: fields.url,
    nonce: fields.nonce as string | undefined,
    jwk: hasJwk ? (fields.jwk as JWK) : undefined,
    kid: hasKid ? (fields.kid as string) : undefined,
  };
}

/**
 * The public key of a JWK, which must fit the algorithm: RS256 an RSA key of at least 2048 bits,
 * ES256 P-256, ES384 P-384, EdDSA Ed25519. A private key in the JWK is refused (the client leaked it).
 */
export function publicKeyOf(jwk: JWK, alg: AcmeAlgorithm): KeyObject {
  if (jwk.d !== undefined || jwk.p !== undefined || jwk.k !== undefined) {
    throw new AcmeProblem(
      'badPublicKey',
      'The JWK carries private or symmetric key material: send the public key only',
    );
  }
  const expected: Record<AcmeAlgorithm, { kty: string; crv?: string }> = {
    RS256: { kty: 'RSA' },
    ES256: { kty: 'EC', crv: 'P-256' },
    ES384: { kty: 'EC', crv: 'P-384' },
    EdDSA: { kty: 'OKP', crv: 'Ed25519' },
  };
  const want = expected[alg];
  if (jwk.kty !== want.kty || (want.crv !== undefined && jwk.crv !== want.crv)) {
    throw new AcmeProblem(
      'badPublicKey',
      `A ${alg} signature needs a ${want.kty}${want.crv ? ` ${want.crv}` : ''} key; the JWK is ${jwk.kty ?? '?'}${jwk.crv ? ` ${jwk.crv}` : ''}`,
    );
  }
  let key: KeyObject;
  try {
    key = createPublicKey({ key: { ...publicMembers(jwk) }, format: 'jwk' });
  } catch {
    throw new AcmeProblem('badPublicKey', 'The JWK is not a valid public key');
  }
  if (alg === 'RS256') {
    const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
    if (bits < MIN_RSA_BITS) {
      throw new AcmeProblem(
        'badPublicKey',
        `The RSA account key has ${bits} bits; at least ${MIN_RSA_BITS} are needed`,
      );
    }
  }
  return key;
}

/** The members of a public JWK (RFC 7638 3.2 for the thumbprint; the rest is not stored). */
export function publicMembers(jwk: JWK): JWK {
  switch (jwk.kty) {
    case 'RSA':
      return { kty: 'RSA', n: jwk.n, e: jwk.e };
    case 'EC':
      return { kty: 'EC', crv: jwk.crv, x: jwk.x, y: jwk.y };
    default:
      return { kty: jwk.kty, crv: jwk.crv, x: jwk.x };
  }
}

/** RFC 7638 SHA-256 thumbprint, base64url: what key authorizations are made of and accounts are found by. */
export function jwkThumbprint(jwk: JWK): Promise<string> {
  return calculateJwkThumbprint(publicMembers(jwk), 'sha256');
}

/** The thumbprint of a client-sent value that should be a JWK; null when it is none (jose throws for those). */
export async function thumbprintOf(value: unknown): Promise<string | null> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return null;
  try {
    return await jwkThumbprint(value as JWK);
  } catch {
    return null;
  }
}

/** The verified payload: null for POST-as-GET (an empty payload, RFC 8555 6.3), else its JSON. */
export async function verifiedPayload(
  jws: FlattenedJws,
  key: KeyObject,
  alg: AcmeAlgorithm,
): Promise<unknown> {
  try {
    await flattenedVerify(jws, key, { algorithms: [alg] });
  } catch {
    throw new AcmeProblem('malformed', 'The JWS signature does not verify with the key it names', {
      status: 400,
    });
  }
  return decodePayload(jws.payload);
}

export function decodePayload(payload: string): unknown {
  if (payload === '') return null;
  const text = Buffer.from(base64url.decode(payload)).toString('utf8');
  if (text.includes('\u0000')) throw new AcmeProblem('malformed', 'The JWS payload contains a NUL character');
  try {
    return JSON.parse(text);
  } catch {
    throw new AcmeProblem('malformed', 'The JWS payload is not JSON');
  }
}
