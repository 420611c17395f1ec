import { Actor, listScope, requestListScope } from './policy';

/** A SQL condition with named parameters (TypeORM's `:name` style), to AND into a list query. */
export interface SqlCondition {
  sql: string;
  params: Record<string, unknown>;
}

/** The columns of a listed table that the read rule looks at. */
export interface ScopeColumns {
  /** The owning organisation's column, e.g. `cert.organization_id`. */
  organization: string;
  /** The creating (or submitting) user's column; rows they own are visible to them anywhere. */
  owner?: string;
  /** A profile's id column: a service account lists the profiles it is bound to. */
  boundProfile?: string;
}

/**
 * `owned`: rows by the read rule; `certificate_request`: by the requester rule; `signing_ca`: the
 * CAs a signer may name (sign-csr's ca_name), its organisation's, whose create_cert is checked next.
 */
export type ListedKind = 'owned' | 'certificate_request' | 'signing_ca';

const EVERYTHING: SqlCondition = { sql: 'TRUE', params: {} };
const NOTHING: SqlCondition = { sql: 'FALSE', params: {} };

/**
 * The policy's read rule as SQL, written once for every list endpoint: which rows of a table an
 * actor may list. `owned` rows (CAs, certificates; audit rows and organisations name no owner) by
 * organisation or owner, certificate requests by the requester rule.
 */
export function listScopeCondition(actor: Actor, kind: ListedKind, columns: ScopeColumns): SqlCondition {
  if (!actor.isActive) return NOTHING; // the policy lets an inactive actor read nothing
  if (actor.kind !== 'person') return serviceAccountScope(actor, kind, columns);
  if (kind === 'certificate_request') {
    const scope = requestListScope(actor);
    if (scope.everything) return EVERYTHING;
    return ownedBy(columns, scope.organizationId, scope.submittedByUserId);
  }
  const scope = listScope(actor);
  if (scope.everything) return EVERYTHING;
  return ownedBy(
    kind === 'owned' ? columns : { organization: columns.organization },
    scope.organizationId,
    actor.id,
  );
}

function ownedBy(columns: ScopeColumns, organizationId: number | null, userId: number): SqlCondition {
  // -1 matches no row: an actor outside every organisation sees only what it owns.
  const params = { scopeOrganizationId: organizationId ?? -1, scopeUserId: userId };
  const sql = columns.owner
    ? `(${columns.organization} = :scopeOrganizationId OR ${columns.owner} = :scopeUserId)`
    : `${columns.organization} = :scopeOrganizationId`;
  return { sql, params: columns.owner ? params : { scopeOrganizationId: params.scopeOrganizationId } };
}

/**
 * A service account reads the rows it created and the profiles it is bound to; no requests. It names
 * its organisation's CAs to sign under, though it reads none of them.
 */
function serviceAccountScope(actor: Actor, kind: ListedKind, columns: ScopeColumns): SqlCondition {
  if (kind === 'signing_ca')
    return ownedBy({ organization: columns.organization }, actor.organizationId, actor.id);
  if (kind !== 'owned') return NOTHING;
  if (columns.boundProfile) {
    return {
      sql: `${columns.boundProfile} = ANY(:scopeProfileIds)`,
      params: { scopeProfileIds: actor.profileIds ?? [] },
    };
  }
  if (!columns.owner) return NOTHING;
  return { sql: `${columns.owner} = :scopeUserId`, params: { scopeUserId: actor.id } };
}
