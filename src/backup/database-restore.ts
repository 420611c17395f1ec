import { DataSource, EntityManager } from 'typeorm';
import { recordAuditEntry } from '../audit/audit.service';
import { LocalKeySealer } from '../crypto/key-sealer';
import { BackupHeader, BackupRow, readBackup } from './backup-format';
import { listTables, quoteIdentifier, schemaVersion } from './database-tables';

/** A restore that would leave a database the service cannot use: nothing has been written. */
export class RestoreRefusedError extends Error {
  constructor(message: string) {
    super(`Restore refused: ${message}`);
    this.name = 'RestoreRefusedError';
  }
}

export interface CheckedBackup {
  header: BackupHeader;
  path: string;
}

const SEALED_KEY_COLUMN = 'sealed_private_key';
/** Every CA key is checked (they sign); of the certificates' keys a few, which is enough to tell a wrong KEK. */
const CERTIFICATE_KEYS_CHECKED = 3;
const INSERT_BATCH = 200;

/**
 * Everything that can be refused without the target database, so a bad file or KEK is told at once: the
 * file whole (see readBackup), its schema against this release's, and the KEK the restored service will
 * run with (`kekFor`, called once the file is known to be whole) against the sealed keys.
 */
export async function checkBackup(
  path: string,
  releaseSchema: string,
  kekFor: (header: BackupHeader) => Promise<Buffer>,
): Promise<CheckedBackup> {
  const sealedKeys: string[] = [];
  let certificateKeys = 0;
  const header = await readBackup(path, ({ table, row }) => {
    const sealed = row[SEALED_KEY_COLUMN];
    if (typeof sealed !== 'string') return;
    if (table === 'certificates' && certificateKeys++ >= CERTIFICATE_KEYS_CHECKED) return;
    sealedKeys.push(sealed);
  });
  refuseOtherSchema(header, releaseSchema);
  await checkKek(await kekFor(header), header, sealedKeys);
  return { header, path };
}

/**
 * Loads a checked backup into an empty database migrated to the same schema, in one transaction: every
 * row, each sequence moved past the largest id, and an audit row. A refusal leaves the target untouched.
 */
export async function loadBackup(dataSource: DataSource, { header, path }: CheckedBackup): Promise<number> {
  refuseOtherSchema(header, await schemaVersion(dataSource.manager));
  const tables = await listTables(dataSource.manager);
  const missing = header.tables.filter(({ name }) => !tables.some((table) => table.name === name));
  if (missing.length > 0) {
    throw new RestoreRefusedError(`this database has no table ${missing.map(({ name }) => name).join(', ')}`);
  }
  await refuseNonEmpty(
    dataSource.manager,
    tables.map(({ name }) => name),
  );
  return dataSource.transaction(async (manager) => {
    let batch: BackupRow[] = [];
    const flush = async () => {
      if (batch.length === 0) return;
      const table = quoteIdentifier(batch[0].table);
      await manager.query(
        `INSERT INTO ${table} SELECT * FROM json_populate_recordset(NULL::${table}, $1::json)`,
        [JSON.stringify(batch.map(({ row }) => row))],
      );
      batch = [];
    };
    await readBackup(path, async (row) => {
      if (batch.length > 0 && (batch[0].table !== row.table || batch.length >= INSERT_BATCH)) await flush();
      batch.push(row);
    });
    await flush();
    for (const { name } of tables) await resetSequences(manager, name);
    const total = header.tables.reduce((sum, table) => sum + table.rows, 0);
    await recordAuditEntry(manager, {
      action: 'system_restore',
      actor: null,
      organizationId: null,
      resourceType: 'system',
      resourceId: null,
      clientAddress: null,
      detail: {
        via: 'cli',
        backup_created_at: header.created_at,
        source_database: header.database,
        schema_version: header.schema_version,
        rows: total,
        kek_included: header.kek_included,
      },
    });
    return total;
  });
}

function refuseOtherSchema(header: BackupHeader, schema: string): void {
  if (header.schema_version !== schema) {
    throw new RestoreRefusedError(
      `the backup has schema version ${header.schema_version}, this database and release have ${schema}. ` +
        'Restore with the release that made the backup, then upgrade.',
    );
  }
}

async function refuseNonEmpty(manager: EntityManager, tables: string[]): Promise<void> {
  const used: string[] = [];
  for (const table of tables) {
    const rows: unknown[] = await manager.query(`SELECT 1 FROM ${quoteIdentifier(table)} LIMIT 1`);
    if (rows.length > 0) used.push(table);
  }
  if (used.length > 0) {
    throw new RestoreRefusedError(
      `the target database is not empty (${used.join(', ')} have rows). Restore into a new, empty database ` +
        '(embedded: an empty DATA_DIR) with the service stopped.',
    );
  }
}

async function checkKek(kek: Buffer, header: BackupHeader, sealedKeys: string[]): Promise<void> {
  const sealer = new LocalKeySealer(kek);
  for (const sealed of sealedKeys) {
    try {
      await sealer.unseal(sealed);
    } catch {
      throw new RestoreRefusedError(
        `the KEK in use (id ${sealer.kekId}) does not open the private keys in this backup (sealed under KEK id ` +
          `${header.kek_id ?? 'unknown'}). Set PRIVATE_KEY_ENCRYPTION_KEY (embedded: DATA_DIR/private_key_encryption_key) ` +
          'to the KEK of the service that made the backup, or restore a backup made with --include-kek.',
      );
    }
  }
}

/** serial columns continue after the restored ids, so the next row does not collide with a restored one. */
async function resetSequences(manager: EntityManager, table: string): Promise<void> {
  const columns: { column: string; sequence: string | null }[] = await manager.query(
    `SELECT a.attname AS column, pg_get_serial_sequence($1, a.attname) AS sequence FROM pg_attribute a
      WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped`,
    [quoteIdentifier(table)],
  );
  for (const { column, sequence } of columns) {
    if (!sequence) continue;
    await manager.query(
      `SELECT setval($1, COALESCE(max(${quoteIdentifier(column)}), 0) + 1, false) FROM ${quoteIdentifier(table)}`,
      [sequence],
    );
  }
}
