/** A RenewalInfo suggestedWindow (RFC 9773 4.2). */
export interface RenewalWindow {
  start: Date;
  end: Date;
}

/** How long after a revoked certificate's answer the window stays open: clients renew at once. */
const REVOKED_WINDOW_MS = 5 * 60_000;

/**
 * The window this CA suggests: from two thirds of the lifetime to five sixths of it, so that a
 * client renewing anywhere in it still has a sixth of the lifetime left if that renewal fails and
 * spread out over a sixth so renewals do not all come at once. A revoked certificate should be
 * replaced now: its window opened when it was revoked and closes in a few minutes.
 */
export function suggestedWindow(
  certificate: { notBefore: Date; notAfter: Date; status: string; revokedAt: Date | null },
  now: Date,
): RenewalWindow {
  if (certificate.status === 'revoked') {
    const revokedAt = certificate.revokedAt ?? now;
    return {
      start: wholeSecond(Math.min(revokedAt.getTime(), now.getTime() - 1000), 'floor'),
      end: wholeSecond(now.getTime() + REVOKED_WINDOW_MS, 'ceil'),
    };
  }
  const notBefore = certificate.notBefore.getTime();
  const lifetime = certificate.notAfter.getTime() - notBefore;
  const start = wholeSecond(notBefore + (lifetime * 2) / 3, 'floor');
  const end = wholeSecond(notBefore + (lifetime * 5) / 6, 'ceil');
  // RFC 9773 4.2: a window whose end does not follow its start is invalid.
  return { start, end: end > start ? end : new Date(start.getTime() + 1000) };
}

/** RFC 3339 in UTC, to the second. */
export function rfc3339(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

function wholeSecond(ms: number, round: 'floor' | 'ceil'): Date {
  return new Date(Math[round](ms / 1000) * 1000);
}
