import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_VERSION } from '../system/version';
import { BACKUP_FORMAT, BACKUP_FORMAT_VERSION, BackupHeader, BackupWriter, kekNote } from './backup-format';
import { listTables, quoteIdentifier, schemaVersion } from './database-tables';
import { KekEnvelope } from './kek-envelope';

export interface ExportOptions {
  database: BackupHeader['database'];
  kekId: string | null;
  kekEnvelope: KekEnvelope | null;
}

const FETCH_SIZE = 500;

/**
 * Writes the whole database as one consistent snapshot: every table is read in one REPEATABLE READ,
 * read-only transaction, so concurrent writes of a running service are either all in or all out. The
 * same in-process export serves PGlite and PostgreSQL (rather than pg_dump), so one format restores into
 * either, which is how an embedded installation moves to PostgreSQL. Returns the header written.
 */
export function exportDatabase(
  dataSource: DataSource,
  options: ExportOptions,
  sink: (text: string) => Promise<void>,
): Promise<BackupHeader> {
  return dataSource.transaction('REPEATABLE READ', async (manager) => {
    await manager.query('SET TRANSACTION READ ONLY');
    const tables = await listTables(manager);
    const counted = [];
    for (const table of tables) {
      const [{ count }]: { count: string }[] = await manager.query(
        `SELECT count(*) AS count FROM ${quoteIdentifier(table.name)}`,
      );
      counted.push({ name: table.name, rows: Number(count) });
    }
    const header: BackupHeader = {
      format: BACKUP_FORMAT,
      format_version: BACKUP_FORMAT_VERSION,
      created_at: new Date().toISOString(),
      app_version: APP_VERSION,
      database: options.database,
      schema_version: await schemaVersion(manager),
      tables: counted,
      kek_id: options.kekId,
      kek_included: options.kekEnvelope !== null,
      kek_envelope: options.kekEnvelope,
      note: kekNote(options.kekEnvelope !== null),
    };
    const writer = new BackupWriter(sink);
    await writer.header(header);
    for (const table of tables) {
      const order = table.primaryKey.map(quoteIdentifier).join(', ') || '1';
      await manager.query(
        `DECLARE backup_rows NO SCROLL CURSOR FOR
           SELECT row_to_json(t)::text AS row FROM ${quoteIdentifier(table.name)} t ORDER BY ${order}`,
      );
      for (;;) {
        const rows: { row: string }[] = await manager.query(`FETCH ${FETCH_SIZE} FROM backup_rows`);
        for (const { row } of rows) await writer.row(table.name, row);
        if (rows.length < FETCH_SIZE) break;
      }
      await manager.query('CLOSE backup_rows');
    }
    await writer.end();
    return header;
  });
}

/** The running service's database, exported as above (for BackupService, which holds no connection). */
@Injectable()
export class DatabaseExporter {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  export(options: ExportOptions, sink: (text: string) => Promise<void>): Promise<BackupHeader> {
    return exportDatabase(this.dataSource, options, sink);
  }
}
