import { ForbiddenError } from '../common/errors';
import { Actor, can, GlobalAction } from './policy';
import { refusalFor } from './refusals';
import { Resource, ResourceAction, ResourceKind } from './resources';

/**
 * The one gate: services call it before acting; it asks the pure policy and, when the answer is
 * no, throws the 403 whose message the refusal table gives.
 */
export function authorize<K extends ResourceKind>(
  actor: Actor,
  action: ResourceAction<K>,
  resource: Resource<K>,
): void;
export function authorize(actor: Actor, action: GlobalAction): void;
export function authorize(actor: Actor, action: string, resource?: Resource): void {
  if (isAllowed(actor, action, resource)) return;
  throw new ForbiddenError(refusalFor(actor, resource?.kind ?? 'global', action));
}

/** The same question as authorize, answered as a boolean (for choices, not refusals). */
export function allows<K extends ResourceKind>(
  actor: Actor,
  action: ResourceAction<K>,
  resource: Resource<K>,
): boolean;
export function allows(actor: Actor, action: GlobalAction): boolean;
export function allows(actor: Actor, action: string, resource?: Resource): boolean {
  return isAllowed(actor, action, resource);
}

function isAllowed(actor: Actor, action: string, resource: Resource | undefined): boolean {
  // The overloads above tie each action to its kind; `can`'s overloads cannot see through the union.
  const ask = can as (actor: Actor, action: string, facts?: unknown) => boolean;
  return resource ? ask(actor, action, resource.facts) : ask(actor, action);
}
