import { Injectable } from '@nestjs/common';
import { authorize } from '../access/authorize';
import { Actor } from '../access/policy';
import { Transaction } from '../database/transactions';
import { AuditLogRepository } from './audit-log.repository';
import { AuditEntry } from './audit-row-sql';
import { AuditLogQueryDto } from './dto/audit-log-query.dto';
import { AuditLogResponseDto, toAuditLogResponse } from './dto/audit-log-response.dto';

export type { AuditEntry };
/** Re-exported for the restore command (src/backup/database-restore.ts), which runs without the app. */
export { recordAuditEntry } from './audit-log.repository';

@Injectable()
export class AuditService {
  constructor(private readonly auditLogs: AuditLogRepository) {}

  /** Writes the entry in the caller's transaction, so the change and its record commit together. */
  record(tx: Transaction, entry: AuditEntry): Promise<void> {
    return this.auditLogs.record(tx, entry);
  }

  async search(actor: Actor, query: AuditLogQueryDto): Promise<AuditLogResponseDto[]> {
    authorize(actor, 'read_audit_logs');
    const rows = await this.auditLogs.search(actor, query);
    return rows.map(toAuditLogResponse);
  }
}
