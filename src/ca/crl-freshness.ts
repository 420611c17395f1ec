/** What decides whether a CA's stored CRL can still be served as it is. */
export interface CrlFreshnessFacts {
  isStale: boolean;
  isSigned: boolean;
  thisUpdate: Date | null;
  nextUpdate: Date | null;
}

/**
 * Re-sign when less than this share of the validity period is left, well before nextUpdate, so a
 * relying party never holds a CRL past its nextUpdate (RFC 5280 5.1.2.5).
 */
export const REFRESH_FRACTION = 0.5;

/**
 * The one rule of CRL freshness: a CRL is due for re-signing when a revocation marked it stale, when
 * it was never signed, or when REFRESH_FRACTION of its validity has passed. Readers and the
 * scheduled refresher both ask it.
 */
export function crlIsDueForRefresh(state: CrlFreshnessFacts, now: Date = new Date()): boolean {
  if (state.isStale || !state.isSigned || !state.thisUpdate || !state.nextUpdate) return true;
  const lifetime = state.nextUpdate.getTime() - state.thisUpdate.getTime();
  return now.getTime() >= state.thisUpdate.getTime() + lifetime * REFRESH_FRACTION;
}
