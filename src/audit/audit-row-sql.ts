import { JsonObject } from '../common/json';
import { AuditAction } from './audit-action';

export interface AuditEntry {
  action: AuditAction;
  actor: { id: number; username: string } | null;
  /** The organisation the affected resource belongs to (what admins' queries are scoped by). */
  organizationId: number | null;
  resourceType: string | null;
  resourceId: number | null;
  clientAddress: string | null;
  /** Small, and never a secret: no keys, passwords or tokens. */
  detail?: JsonObject;
}

/** The columns of an audit row, in the order both INSERTs below give their values. */
const AUDIT_COLUMNS =
  'action, user_id, username, organization_id, resource_type, resource_id, client_address, detail';

/** The first five audit columns' values: action, user id and name, organisation, resource type. */
function whoAndWhat(entry: Omit<AuditEntry, 'resourceId'>): unknown[] {
  return [
    entry.action,
    entry.actor?.id ?? null,
    entry.actor?.username ?? null,
    entry.organizationId,
    entry.resourceType,
  ];
}

/**
 * The one INSERT of an audit entry, with its parameters ($1…$8). The JSON detail goes in as text:
 * TypeORM's deep-partial typing cannot follow a recursive JSON type.
 */
export function insertAuditRow(entry: AuditEntry): { sql: string; parameters: unknown[] } {
  return {
    sql: `INSERT INTO audit_logs (${AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    parameters: [...whoAndWhat(entry), entry.resourceId, entry.clientAddress, detailText(entry)],
  };
}

/**
 * The INSERT of an entry as a data-modifying CTE member whose resource id is the `id` column of
 * the CTE `source`, for changes that commit with their audit row in one statement. Parameters are
 * numbered from `firstParameter`.
 */
export function insertFromCte(
  entry: Omit<AuditEntry, 'resourceId'>,
  source: string,
  firstParameter: number,
): { sql: string; parameters: unknown[] } {
  const at = (offset: number) => `$${firstParameter + offset}`;
  return {
    sql: `INSERT INTO audit_logs (${AUDIT_COLUMNS})
            SELECT ${at(0)}::text, ${at(1)}::integer, ${at(2)}::text, ${at(3)}::integer, ${at(4)}::text, ${source}.id,
                   ${at(5)}::text, ${at(6)}::jsonb
              FROM ${source}`,
    parameters: [...whoAndWhat(entry), entry.clientAddress, detailText(entry)],
  };
}

function detailText(entry: Pick<AuditEntry, 'detail'>): string | null {
  return entry.detail === undefined ? null : JSON.stringify(entry.detail);
}
