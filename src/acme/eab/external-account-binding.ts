import { createSecretKey } from 'node:crypto';
import { flattenedVerify, JWK } from 'jose';
import { AcmeProblem } from '../acme-problem';
import { decodePayload, FlattenedJws, parseFlattenedJws, publicMembers } from '../jws/acme-jws';

/** The MAC algorithms of an external account binding (RFC 8555 7.3.4; RFC 7518 3.2). */
export const EAB_ALGORITHMS = ['HS256', 'HS384', 'HS512'] as const;

/** The inner JWS of newAccount's externalAccountBinding, its header checked (not yet its MAC). */
export interface ExternalAccountBinding {
  jws: FlattenedJws;
  kid: string;
  alg: (typeof EAB_ALGORITHMS)[number];
}

/**
 * RFC 8555 7.3.4: a JWS MACed with the EAB key, `kid` the EAB key id, `url` the newAccount URL, no
 * nonce, and as payload the account key of the outer JWS.
 */
export function parseExternalAccountBinding(
  value: unknown,
  newAccountUrl: string,
  accountJwk: JWK,
): ExternalAccountBinding {
  const jws = parseFlattenedJws(value);
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(Buffer.from(jws.protected, 'base64url').toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new AcmeProblem('malformed', 'externalAccountBinding: the protected header is not JSON');
  }
  if (typeof header !== 'object' || header === null) {
    throw new AcmeProblem('malformed', 'externalAccountBinding: the protected header is not a JSON object');
  }
  const alg = header.alg;
  if (typeof alg !== 'string' || !(EAB_ALGORITHMS as readonly string[]).includes(alg)) {
    throw new AcmeProblem(
      'badSignatureAlgorithm',
      `externalAccountBinding: algorithm ${JSON.stringify(alg ?? null)} is not accepted; use one of ${EAB_ALGORITHMS.join(', ')}`,
      { algorithms: [...EAB_ALGORITHMS] },
    );
  }
  if (typeof header.kid !== 'string' || header.kid === '') {
    throw new AcmeProblem(
      'malformed',
      'externalAccountBinding: the protected header has no "kid" (the EAB key id)',
    );
  }
  if (header.nonce !== undefined) {
    throw new AcmeProblem(
      'malformed',
      'externalAccountBinding: the inner JWS must not have a nonce (RFC 8555 7.3.4)',
    );
  }
  if (header.url !== newAccountUrl) {
    throw new AcmeProblem(
      'malformed',
      `externalAccountBinding: "url" must be the newAccount URL ${newAccountUrl}`,
    );
  }
  const payload = decodePayload(jws.payload);
  if (typeof payload !== 'object' || payload === null || !sameKey(payload as JWK, accountJwk)) {
    throw new AcmeProblem(
      'malformed',
      'externalAccountBinding: its payload is not the account key of the request (the outer "jwk")',
    );
  }
  return { jws, kid: header.kid, alg: alg as ExternalAccountBinding['alg'] };
}

export async function verifyExternalAccountBinding(
  binding: ExternalAccountBinding,
  hmacKey: Buffer,
): Promise<boolean> {
  try {
    await flattenedVerify(binding.jws, createSecretKey(hmacKey), { algorithms: [binding.alg] });
    return true;
  } catch {
    return false;
  }
}

function sameKey(a: JWK, b: JWK): boolean {
  return JSON.stringify(publicMembers(a)) === JSON.stringify(publicMembers(b));
}
