import { createHash, Hash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { KekEnvelope } from './kek-envelope';

/**
 * A backup is JSON lines: one header, then one line per row ({"table", "row"}) with the tables in
 * foreign-key order, then a trailer with the row count and the SHA-256 of every line before it, so a
 * truncated or altered file is refused before anything is written.
 */
export const BACKUP_FORMAT = 'private-ca-backup';
export const BACKUP_FORMAT_VERSION = 1;

export interface BackupHeader {
  format: typeof BACKUP_FORMAT;
  format_version: number;
  created_at: string;
  app_version: string;
  /** Where the backup was made: "pglite" (embedded) or "postgres"; either restores into either. */
  database: 'pglite' | 'postgres';
  /** The name of the last migration applied to the backed-up database. */
  schema_version: string;
  tables: { name: string; rows: number }[];
  /** Fingerprint of the KEK the private keys are sealed under (the id inside every sealed key). */
  kek_id: string | null;
  kek_included: boolean;
  kek_envelope: KekEnvelope | null;
  note: string;
}

export interface BackupTrailer {
  end: true;
  rows: number;
  sha256: string;
}

export interface BackupRow {
  table: string;
  row: Record<string, unknown>;
}

export function kekNote(included: boolean): string {
  return included
    ? 'The KEK is included, sealed with the backup passphrase (scrypt + AES-256-GCM): keep the passphrase apart from this file.'
    : 'The KEK is NOT included: the private keys in this backup are sealed under the KEK with id kek_id, and are ' +
        'useless without it. Back up PRIVATE_KEY_ENCRYPTION_KEY (embedded: DATA_DIR/private_key_encryption_key) separately.';
}

/** Writes lines and keeps the running digest the trailer carries. */
export class BackupWriter {
  private readonly digest: Hash = createHash('sha256');
  private rows = 0;

  constructor(private readonly sink: (text: string) => Promise<void>) {}

  header(header: BackupHeader): Promise<void> {
    return this.line(JSON.stringify(header));
  }

  /** `rowJson` is the row as PostgreSQL's row_to_json wrote it, copied without re-encoding. */
  row(table: string, rowJson: string): Promise<void> {
    this.rows += 1;
    return this.line(`{"table":${JSON.stringify(table)},"row":${rowJson}}`);
  }

  end(): Promise<void> {
    const trailer: BackupTrailer = { end: true, rows: this.rows, sha256: this.digest.digest('hex') };
    return this.sink(JSON.stringify(trailer) + '\n');
  }

  private line(text: string): Promise<void> {
    const line = text + '\n';
    this.digest.update(line);
    return this.sink(line);
  }
}

export class InvalidBackupError extends Error {
  constructor(message: string) {
    super(`The backup file cannot be restored: ${message}`);
    this.name = 'InvalidBackupError';
  }
}

/**
 * Reads a backup file and checks it whole (header, every line, row counts, trailer digest), calling
 * `onRow` for each row; throws InvalidBackupError saying what is wrong.
 */
export async function readBackup(
  path: string,
  onRow?: (row: BackupRow) => Promise<void> | void,
): Promise<BackupHeader> {
  const digest = createHash('sha256');
  const lines = createInterface({ input: createReadStream(path, { encoding: 'utf8' }), crlfDelay: Infinity });
  let header: BackupHeader | null = null;
  let trailer: BackupTrailer | null = null;
  const counts = new Map<string, number>();
  let lineNumber = 0;
  for await (const line of lines) {
    lineNumber += 1;
    if (trailer) throw new InvalidBackupError(`line ${lineNumber} follows the end marker`);
    const value = parseLine(line, lineNumber);
    if (!header) {
      header = checkHeader(value);
      header.tables.forEach(({ name }) => counts.set(name, 0));
    } else if (value.end === true) {
      trailer = value as unknown as BackupTrailer;
      continue;
    } else {
      const row = value as unknown as BackupRow;
      const seen = counts.get(row.table);
      if (seen === undefined || typeof row.row !== 'object' || row.row === null) {
        throw new InvalidBackupError(`line ${lineNumber} is not a row of a table the header lists`);
      }
      counts.set(row.table, seen + 1);
      await onRow?.(row);
    }
    digest.update(line + '\n');
  }
  if (!header) throw new InvalidBackupError('the file is empty');
  if (!trailer)
    throw new InvalidBackupError('it is truncated (no end marker): the backup did not finish or was cut');
  if (trailer.sha256 !== digest.digest('hex'))
    throw new InvalidBackupError('its checksum does not match: the file was altered');
  for (const { name, rows } of header.tables) {
    if (counts.get(name) !== rows) {
      throw new InvalidBackupError(`table ${name} has ${counts.get(name)} rows, the header says ${rows}`);
    }
  }
  return header;
}

function parseLine(line: string, lineNumber: number): Record<string, unknown> {
  try {
    const value: unknown = JSON.parse(line);
    if (typeof value === 'object' && value !== null && !Array.isArray(value))
      return value as Record<string, unknown>;
  } catch {
    // Reported below with the line number.
  }
  throw new InvalidBackupError(`line ${lineNumber} is not a JSON object (the file is damaged or truncated)`);
}

function checkHeader(value: Record<string, unknown>): BackupHeader {
  if (value.format !== BACKUP_FORMAT)
    throw new InvalidBackupError('it is not a private-ca backup (no header)');
  if (value.format_version !== BACKUP_FORMAT_VERSION) {
    throw new InvalidBackupError(
      `it has format version ${String(value.format_version)}; this release reads version ${BACKUP_FORMAT_VERSION}`,
    );
  }
  const tables = value.tables;
  if (
    typeof value.schema_version !== 'string' ||
    !Array.isArray(tables) ||
    !tables.every(
      (table: { name?: unknown; rows?: unknown }) =>
        typeof table.name === 'string' && Number.isInteger(table.rows),
    )
  ) {
    throw new InvalidBackupError('its header is damaged');
  }
  return value as unknown as BackupHeader;
}
