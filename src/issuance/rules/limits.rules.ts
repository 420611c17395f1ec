import { InvalidInputError } from '../../common/errors';
import { signingWindow } from '../ca-signing-status';
import type { IssuanceRule, Validity } from '../issuance-template';

const DAY_MS = 86_400_000;

/**
 * basicConstraints pathLen for a new CA under an issuer (RFC 5280 4.2.1.9): at most the issuer's
 * minus one; unset means exactly that; an issuer with pathLen 0 cannot have CA children.
 * A null issuer path length means unlimited. Writing the inherited limit when none was asked keeps
 * every ancestor's constraint checkable from the nearest certificate (RFC 5280 6.1.4 (l), (m)).
 */
export function pathLengthUnder(
  issuerPathLength: number | null,
  requested: number | null | undefined,
): number | null {
  if (issuerPathLength === null) return requested ?? null;
  if (issuerPathLength === 0) {
    throw new InvalidInputError('The issuing CA has path length 0 and cannot issue CA certificates');
  }
  const allowed = issuerPathLength - 1;
  if (requested === null || requested === undefined) return allowed;
  if (requested > allowed) {
    throw new InvalidInputError(
      `path_length ${requested} exceeds what the issuing CA allows (at most ${allowed})`,
    );
  }
  return requested;
}

/** Leaves carry no pathLen; a CA certificate's is resolved under its issuer (a root's is as asked). */
export const pathLengthUnderIssuer: IssuanceRule = (template, { issuer }) => {
  if (template.certificateType !== 'ca') return { ...template, pathLength: null };
  const pathLength = issuer
    ? pathLengthUnder(issuer.pathLength, template.pathLength)
    : (template.pathLength ?? null);
  return { ...template, pathLength };
};

/**
 * A certificate lies within its issuer's validity (RFC 5280 6.1.3 would reject the path otherwise): it
 * starts now, or when the issuer starts if that is later, and its end is clamped to the issuer's
 * notAfter; the response reports the real dates.
 */
export function validityWithin(
  now: Date,
  validDays: number,
  issuer: { notBefore: Date | null; notAfter: Date | null } | null,
): Validity {
  const start = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const notBefore = issuer?.notBefore && issuer.notBefore > start ? issuer.notBefore : start;
  const requested = new Date(notBefore.getTime() + validDays * DAY_MS);
  const issuerNotAfter = issuer?.notAfter ?? null;
  if (issuerNotAfter && requested > issuerNotAfter) {
    if (issuerNotAfter <= notBefore) throw new InvalidInputError('The issuing CA has expired');
    return { notBefore, notAfter: issuerNotAfter, clamped: true };
  }
  return { notBefore, notAfter: requested, clamped: false };
}

/**
 * valid_days (as asked, else the profile's default, else the service's) from now, clamped into the
 * issuer's signing window (notBefore ≥ its, notAfter ≤ its).
 */
export const lifetimeWithinIssuer: IssuanceRule = (template, { issuer, now, profile, defaultValidDays }) => {
  const validDays = template.validDays ?? profile?.defaultValidityDays ?? defaultValidDays;
  return {
    ...template,
    validDays,
    validity: validityWithin(now, validDays, issuer ? signingWindow(issuer) : null),
  };
};
