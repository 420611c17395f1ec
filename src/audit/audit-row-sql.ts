import type { AuditEntry } from './audit.service';

/** A statement member and its parameters, numbered from the caller's `firstParameter`. */
export interface AuditRowSql {
  sql: string;
  parameters: unknown[];
}

/**
 * The INSERT of an audit entry as a data-modifying CTE member whose resource id is the `id` column
 * of the CTE `source`, for changes that commit with their audit row in one statement (the same row
 * as recordAuditEntry writes). Pure: the text depends only on `source` and `firstParameter`.
 */
export function auditRowFromCte(
  entry: Omit<AuditEntry, 'resourceId'>,
  source: string,
  firstParameter: number,
): AuditRowSql {
  const at = (offset: number) => `$${firstParameter + offset}`;
  return {
    sql: `INSERT INTO audit_logs (action, user_id, username, organization_id, resource_type, resource_id, client_address, detail)
            SELECT ${at(0)}::text, ${at(1)}::integer, ${at(2)}::text, ${at(3)}::integer, ${at(4)}::text, ${source}.id,
                   ${at(5)}::text, ${at(6)}::jsonb
              FROM ${source}`,
    parameters: [
      entry.action,
      entry.actor?.id ?? null,
      entry.actor?.username ?? null,
      entry.organizationId,
      entry.resourceType,
      entry.clientAddress,
      entry.detail === undefined ? null : JSON.stringify(entry.detail),
    ],
  };
}
