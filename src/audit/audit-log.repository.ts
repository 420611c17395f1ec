import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { EntityManager, Repository } from 'typeorm';
import { listScopeCondition } from '../access/list-scope';
import { Actor } from '../access/policy';
import { entityManagerOf, Transaction } from '../database/transactions';
import { AuditLog } from './audit-log.entity';
import { AuditEntry, insertAuditRow } from './audit-row-sql';
import { AuditLogQueryDto } from './dto/audit-log-query.dto';

/**
 * The one INSERT of an audit entry, in the caller's transaction. Exported for the operator commands
 * that run without the application (restore), so they write the same row.
 */
export async function recordAuditEntry(manager: EntityManager, entry: AuditEntry): Promise<void> {
  const { sql, parameters } = insertAuditRow(entry);
  await manager.query(sql, parameters);
}

/** The only code that reads and writes audit_logs (besides the certificate insert's CTE member). */
@Injectable()
export class AuditLogRepository {
  constructor(@InjectRepository(AuditLog) private readonly auditLogs: Repository<AuditLog>) {}

  /** In the caller's transaction, so the change and its record commit together. */
  record(tx: Transaction, entry: AuditEntry): Promise<void> {
    return recordAuditEntry(entityManagerOf(tx), entry);
  }

  /** The entries `actor` may read (its organisation's, or all for a superuser), newest first. */
  search(actor: Actor, query: AuditLogQueryDto): Promise<AuditLog[]> {
    const scope = listScopeCondition(actor, 'owned', { organization: 'log.organization_id' });
    const builder = this.auditLogs.createQueryBuilder('log').andWhere(scope.sql, scope.params);
    if (query.action) builder.andWhere('log.action = :action', { action: query.action });
    if (query.user_id !== undefined) builder.andWhere('log.user_id = :userId', { userId: query.user_id });
    if (query.resource_type)
      builder.andWhere('log.resource_type = :resourceType', { resourceType: query.resource_type });
    if (query.resource_id !== undefined)
      builder.andWhere('log.resource_id = :resourceId', { resourceId: query.resource_id });
    if (query.since) builder.andWhere('log.created_at >= :since', { since: query.since });
    if (query.until) builder.andWhere('log.created_at <= :until', { until: query.until });
    return builder
      .orderBy('log.created_at', 'DESC')
      .addOrderBy('log.id', 'DESC')
      .offset(query.skip)
      .limit(query.limit)
      .getMany();
  }
}
