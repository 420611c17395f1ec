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

/** How a certificate's period may differ from "now for valid_days" (a profile's choices). */
export interface LifetimeOptions {
  /** notBefore this far before now (never before the issuer's notBefore). */
  backdateSeconds?: number;
  /** Refuse, with this error, a period ending after the issuer's notAfter instead of clamping it. */
  refuseBeyondIssuer?: (issuerNotAfter: Date) => Error;
}

/**
 * A certificate lies within its issuer's validity (RFC 5280 6.1.3 would reject the path otherwise): it
 * starts now, or when the issuer starts if that is later, and its end is clamped to the issuer's
 * notAfter (or refused, when asked); the response reports the real dates. A backdate moves only the
 * notBefore (as Vault's and step-ca's do): the certificate still lasts valid_days from now.
 */
export function validityWithin(
  now: Date,
  validDays: number,
  issuer: { notBefore: Date | null; notAfter: Date | null } | null,
  options: LifetimeOptions = {},
): Validity {
  const start = new Date(Math.floor(now.getTime() / 1000) * 1000);
  const issuerNotBefore = issuer?.notBefore ?? null;
  const begins = issuerNotBefore && issuerNotBefore > start ? issuerNotBefore : start;
  const backdated = new Date(start.getTime() - (options.backdateSeconds ?? 0) * 1000);
  const notBefore = issuerNotBefore && issuerNotBefore > backdated ? issuerNotBefore : backdated;
  const requested = new Date(begins.getTime() + validDays * DAY_MS);
  const issuerNotAfter = issuer?.notAfter ?? null;
  if (issuerNotAfter && requested > issuerNotAfter) {
    if (issuerNotAfter <= begins) throw new InvalidInputError('The issuing CA has expired');
    if (options.refuseBeyondIssuer) throw options.refuseBeyondIssuer(issuerNotAfter);
    return { notBefore, notAfter: issuerNotAfter, clamped: true };
  }
  return { notBefore, notAfter: requested, clamped: false };
}

/**
 * valid_days (as asked, else the profile's default, else the service's capped at the profile's
 * maximum) from now, within the issuer's signing window (notBefore ≥ its, notAfter ≤ its). Under a
 * profile: notBefore is backdated by backdate_seconds. issuer_lifetime 'refuse' (the request's or the
 * profile's) turns the clamp into a refusal. This is the one lifetime rule; profileMaxValidity only refuses an excessive request.
 */
export const lifetimeWithinIssuer: IssuanceRule = (template, { issuer, now, profile, defaultValidDays }) => {
  const validDays =
    template.validDays ??
    Math.min(profile?.defaultValidityDays ?? defaultValidDays, profile?.maxValidityDays ?? Infinity);
  // Either may ask for the refusal; a request cannot turn a profile's refusal back into a clamp.
  const refuse = template.issuerLifetime === 'refuse' || profile?.issuerLifetime === 'refuse';
  const options: LifetimeOptions = {
    backdateSeconds: profile?.backdateSeconds,
    refuseBeyondIssuer: refuse
      ? (issuerNotAfter) =>
          new InvalidInputError(
            profile?.issuerLifetime === 'refuse'
              ? `valid_days "${validDays}" is not allowed by profile "${profile.name}" (allowed: ` +
                  `until the issuer's notAfter ${issuerNotAfter.toISOString()}; issuer_lifetime is refuse)`
              : `valid_days "${validDays}" would outlive the issuing CA (notAfter ` +
                  `${issuerNotAfter.toISOString()}) and issuer_lifetime is refuse`,
          )
      : undefined,
  };
  return {
    ...template,
    validDays,
    validity: validityWithin(now, validDays, issuer ? signingWindow(issuer) : null, options),
  };
};
