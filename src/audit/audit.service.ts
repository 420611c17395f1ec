import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { Actor, can, listScope } from '../access/policy';
import { ForbiddenError } from '../common/errors';
import { JsonObject } from '../common/json';
import { AuditAction } from './audit-action';
import { AuditLog } from './audit-log.entity';
import { AuditLogQueryDto } from './dto/audit-log-query.dto';
import { AuditLogResponseDto, toAuditLogResponse } from './dto/audit-log-response.dto';

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

/**
 * The one INSERT of an audit entry, in the caller's transaction. Exported for the operator commands
 * that run without the application (restore), so they write the same row.
 */
export async function recordAuditEntry(manager: EntityManager, entry: AuditEntry): Promise<void> {
  // The JSON detail goes in as text: TypeORM's deep-partial typing cannot follow a recursive JSON type.
  await manager.query(
    `INSERT INTO audit_logs (action, user_id, username, organization_id, resource_type, resource_id, client_address, detail)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
    [
      entry.action,
      entry.actor?.id ?? null,
      entry.actor?.username ?? null,
      entry.organizationId,
      entry.resourceType,
      entry.resourceId,
      entry.clientAddress,
      entry.detail === undefined ? null : JSON.stringify(entry.detail),
    ],
  );
}

@Injectable()
export class AuditService {
  constructor(@InjectRepository(AuditLog) private readonly auditLogs: Repository<AuditLog>) {}

  /** Writes the entry with the caller's transaction, so the change and its record commit together. */
  record(manager: EntityManager, entry: AuditEntry): Promise<void> {
    return recordAuditEntry(manager, entry);
  }

  /**
   * The INSERT of an entry as a data-modifying CTE member whose resource id is the `id` column of
   * the CTE `source`, for changes that commit with their audit row in one statement. Parameters are
   * numbered from `firstParameter`.
   */
  insertFromCte(
    entry: Omit<AuditEntry, 'resourceId'>,
    source: string,
    firstParameter: number,
  ): { sql: string; parameters: unknown[] } {
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

  async query(actor: Actor, query: AuditLogQueryDto): Promise<AuditLogResponseDto[]> {
    if (!can(actor, 'read_audit_logs'))
      throw new ForbiddenError('Only admins and superusers may read audit logs');
    const scope = listScope(actor);
    const builder = this.auditLogs.createQueryBuilder('log');
    if (!scope.everything)
      builder.andWhere('log.organization_id = :scopeOrg', { scopeOrg: scope.organizationId ?? -1 });
    if (query.action) builder.andWhere('log.action = :action', { action: query.action });
    if (query.user_id !== undefined) builder.andWhere('log.user_id = :userId', { userId: query.user_id });
    if (query.resource_type)
      builder.andWhere('log.resource_type = :resourceType', { resourceType: query.resource_type });
    if (query.resource_id !== undefined)
      builder.andWhere('log.resource_id = :resourceId', { resourceId: query.resource_id });
    if (query.since) builder.andWhere('log.created_at >= :since', { since: query.since });
    if (query.until) builder.andWhere('log.created_at <= :until', { until: query.until });
    const rows = await builder
      .orderBy('log.created_at', 'DESC')
      .addOrderBy('log.id', 'DESC')
      .offset(query.skip)
      .limit(query.limit)
      .getMany();
    return rows.map(toAuditLogResponse);
  }
}
