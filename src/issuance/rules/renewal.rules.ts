import { InvalidInputError } from '../../common/errors';
import type { IssuanceRule } from '../issuance-template';

/**
 * A renewal (POST /certificates/renew) certifies the same public key again only under a profile with
 * renewal_reuses_key; otherwise, and always without a profile, it needs a CSR for a new key. A renewal
 * is a proof of the current key, so renewing with it for ever would make that key's compromise last
 * for ever: keeping it is a choice a profile makes, never the default.
 */
export const renewalKeyReuse: IssuanceRule = (template, { profile }) => {
  const { renewal } = template;
  if (!renewal?.keyReused || profile?.renewalReusesKey) return template;
  const why = profile
    ? `profile "${profile.name}" does not allow renewing with the same key (renewal_reuses_key is false)`
    : 'a certificate issued without a profile is renewed with a new key only';
  throw new InvalidInputError(
    `Certificate ${renewal.certificateId} cannot be renewed for its current public key: ${why}; send a CSR for a new key`,
  );
};
