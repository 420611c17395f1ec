import { InvalidInputError } from '../common/errors';

/** CRLReason codes (RFC 5280 5.3.1); 7 is unused. */
export const REVOCATION_REASONS = {
  unspecified: 0,
  keyCompromise: 1,
  cACompromise: 2,
  affiliationChanged: 3,
  superseded: 4,
  cessationOfOperation: 5,
  certificateHold: 6,
  removeFromCRL: 8,
  privilegeWithdrawn: 9,
  aACompromise: 10,
} as const;

export type RevocationReasonName = keyof typeof REVOCATION_REASONS;

const BY_FOLDED_NAME = new Map<string, number>(
  Object.entries(REVOCATION_REASONS).map(([name, code]) => [name.toLowerCase(), code]),
);
const NAME_BY_CODE = new Map<number, RevocationReasonName>(
  (Object.entries(REVOCATION_REASONS) as [RevocationReasonName, number][]).map(([name, code]) => [
    code,
    name,
  ]),
);

/** The code for a reason written in any case, camelCase or snake_case (`key_compromise`, `KEYCOMPROMISE`); null if none. */
export function reasonCodeFromText(text: string | null | undefined): number | null {
  if (typeof text !== 'string') return null;
  const folded = text
    .trim()
    .replace(/[\s_-]/g, '')
    .toLowerCase();
  return BY_FOLDED_NAME.get(folded) ?? null;
}

/** The RFC 5280 name of a code (`keyCompromise`), or null for an unknown code. */
export function reasonNameFromCode(code: number): RevocationReasonName | null {
  return NAME_BY_CODE.get(code) ?? null;
}

const CODES = new Set<number>(Object.values(REVOCATION_REASONS));

/**
 * The reason code a CRL entry of this CA can carry for a stored code, or null for none. RFC 5280 5.3.1:
 * unspecified (0) SHOULD be left out and removeFromCRL (8) belongs to delta CRLs only, which this CA does
 * not issue; a code outside the CRLReason list cannot be published either. Stored data never makes the CRL
 * fail: such an entry is published without a reason, as unspecified.
 */
export function publishableReasonCode(code: number | null | undefined): number | null {
  if (code === null || code === undefined) return null;
  if (code === REVOCATION_REASONS.unspecified || code === REVOCATION_REASONS.removeFromCRL) return null;
  return CODES.has(code) ? code : null;
}

/** The CRL reason code for a revocation request: an explicit code wins over a reason named in the text. */
export function revocationReasonCode(
  reason: string | null | undefined,
  code: number | null | undefined,
): number | null {
  const resolved = code ?? reasonCodeFromText(reason);
  if (resolved === REVOCATION_REASONS.removeFromCRL) {
    throw new InvalidInputError(
      'removeFromCRL (reason code 8) is only for delta CRLs (RFC 5280 5.3.1), which this CA does not issue; ' +
        'a revocation cannot be undone',
    );
  }
  if (resolved !== null && !CODES.has(resolved)) {
    throw new InvalidInputError(`reason_code ${resolved} is not an RFC 5280 CRLReason (0-6, 9-10)`);
  }
  return resolved;
}
