import { InvalidInputError } from '../common/errors';
import { NameForm, subtreeWithin } from './name-constraint-matching';
import { NAME_FORMS, SUBTREE_FIELDS } from './name-constraints-input';
import type { ChainConstraints, NameConstraints } from './name-constraints';

/**
 * A new CA's own constraints against its issuer chain's (RFC 5280 4.2.1.10, 6.1.4 (g)): each permitted
 * subtree of the child lies within some permitted subtree of every ancestor that constrains that name
 * form, and none lies entirely inside an ancestor's excluded subtree (exclusions are inherited anyway;
 * such a subtree would permit nothing). Narrower exclusions of the child are always fine.
 */
export function assertWithinChain(
  child: NameConstraints | null,
  chain: readonly ChainConstraints[],
  field = 'name_constraints',
): void {
  if (!child) return;
  for (const form of NAME_FORMS) {
    child.permitted[form].forEach((subtree, index) => {
      const name = `${field}.permitted.${SUBTREE_FIELDS[form]}[${index}] "${subtree}"`;
      for (const ancestor of chain) {
        const refusal = outsideOf(form, subtree, ancestor);
        if (refusal) {
          throw new InvalidInputError(
            `${name} is outside the name constraints of CA "${ancestor.caName}" (${refusal})`,
          );
        }
      }
    });
  }
}

function outsideOf(form: NameForm, subtree: string, ancestor: ChainConstraints): string | null {
  const { permitted, excluded } = ancestor.constraints;
  const allowed = permitted[form];
  if (allowed.length > 0 && !allowed.some((outer) => subtreeWithin(form, subtree, outer))) {
    return `permitted: ${allowed.join(', ')}`;
  }
  const hit = excluded[form].filter((outer) => subtreeWithin(form, subtree, outer));
  return hit.length > 0 ? `excluded: ${hit.join(', ')}` : null;
}
