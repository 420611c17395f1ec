import { Credential, credentialLabel } from '../access/credential';
import { JsonObject } from '../common/json';
import { AuditAction } from './audit-action';

export interface AuditEntry {
  action: AuditAction;
  /** Who acted, and through which credential when it was not a password sign-in (an API key, a workload token). */
  actor: { id: number; username: string; credential?: Credential } | null;
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
  'action, user_id, username, credential, organization_id, resource_type, resource_id, client_address, detail';

/** The first six audit columns' values: action, user id, name and credential, organisation, resource type. */
function whoAndWhat(entry: Omit<AuditEntry, 'resourceId'>): unknown[] {
  return [
    entry.action,
    entry.actor?.id ?? null,
    entry.actor?.username ?? null,
    credentialLabel(entry.actor?.credential),
    entry.organizationId,
    entry.resourceType,
  ];
}

/**
 * The one INSERT of an audit entry, with its parameters ($1…$9). The JSON detail goes in as text:
 * TypeORM's deep-partial typing cannot follow a recursive JSON type.
 */
export function insertAuditRow(entry: AuditEntry): { sql: string; parameters: unknown[] } {
  return {
    sql: `INSERT INTO audit_logs (${AUDIT_COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
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
            SELECT ${at(0)}::text, ${at(1)}::integer, ${at(2)}::text, ${at(3)}::text, ${at(4)}::integer, ${at(5)}::text,
                   ${source}.id, ${at(6)}::text, ${at(7)}::jsonb
              FROM ${source}`,
    parameters: [...whoAndWhat(entry), entry.clientAddress, detailText(entry)],
  };
}

function detailText(entry: Pick<AuditEntry, 'detail'>): string | null {
  return entry.detail === undefined ? null : JSON.stringify(entry.detail);
}
