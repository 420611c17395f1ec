import type { ApprovedIssuance, IssuanceContext, IssuanceRule, IssuanceTemplate } from './issuance-template';
import { caAllowsType, caMaySignNow } from './rules/issuer.rules';
import { lifetimeWithinIssuer, pathLengthUnderIssuer } from './rules/limits.rules';
import {
  defaultSansFromCommonName,
  dnsNamesAsALabels,
  sanCount,
  sanSyntax,
  sansDeduplicated,
  sanTypesForType,
  serverNeedsName,
  subjectIsWellFormed,
} from './rules/name.rules';

/**
 * May the issuer sign this kind of certificate now. Run first, so a refusal names the CA's state before
 * any problem of the request; run again when the storing statement finds the CA changed meanwhile.
 */
export const ISSUER_RULES: readonly IssuanceRule[] = [caMaySignNow, caAllowsType];

/** The subject and its SANs; also what a certificate request is checked with when submitted. */
export const NAME_RULES: readonly IssuanceRule[] = [
  subjectIsWellFormed,
  sanTypesForType,
  dnsNamesAsALabels,
  defaultSansFromCommonName,
  sansDeduplicated,
  sanSyntax,
  serverNeedsName,
  sanCount,
];

/** What the profile allows (each a no-op without a profile). */
export const PROFILE_RULES: readonly IssuanceRule[] = [];

/** The nameConstraints of every CA of the chain (RFC 5280 4.2.1.10). */
export const CONSTRAINT_RULES: readonly IssuanceRule[] = [];

/** What the issuer's own certificate limits: the path length below it and the lifetime within its. */
export const LIMIT_RULES: readonly IssuanceRule[] = [pathLengthUnderIssuer, lifetimeWithinIssuer];

/** Every certificate signed here passes these, in this order (step-ca's ordered SignOptions). */
export const ISSUANCE_RULES: readonly IssuanceRule[] = [
  ...ISSUER_RULES,
  ...NAME_RULES,
  ...PROFILE_RULES,
  ...CONSTRAINT_RULES,
  ...LIMIT_RULES,
];

export function applyRules(
  rules: readonly IssuanceRule[],
  template: IssuanceTemplate,
  context: IssuanceContext,
): IssuanceTemplate {
  return rules.reduce((current, rule) => rule(current, context), template);
}

/** The template after every rule of ISSUANCE_RULES, ready to sign. */
export function approveIssuance(template: IssuanceTemplate, context: IssuanceContext): ApprovedIssuance {
  const approved = applyRules(ISSUANCE_RULES, template, context);
  const { validity, pathLength } = approved;
  if (validity === null || pathLength === undefined) {
    throw new Error('ISSUANCE_RULES must set the validity and the path length');
  }
  return { ...approved, validity, pathLength };
}
