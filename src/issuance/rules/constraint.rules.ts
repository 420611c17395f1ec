import { isIP } from 'node:net';
import { InvalidInputError } from '../../common/errors';
import { commonName } from '../../crypto/distinguished-name';
import type { IssuanceRule, IssuanceTemplate } from '../issuance-template';
import { NameForm, nameMatches, nameTouches } from '../name-constraint-matching';
import type { ChainConstraints } from '../name-constraints';

const HOST_NAME = /^(\*\.)?(?!-)[a-z0-9-]{1,63}(?<!-)(\.(?!-)[a-z0-9-]{1,63}(?<!-))+\.?$/i;
const MAILBOX = /^[^\s@]+@[^\s@]+$/;

/** One name of the certificate to check, with the request field it came from. */
export interface ConstrainedName {
  form: NameForm;
  field: string;
  value: string;
}

/**
 * Every name the certificate asserts, by form: its SANs (URI SANs when the template carries them),
 * the subject's emailAddress attributes (RFC 5280 4.2.1.10 applies rfc822Name constraints to them)
 * and the Common Name when a relying party may take it as a name: a host name with a dot, an IP
 * address or a mailbox (OpenSSL and older clients read a host-like CN as a DNS name).
 */
export function constrainedNames(template: IssuanceTemplate): ConstrainedName[] {
  const names: ConstrainedName[] = [];
  const san = template.san as IssuanceTemplate['san'] & { uri?: readonly string[] };
  san.dns.forEach((value, index) => names.push({ form: 'dns', field: `san_dns_names[${index}]`, value }));
  san.ip.forEach((value, index) =>
    names.push({ form: 'ipRanges', field: `san_ip_addresses[${index}]`, value }),
  );
  san.email.forEach((value, index) =>
    names.push({ form: 'emails', field: `san_email_addresses[${index}]`, value }),
  );
  (san.uri ?? []).forEach((value, index) => names.push({ form: 'uris', field: `san_uris[${index}]`, value }));
  for (const attribute of template.subject) {
    if (attribute.type === 'emailAddress') {
      names.push({ form: 'emails', field: 'subject emailAddress', value: attribute.value });
    }
  }
  if (template.certificateType !== 'ca') {
    const cn = commonName(template.subject);
    if (cn) {
      const form: NameForm | null =
        isIP(cn) !== 0 ? 'ipRanges' : MAILBOX.test(cn) ? 'emails' : HOST_NAME.test(cn) ? 'dns' : null;
      if (form) names.push({ form, field: 'common_name', value: cn });
    }
  }
  return names;
}

/** The refusal for a name outside one CA's constraints, or null when the CA allows it. */
export function constraintViolation(name: ConstrainedName, ca: ChainConstraints): string | null {
  const { permitted, excluded } = ca.constraints;
  const allowed = permitted[name.form];
  const outside = `${name.field} "${name.value}" is outside the name constraints of CA "${ca.caName}"`;
  if (allowed.length > 0 && !allowed.some((base) => nameMatches(name.form, name.value, base))) {
    return `${outside} (permitted: ${allowed.join(', ')})`;
  }
  const hit = excluded[name.form].filter((base) => nameTouches(name.form, name.value, base));
  return hit.length > 0 ? `${outside} (excluded: ${hit.join(', ')})` : null;
}

/**
 * RFC 5280 4.2.1.10 for every CA of the chain (context.issuer.nameConstraints, nearest first, ours
 * and uploaded ones): where a CA permits a name form, each name of that form must lie in one of its
 * permitted subtrees; no name may lie in an excluded subtree. Refused before signing, naming the
 * name, the CA and the subtrees.
 */
export const withinNameConstraints: IssuanceRule = (template, { issuer }) => {
  const chain = issuer?.nameConstraints ?? [];
  if (chain.length === 0) return template;
  const names = constrainedNames(template);
  for (const ca of chain) {
    for (const name of names) {
      const refusal = constraintViolation(name, ca);
      if (refusal) throw new InvalidInputError(refusal);
    }
  }
  return template;
};
