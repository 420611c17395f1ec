import type { ApprovedIssuance, IssuanceContext, IssuanceRule, IssuanceTemplate } from './issuance-template';
import { withinNameConstraints } from './rules/constraint.rules';
import { caAllowsType, caMaySignNow } from './rules/issuer.rules';
import { rsaExponentIs65537 } from './rules/key.rules';
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
import { sansFromProfileTemplates } from './rules/template.rules';
import {
  profileAllowsKey,
  profileAllowsType,
  profileDnsNames,
  profileEmailAddresses,
  profileIpAddresses,
  profileMaxValidity,
  profileSubject,
  profileUris,
} from './rules/profile.rules';
import { renewalKeyReuse } from './rules/renewal.rules';

/**
 * May the issuer sign this kind of certificate now. Run first, so a refusal names the CA's state before
 * any problem of the request; run again when the storing statement finds the CA changed meanwhile.
 */
export const ISSUER_RULES: readonly IssuanceRule[] = [caMaySignNow, caAllowsType];

/**
 * SANs a profile renders from the workload's claims (san_templates) replace the requested ones; before
 * NAME_RULES, so that the rendered names are checked (syntax, de-duplication, the Common Name) like any.
 */
export const TEMPLATE_RULES: readonly IssuanceRule[] = [sansFromProfileTemplates];

/**
 * The subject, its SANs and the key (an RSA exponent other than 65537 is refused for every certificate,
 * profile or not); also what a certificate request is checked with when submitted.
 */
export const NAME_RULES: readonly IssuanceRule[] = [
  subjectIsWellFormed,
  sanTypesForType,
  dnsNamesAsALabels,
  defaultSansFromCommonName,
  sansDeduplicated,
  sanSyntax,
  serverNeedsName,
  sanCount,
  rsaExponentIs65537,
];

/**
 * What the profile allows (each a no-op without a profile), after NAME_RULES so that SANs are checked
 * as they will be written (the Common Name defaulted in, de-duplicated) and indexes in refusals are
 * positions in that list: what may be issued (type, key), then the subject (refusing attributes and
 * writing fixed ones), the names, and the lifetime asked. backdate_seconds and issuer_lifetime belong
 * to the one lifetime rule, lifetimeWithinIssuer (LIMIT_RULES).
 */
export const PROFILE_RULES: readonly IssuanceRule[] = [
  profileAllowsType,
  profileAllowsKey,
  profileSubject,
  profileDnsNames,
  profileIpAddresses,
  profileEmailAddresses,
  profileUris,
  profileMaxValidity,
];

/** A renewal keeps its certificate's public key only where its profile allows it. */
export const RENEWAL_RULES: readonly IssuanceRule[] = [renewalKeyReuse];

/** The nameConstraints of every CA of the chain (RFC 5280 4.2.1.10). */
export const CONSTRAINT_RULES: readonly IssuanceRule[] = [withinNameConstraints];

/**
 * What an order as a whole decides before any key or CSR exists (ACME newOrder, RFC 8555 7.4): may the
 * issuer sign now, does the profile render its own SANs (no ACME client has workload claims), does it
 * issue server certificates.
 */
export const ORDER_RULES: readonly IssuanceRule[] = [...ISSUER_RULES, ...TEMPLATE_RULES, profileAllowsType];

/**
 * What one name alone decides, run on each of an order's names so that every refused one gets its own
 * reason (RFC 8555 6.7.1 subproblems): its syntax, the profile's allowed names, the chain's name
 * constraints. Finalization runs ISSUANCE_RULES in full.
 */
export const IDENTIFIER_RULES: readonly IssuanceRule[] = [
  dnsNamesAsALabels,
  sansDeduplicated,
  sanSyntax,
  profileDnsNames,
  profileIpAddresses,
  ...CONSTRAINT_RULES,
];

/** What the issuer's own certificate limits: the path length below it and the lifetime within its. */
export const LIMIT_RULES: readonly IssuanceRule[] = [pathLengthUnderIssuer, lifetimeWithinIssuer];

/** Every certificate signed here passes these, in this order (step-ca's ordered SignOptions). */
export const ISSUANCE_RULES: readonly IssuanceRule[] = [
  ...ISSUER_RULES,
  ...TEMPLATE_RULES,
  ...NAME_RULES,
  ...PROFILE_RULES,
  ...RENEWAL_RULES,
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
