import { InvalidInputError } from '../common/errors';

/**
 * A profile's SAN templates: DNS names and URIs with `{{claim}}` placeholders, rendered from the
 * claims of the workload (OIDC ID token) an access token was exchanged for, e.g.
 * `{{repository_owner}}.ci.internal` or `spiffe://ci.internal/gh/{{repository}}`.
 *
 * A claim value can only fill the part of a name it stands in, never reach beyond it:
 * - in a DNS template a placeholder stands inside one label, and its value is letters, digits and
 *   hyphens (lower-cased): no dot (no extra label that would move the name into another domain),
 *   no `*` (no wildcard); the last two labels of a DNS template are fixed text, so every rendered
 *   name stays within the template's domain;
 * - in a URI template a placeholder stands in the path (never the scheme or the authority), and its
 *   value is unreserved characters (RFC 3986 §2.3) in `/`-separated segments, none of them `.` or
 *   `..`: no `?`, `#`, `%`, `@` or `:` that would change what the URI means.
 * The rendered names then go through every issuance rule like any requested name.
 */
export interface SanTemplates {
  dnsNames: readonly string[];
  uris: readonly string[];
}

export const MAX_SAN_TEMPLATES = 16;
const MAX_TEMPLATE_LENGTH = 255;
const MAX_PLACEHOLDERS = 8;

const PLACEHOLDER = /\{\{\s*([A-Za-z_][A-Za-z0-9_]{0,63})\s*\}\}/g;
const STRAY_BRACES = /[{}]/;
const LITERAL_LABEL = /^[a-z0-9-]+$/;
const FINAL_LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const DNS_VALUE = /^[a-z0-9-]{1,63}$/;
const PATH_VALUE = /^[A-Za-z0-9._~-]+(?:\/[A-Za-z0-9._~-]+)*$/;
const URI_HEAD = /^([a-z][a-z0-9+.-]*):(\/\/[^/?#]*)?/;

function placeholdersOf(template: string): string[] {
  return [...template.matchAll(PLACEHOLDER)].map((match) => match[1]);
}

function withoutPlaceholders(template: string, filler: string): string {
  return template.replace(PLACEHOLDER, filler);
}

/** Literal text in lower case, placeholders as `{{claim}}` (claim names keep their case). */
function lowerCaseLiterals(template: string): string {
  let text = '';
  let last = 0;
  for (const match of template.matchAll(PLACEHOLDER)) {
    text += `${template.slice(last, match.index).toLowerCase()}{{${match[1]}}}`;
    last = (match.index ?? 0) + match[0].length;
  }
  return text + template.slice(last).toLowerCase();
}

function refuse(field: string, index: number, template: string, reason: string): never {
  throw new InvalidInputError(`san_templates.${field}[${index}] "${template}" ${reason}`);
}

function checkedDnsTemplate(template: string, index: number): string {
  const field = 'dns_names';
  const lower = lowerCaseLiterals(template);
  const text = withoutPlaceholders(lower, 'x');
  if (STRAY_BRACES.test(text))
    refuse(field, index, template, 'has a "{" or "}" that is not a {{claim}} placeholder');
  if (text.includes('*')) refuse(field, index, template, 'may not contain "*": templates render exact names');
  const labels = lower.split('.');
  if (labels.length < 3) {
    refuse(
      field,
      index,
      template,
      'needs a fixed domain of at least two labels after its placeholders (x.ci.example)',
    );
  }
  labels.forEach((label, position) => {
    const hasPlaceholder = placeholdersOf(label).length > 0;
    if (hasPlaceholder && position >= labels.length - 2) {
      refuse(
        field,
        index,
        template,
        'may have placeholders only left of its last two labels (its fixed domain)',
      );
    }
    const literal = withoutPlaceholders(label, '');
    if (literal !== '' && !LITERAL_LABEL.test(literal)) {
      refuse(field, index, template, `has an invalid label "${label}" (letters, digits, hyphens, {{claim}})`);
    }
    if (!hasPlaceholder && !FINAL_LABEL.test(label)) {
      refuse(field, index, template, `has an invalid label "${label}" (letters, digits, inner hyphens)`);
    }
  });
  return lower;
}

function checkedUriTemplate(template: string, index: number): string {
  const field = 'uris';
  const text = withoutPlaceholders(template, 'x');
  if (STRAY_BRACES.test(text))
    refuse(field, index, template, 'has a "{" or "}" that is not a {{claim}} placeholder');
  if (!/^[A-Za-z][A-Za-z0-9+.-]*:\S+$/.test(text) || text.includes('*')) {
    refuse(
      field,
      index,
      template,
      'is not a URI template (a scheme, then no spaces or "*": "spiffe://ci.internal/{{repository}}")',
    );
  }
  const canonical = template
    .replace(PLACEHOLDER, (_whole, claim: string) => `{{${claim}}}`)
    .replace(/^[A-Za-z][A-Za-z0-9+.-]*:/, (scheme) => scheme.toLowerCase());
  const head = URI_HEAD.exec(canonical);
  if (!head || placeholdersOf(head[0]).length > 0) {
    refuse(field, index, template, 'may have placeholders only in its path, not in its scheme or authority');
  }
  return canonical;
}

/** The templates as stored, or a 400 naming the template and what is wrong. */
export function checkedSanTemplates(input: { dns_names?: string[]; uris?: string[] }): SanTemplates {
  const dnsNames = input.dns_names ?? [];
  const uris = input.uris ?? [];
  if (dnsNames.length === 0 && uris.length === 0) {
    throw new InvalidInputError(
      'san_templates needs at least one template in dns_names or uris (null removes them)',
    );
  }
  for (const [field, list] of [
    ['dns_names', dnsNames],
    ['uris', uris],
  ] as const) {
    if (list.length > MAX_SAN_TEMPLATES) {
      throw new InvalidInputError(`san_templates.${field} may hold at most ${MAX_SAN_TEMPLATES} templates`);
    }
    list.forEach((template, index) => {
      if (template.length === 0 || template.length > MAX_TEMPLATE_LENGTH) {
        refuse(field, index, template, `must be 1 to ${MAX_TEMPLATE_LENGTH} characters`);
      }
      if (placeholdersOf(template).length > MAX_PLACEHOLDERS) {
        refuse(field, index, template, `has more than ${MAX_PLACEHOLDERS} placeholders`);
      }
    });
  }
  return {
    dnsNames: [...new Set(dnsNames.map(checkedDnsTemplate))],
    uris: [...new Set(uris.map(checkedUriTemplate))],
  };
}

/** The names the templates render to from the workload's claims, or a 400 naming the claim that cannot fill its place. */
export function renderSanTemplates(
  templates: SanTemplates,
  claims: Readonly<Record<string, string>>,
  profileName: string,
): { dns: string[]; uri: string[] } {
  const render = (
    field: string,
    template: string,
    index: number,
    value: (claim: string, text: string) => string,
  ) =>
    template.replace(PLACEHOLDER, (_whole, claim: string) => {
      const text = Object.prototype.hasOwnProperty.call(claims, claim) ? claims[claim] : undefined;
      const where = `san_templates.${field}[${index}] "${template}" of profile "${profileName}"`;
      if (text === undefined || text === '') {
        throw new InvalidInputError(
          `${where} needs claim "${claim}", which the workload's ID token does not carry`,
        );
      }
      return value(claim, text);
    });
  const dns = templates.dnsNames.map((template, index) => {
    const name = render('dns_names', template, index, (claim, text) => {
      const lower = text.toLowerCase();
      if (!DNS_VALUE.test(lower)) {
        throw new InvalidInputError(
          `claim "${claim}" ("${text}") cannot be written into a DNS name by profile "${profileName}": ` +
            'a value there is letters, digits and hyphens only (no ".", "*" or other characters)',
        );
      }
      return lower;
    });
    const bad = name.split('.').find((label) => !FINAL_LABEL.test(label));
    if (bad !== undefined) {
      throw new InvalidInputError(
        `san_templates.dns_names[${index}] of profile "${profileName}" renders "${name}", whose label "${bad}" ` +
          'is not valid (1 to 63 letters, digits and inner hyphens)',
      );
    }
    return name;
  });
  const uri = templates.uris.map((template, index) =>
    render('uris', template, index, (claim, text) => {
      if (!PATH_VALUE.test(text) || text.split('/').some((segment) => segment === '.' || segment === '..')) {
        throw new InvalidInputError(
          `claim "${claim}" ("${text}") cannot be written into a URI by profile "${profileName}": a value there is ` +
            'letters, digits, "-", ".", "_", "~" in "/"-separated segments (no "." or ".." segment)',
        );
      }
      return text;
    }),
  );
  return { dns: [...new Set(dns)], uri: [...new Set(uri)] };
}
