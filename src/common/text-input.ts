import { ValidationFailedError } from './errors';
import { textProblem } from './unicode-text';

/** A field name that may be repeated in an error message: never a fragment of a value. */
const SAFE_FIELD_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;

/** The name to show for a field of the client's input: unsafe names are never echoed. */
export function displayFieldName(name: string): string {
  return SAFE_FIELD_NAME.test(name) ? name : '(unnamed field)';
}

function join(parent: string, key: string | number): string {
  if (typeof key === 'number') return `${parent}[${key}]`;
  const name = displayFieldName(key);
  return parent ? `${parent}.${name}` : name;
}

interface MalformedText {
  field: string;
  problem: string;
}

/** The first string (value or key) in `input` that cannot be stored as text; iterative, depth is bounded elsewhere. */
export function findMalformedText(input: unknown, root: string): MalformedText | null {
  const pending: [unknown, string][] = [[input, root]];
  while (pending.length > 0) {
    const [value, field] = pending.pop() as [unknown, string];
    if (typeof value === 'string') {
      const problem = textProblem(value);
      if (problem) return { field, problem };
    } else if (Array.isArray(value)) {
      value.forEach((item, index) => pending.push([item, join(field, index)]));
    } else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        const keyProblem = textProblem(key);
        if (keyProblem) return { field: join(field, key), problem: `has a name that ${keyProblem}` };
        pending.push([child, join(field, key)]);
      }
    }
  }
  return null;
}

/**
 * Refuses NUL characters and lone surrogates anywhere in a body, a query or a path parameter, with a
 * 400 naming the field (never the value). `root` prefixes field names (a path parameter's name);
 * `label` names the input when it is a bare string.
 */
export function assertWellFormedText(input: unknown, root: string, label: string): void {
  const malformed = findMalformedText(input, root);
  if (malformed) {
    throw new ValidationFailedError([{ field: malformed.field || label, messages: [malformed.problem] }]);
  }
}
