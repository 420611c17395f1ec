import { REVOCATION_REASONS, reasonNameFromCode } from '../../crypto/revocation-reason';
import { AcmeProblem } from '../acme-problem';

/** A revokeCert payload (RFC 8555 7.6), checked. */
export interface RevocationRequest {
  /** The certificate's DER, as the client sent it. */
  der: Buffer;
  /** An RFC 5280 CRLReason code this CA publishes. */
  reasonCode: number;
}

/** `{certificate: base64url(DER), reason?: CRLReason code}`; an absent reason is unspecified (0). */
export function parseRevocationRequest(payload: unknown): RevocationRequest {
  if (typeof payload !== 'object' || payload === null || Array.isArray(payload)) {
    throw new AcmeProblem('malformed', 'revokeCert needs a JSON object payload with "certificate"');
  }
  const { certificate, reason } = payload as Record<string, unknown>;
  if (typeof certificate !== 'string' || !/^[A-Za-z0-9_-]+$/.test(certificate)) {
    throw new AcmeProblem('malformed', '"certificate" must be the base64url DER of the certificate');
  }
  return { der: Buffer.from(certificate, 'base64url'), reasonCode: reasonCodeOf(reason) };
}

function reasonCodeOf(reason: unknown): number {
  if (reason === undefined) return REVOCATION_REASONS.unspecified;
  // removeFromCRL (8) belongs to delta CRLs, which this CA does not issue (RFC 5280 5.3.1).
  if (
    typeof reason !== 'number' ||
    !Number.isInteger(reason) ||
    reasonNameFromCode(reason) === null ||
    reason === REVOCATION_REASONS.removeFromCRL
  ) {
    throw new AcmeProblem(
      'badRevocationReason',
      `"reason" ${JSON.stringify(reason)} is not a revocation reason this CA supports: an RFC 5280 CRLReason code 0-6, 9 or 10`,
    );
  }
  return reason;
}
