import { InvalidInputError } from '../common/errors';

/**
 * A trust policy's bound_claims (Vault JWT auth's `bound_claims` with `bound_claims_type: glob`):
 * claim name → one value or a list of values, each exact or a glob where `*` stands for any run of
 * characters (`/` included). A token matches when every bound claim matches one of its values.
 */
export type BoundClaims = Record<string, string | string[]>;

export const MAX_BOUND_CLAIMS = 32;
const MAX_VALUES_PER_CLAIM = 64;
const MAX_VALUE_LENGTH = 512;
const CLAIM_NAME = /^[A-Za-z_][A-Za-z0-9_.:-]{0,63}$/;

/** Claims that are the trust policy's own fields or the token's validity, not bindable. */
const RESERVED = new Set(['iss', 'aud', 'exp', 'nbf', 'iat', 'jti', 'nonce']);

function refuse(message: string): never {
  throw new InvalidInputError(`bound_claims${message}`);
}

/**
 * The bound claims as stored, or a 400 naming what is wrong. At least one claim is bound: a CI
 * issuer mints tokens for any audience a job asks for, so issuer and audience alone would trust
 * every workload of that issuer (every repository on GitHub).
 */
export function checkedBoundClaims(input: unknown): BoundClaims {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    refuse(' must be an object: claim name → value or list of values');
  }
  const entries = Object.entries(input);
  if (entries.length === 0) {
    refuse(
      ' must bind at least one claim (e.g. "repository" or "project_path"): without one, every ' +
        'workload of the issuer that asks for this audience would be trusted',
    );
  }
  if (entries.length > MAX_BOUND_CLAIMS) refuse(` may bind at most ${MAX_BOUND_CLAIMS} claims`);
  const checked: BoundClaims = {};
  for (const [name, value] of entries) {
    if (!CLAIM_NAME.test(name)) {
      refuse(`: "${name}" is not a claim name (letters, digits, "_", ".", ":", "-"; at most 64)`);
    }
    if (RESERVED.has(name)) {
      refuse(
        `.${name}: is checked by the trust policy itself (issuer, audience, validity); bind another claim`,
      );
    }
    const values = typeof value === 'string' ? [value] : value;
    if (!Array.isArray(values) || values.length === 0 || values.length > MAX_VALUES_PER_CLAIM) {
      refuse(`.${name}: must be a string or a list of 1 to ${MAX_VALUES_PER_CLAIM} strings`);
    }
    values.forEach((pattern: unknown, index: number) => {
      const at = typeof value === 'string' ? '' : `[${index}]`;
      if (typeof pattern !== 'string' || pattern.length === 0 || pattern.length > MAX_VALUE_LENGTH) {
        refuse(`.${name}${at}: must be a non-empty string of at most ${MAX_VALUE_LENGTH} characters`);
      }
      if (/^\**$/.test(pattern)) {
        refuse(`.${name}${at}: "${pattern}" matches every value, which binds nothing`);
      }
    });
    checked[name] = typeof value === 'string' ? value : [...new Set(values as string[])];
  }
  return checked;
}

/** `*` any run of characters, everything else literal, the whole value. */
export function claimGlobMatches(pattern: string, value: string): boolean {
  const parts = pattern.split('*');
  if (parts.length === 1) return pattern === value;
  const [first, ...rest] = parts;
  const last = rest.pop() ?? '';
  if (!value.startsWith(first) || value.length < first.length + last.length) return false;
  let at = first.length;
  for (const part of rest) {
    const found = value.indexOf(part, at);
    if (found < 0) return false;
    at = found + part.length;
  }
  return value.length - last.length >= at && value.endsWith(last);
}

/** A claim's values as text: a string, a number or a boolean, or each such element of a list. */
function claimValues(value: unknown): string[] {
  const scalar = (item: unknown): string[] =>
    typeof item === 'string' || typeof item === 'number' || typeof item === 'boolean' ? [String(item)] : [];
  return Array.isArray(value) ? value.flatMap(scalar) : scalar(value);
}

/**
 * The first bound claim the token's claims do not satisfy, with what the token says (never what
 * the policy expects: the answer goes to whoever presented the token), or null when all match.
 */
export function unmatchedClaim(
  bound: BoundClaims,
  claims: Readonly<Record<string, unknown>>,
): { name: string; actual: string } | null {
  for (const [name, expected] of Object.entries(bound)) {
    const patterns = typeof expected === 'string' ? [expected] : expected;
    const actual = claimValues(claims[name]);
    if (!actual.some((value) => patterns.some((pattern) => claimGlobMatches(pattern, value)))) {
      const shown = claims[name] === undefined ? 'absent' : JSON.stringify(claims[name]);
      return { name, actual: shown.length > 200 ? `${shown.slice(0, 200)}…` : shown };
    }
  }
  return null;
}
