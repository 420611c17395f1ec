import { InvalidInputError } from '../../common/errors';
import { CaSigningDates, caStatusOf } from '../ca-signing-status';
import type { IssuanceRule, IssuingCa } from '../issuance-template';

/** Refuses with a clear message when the CA cannot sign now (pending, disabled, revoked, expired, not yet valid). */
export function assertMaySignNow(issuer: Pick<IssuingCa, 'id' | keyof CaSigningDates>, now: Date): void {
  const status = caStatusOf(issuer, now);
  if (status === 'not_yet_valid') {
    throw new InvalidInputError(
      `CA ${issuer.id}: its certificate is not valid until ${issuer.notBefore?.toISOString()}; it cannot sign before then`,
    );
  }
  if (status !== 'active') throw new InvalidInputError(`CA ${issuer.id} is ${status} and cannot sign`);
}

/** The issuing CA must be active and inside its signing window (caStatusOf); a root signing itself is. */
export const caMaySignNow: IssuanceRule = (template, { issuer, now }) => {
  if (issuer) assertMaySignNow(issuer, now);
  return template;
};

/** A CA with allow_leaf_certs=false signs CA certificates only. */
export const caAllowsType: IssuanceRule = (template, { issuer }) => {
  if (issuer && template.certificateType !== 'ca' && !issuer.allowLeafCerts) {
    throw new InvalidInputError(`CA ${issuer.id} does not allow leaf certificates (allow_leaf_certs=false)`);
  }
  return template;
};
