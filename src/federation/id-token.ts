import { Injectable } from '@nestjs/common';
import { decodeJwt, decodeProtectedHeader, errors, JWTPayload, jwtVerify, JWTVerifyGetKey } from 'jose';
import { InvalidGrantError } from '../common/errors';
import { IssuerKeys } from './issuer-keys';

/**
 * The signature algorithms an ID token may use: asymmetric ones only. `none` proves nothing, and an
 * HMAC "signed" with the issuer's public key (which anyone can fetch) is the classic RS/HS confusion.
 */
const ACCEPTED_ALGORITHMS = [
  'RS256',
  'RS384',
  'RS512',
  'PS256',
  'PS384',
  'PS512',
  'ES256',
  'ES384',
  'ES512',
  'EdDSA',
];

/** Issuer and verifier clocks differ a little; GitHub backdates nbf for the same reason. */
const CLOCK_TOLERANCE_SECONDS = 30;

/** What the token says before anything is verified: enough to find the trust policies that could accept it. */
export interface UnverifiedIdToken {
  issuer: string;
  audiences: string[];
}

/** A verified ID token: its claims, and when it expires. */
export interface VerifiedIdToken {
  claims: JWTPayload;
  expiresAt: Date;
}

function refuse(reason: string): never {
  throw new InvalidGrantError(`subject_token refused: ${reason}`);
}

/** The header and the issuer and audiences of a compact JWS, refused early when it cannot be an ID token. */
export function readUnverified(token: string): UnverifiedIdToken {
  let header: ReturnType<typeof decodeProtectedHeader>;
  let payload: JWTPayload;
  try {
    header = decodeProtectedHeader(token);
    payload = decodeJwt(token);
  } catch {
    refuse('it is not a signed JWT (header.payload.signature, base64url JSON)');
  }
  if (token.split('.').length !== 3) refuse('it is not a signed JWT (header.payload.signature)');
  const alg = String(header.alg ?? '');
  if (!ACCEPTED_ALGORITHMS.includes(alg)) {
    refuse(
      `its algorithm "${alg}" is not accepted; an ID token is signed with its issuer's private key ` +
        `(${ACCEPTED_ALGORITHMS.join(', ')})`,
    );
  }
  if (typeof payload.iss !== 'string' || payload.iss === '') refuse('it has no "iss" (issuer) claim');
  const audiences = typeof payload.aud === 'string' ? [payload.aud] : (payload.aud ?? []);
  if (
    !Array.isArray(audiences) ||
    audiences.length === 0 ||
    audiences.some((aud) => typeof aud !== 'string')
  ) {
    refuse('it has no "aud" (audience) claim');
  }
  return { issuer: payload.iss, audiences };
}

/**
 * Verifies an ID token's signature with its issuer's published keys (fetched again once when the
 * token names a key the cached set lacks: the issuer rotated), its `iss`, and its validity (`exp`
 * required; `nbf` and `iat` when present), each refusal a 401 saying which check failed.
 */
@Injectable()
export class IdTokenVerifier {
  constructor(private readonly keys: IssuerKeys) {}

  async verify(token: string, issuer: string): Promise<VerifiedIdToken> {
    let claims: JWTPayload;
    try {
      claims = await this.verifyWith(token, issuer, await this.keys.keysOf(issuer));
    } catch (error) {
      if (!(error instanceof errors.JWKSNoMatchingKey)) throw refusal(error, token);
      const refetched = await this.keys.refetchedKeysOf(issuer);
      if (refetched === null) throw refusal(error, token);
      try {
        claims = await this.verifyWith(token, issuer, refetched);
      } catch (again) {
        throw refusal(again, token);
      }
    }
    if (typeof claims.exp !== 'number') refuse('it has no "exp" (expiry) claim');
    return { claims, expiresAt: new Date(claims.exp * 1000) };
  }

  private async verifyWith(token: string, issuer: string, keys: JWTVerifyGetKey): Promise<JWTPayload> {
    const { payload } = await jwtVerify(token, keys, {
      issuer,
      algorithms: ACCEPTED_ALGORITHMS,
      clockTolerance: CLOCK_TOLERANCE_SECONDS,
      requiredClaims: ['exp'],
    });
    return payload;
  }
}

/** The 401 for a failed verification, naming the check (errors other than jose's are rethrown as they are). */
function refusal(error: unknown, token: string): unknown {
  const at = (seconds: unknown) =>
    typeof seconds === 'number' ? new Date(seconds * 1000).toISOString() : String(seconds);
  let payload: JWTPayload = {};
  try {
    payload = decodeJwt(token);
  } catch {
    // the header was read before; the payload is only for the message
  }
  if (error instanceof errors.JWTExpired)
    return new InvalidGrantError(`subject_token refused: it expired at ${at(payload.exp)}`);
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'nbf') {
      return new InvalidGrantError(`subject_token refused: it is not valid before ${at(payload.nbf)}`);
    }
    if (error.claim === 'iat') {
      return new InvalidGrantError(`subject_token refused: it was issued in the future (${at(payload.iat)})`);
    }
    return new InvalidGrantError(
      `subject_token refused: claim "${error.claim}" ${error.reason.replace(/_/g, ' ')}`,
    );
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    let kid = '';
    try {
      kid = String(decodeProtectedHeader(token).kid ?? '');
    } catch {
      // unreachable: the header was read before
    }
    return new InvalidGrantError(
      kid
        ? `subject_token refused: its key id "${kid}" is not in the issuer's JWKS`
        : "subject_token refused: it names no key id and no single key of the issuer's JWKS fits",
    );
  }
  if (error instanceof errors.JWKSMultipleMatchingKeys) {
    return new InvalidGrantError(
      "subject_token refused: it names no key id and several keys of the issuer's JWKS fit",
    );
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return new InvalidGrantError(
      "subject_token refused: its signature does not verify with the issuer's key",
    );
  }
  if (error instanceof errors.JOSEError) {
    return new InvalidGrantError(`subject_token refused: ${error.message}`);
  }
  return error;
}
