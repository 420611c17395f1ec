import { InvalidInputError } from '../../common/errors';
import { commonName } from '../../crypto/distinguished-name';
import type { IssuanceRule } from '../issuance-template';
import { renderSanTemplates } from '../san-templates';

function listed(values: readonly string[]): string {
  return values.length > 0 ? values.join(', ') : 'none';
}

/**
 * A profile with san_templates: the certificate's SANs are the templates rendered from the workload's
 * claims (the ID token the access token was exchanged for), and only those. A requested SAN that is not
 * a rendered one is refused, and so is a Common Name that is not one of the rendered DNS names (under a
 * profile the Common Name becomes a SAN). Without workload claims (a person, an API key) the profile
 * cannot be used. Runs before NAME_RULES, so the rendered names are checked like any requested name,
 * then by every PROFILE_RULE. A renewal (POST /certificates/renew, no workload claims) keeps the SANs
 * its certificate was given when they were rendered; every PROFILE_RULE still checks them.
 */
export const sansFromProfileTemplates: IssuanceRule = (template, { profile, workloadClaims }) => {
  const templates = profile?.sanTemplates ?? null;
  if (!profile || templates === null || template.renewal) return template;
  if (!workloadClaims) {
    throw new InvalidInputError(
      `profile "${profile.name}" renders its SANs from the claims of a CI workload (san_templates): ` +
        'issue with an access token from an OIDC token exchange (POST /auth/token, ' +
        'grant_type=urn:ietf:params:oauth:grant-type:token-exchange)',
    );
  }
  const rendered = renderSanTemplates(templates, workloadClaims, profile.name);
  const renderedNames = [...rendered.dns, ...rendered.uri];
  const refuse = (field: string, value: string): never => {
    throw new InvalidInputError(
      `${field} "${value}" is not one of the SANs profile "${profile.name}" renders for this workload ` +
        `(rendered: ${listed(renderedNames)})`,
    );
  };
  const dnsNames = new Set(rendered.dns);
  template.san.dns.forEach((name, index) => {
    if (!dnsNames.has(name.toLowerCase().replace(/\.$/, ''))) refuse(`san_dns_names[${index}]`, name);
  });
  template.san.uri.forEach((uri, index) => {
    if (!rendered.uri.includes(uri)) refuse(`san_uris[${index}]`, uri);
  });
  template.san.ip.forEach((ip, index) => refuse(`san_ip_addresses[${index}]`, ip));
  template.san.email.forEach((email, index) => refuse(`san_email_addresses[${index}]`, email));
  const cn = commonName(template.subject);
  if (cn !== null && cn !== '' && !dnsNames.has(cn.toLowerCase().replace(/\.$/, ''))) {
    refuse('common_name', cn);
  }
  return { ...template, san: { dns: rendered.dns, ip: [], email: [], uri: rendered.uri } };
};
