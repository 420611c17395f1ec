import { InvalidInputError } from '../common/errors';
import { formatCidr, NameForm, parseCidr } from './name-constraint-matching';
import type { GeneralSubtrees, NameConstraints } from './name-constraints';

/** Subtrees as the API spells them (POST /cas `name_constraints`, the CA response). */
export interface SubtreesBody {
  dns?: string[] | null;
  ip_ranges?: string[] | null;
  emails?: string[] | null;
  uris?: string[] | null;
}

export interface NameConstraintsBody {
  permitted?: SubtreesBody | null;
  excluded?: SubtreesBody | null;
}

/** The API field of each name form. */
export const SUBTREE_FIELDS: Record<NameForm, keyof SubtreesBody> = {
  dns: 'dns',
  ipRanges: 'ip_ranges',
  emails: 'emails',
  uris: 'uris',
};

export const NAME_FORMS: readonly NameForm[] = ['dns', 'ipRanges', 'emails', 'uris'];

/** At most this many subtrees per list: a constraint set, not a name registry. */
const MAX_SUBTREES = 200;

const LABEL = /^(?!-)[a-z0-9-]{1,63}(?<!-)$/;
const LOCAL_PART = /^[\x21-\x3f\x41-\x7e]+$/;

function isHostName(text: string): boolean {
  return text.length <= 253 && text.split('.').every((label) => LABEL.test(label));
}

/** A host or `.domain` (lower-cased); null when it is neither. */
function hostOrDomain(text: string): string | null {
  const lowered = text.toLowerCase();
  const host = lowered.startsWith('.') ? lowered.slice(1) : lowered;
  return isHostName(host) ? lowered : null;
}

function normalise(form: NameForm, value: string): string | null {
  switch (form) {
    case 'dns':
      return hostOrDomain(value);
    case 'uris':
      return hostOrDomain(value);
    case 'emails': {
      const at = value.lastIndexOf('@');
      if (at < 0) return hostOrDomain(value);
      const local = value.slice(0, at);
      const host = value.slice(at + 1).toLowerCase();
      return LOCAL_PART.test(local) && local.length <= 64 && isHostName(host) ? `${local}@${host}` : null;
    }
    case 'ipRanges': {
      const range = parseCidr(value);
      if (!range) return null;
      const canonical = formatCidr(range);
      // Host bits set (10.0.0.1/8) is most likely a typo for another range: refuse rather than guess.
      if (value.includes('/') && parseCidr(canonical)?.address.equals(range.address) !== true) return null;
      return canonical;
    }
  }
}

const EXPECTED: Record<NameForm, string> = {
  dns: 'a DNS name (corp.example: the host and every name below it) or .domain (only the names below it)',
  ipRanges: 'an IPv4 or IPv6 range in CIDR notation (10.0.0.0/8, 2001:db8::/32) without host bits',
  emails: 'a mailbox (alice@corp.example), a host (corp.example: every mailbox there) or .domain',
  uris: 'a host (spiffe.corp.example) or .domain: URI constraints apply to the host of the URI',
};

function subtrees(body: SubtreesBody | null | undefined, field: string): GeneralSubtrees {
  const result: Record<NameForm, string[]> = { dns: [], ipRanges: [], emails: [], uris: [] };
  if (body === null || body === undefined) return result;
  for (const form of NAME_FORMS) {
    const listField = `${field}.${SUBTREE_FIELDS[form]}`;
    const values = body[SUBTREE_FIELDS[form]];
    if (values === null || values === undefined) continue;
    if (!Array.isArray(values)) throw new InvalidInputError(`${listField} must be an array of strings`);
    if (values.length > MAX_SUBTREES) {
      throw new InvalidInputError(`${listField} has ${values.length} entries; at most ${MAX_SUBTREES}`);
    }
    values.forEach((value, index) => {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      const normalised = typeof value === 'string' ? normalise(form, value) : null;
      if (normalised === null) {
        throw new InvalidInputError(`${listField}[${index}] "${text}" is not ${EXPECTED[form]}`);
      }
      if (!result[form].includes(normalised)) result[form].push(normalised);
    });
  }
  return result;
}

export function subtreesAreEmpty(trees: GeneralSubtrees): boolean {
  return NAME_FORMS.every((form) => trees[form].length === 0);
}

/**
 * The `name_constraints` of POST /cas, validated and in normal form (DNS names and hosts lower-case,
 * CIDR canonical, duplicates dropped); null when absent. Constraints without any subtree are refused:
 * RFC 5280 4.2.1.10 forbids an empty nameConstraints extension.
 */
export function parseNameConstraints(
  body: NameConstraintsBody | null | undefined,
  field = 'name_constraints',
): NameConstraints | null {
  if (body === null || body === undefined) return null;
  const constraints: NameConstraints = {
    permitted: subtrees(body.permitted, `${field}.permitted`),
    excluded: subtrees(body.excluded, `${field}.excluded`),
  };
  if (subtreesAreEmpty(constraints.permitted) && subtreesAreEmpty(constraints.excluded)) {
    throw new InvalidInputError(
      `${field} needs at least one permitted or excluded subtree (dns, ip_ranges, emails, uris)`,
    );
  }
  return constraints;
}

function subtreesBody(trees: GeneralSubtrees): Required<SubtreesBody> {
  return {
    dns: [...trees.dns],
    ip_ranges: [...trees.ipRanges],
    emails: [...trees.emails],
    uris: [...trees.uris],
  };
}

/** The API form of stored constraints (the CA response). */
export function nameConstraintsBody(
  constraints: NameConstraints | null,
): { permitted: Required<SubtreesBody>; excluded: Required<SubtreesBody> } | null {
  if (!constraints) return null;
  return { permitted: subtreesBody(constraints.permitted), excluded: subtreesBody(constraints.excluded) };
}
