import { createWriteStream, existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { once } from 'node:events';
import { AppConfig, parseEncryptionKey } from '../config/app-config';
import { KEK_FILE } from '../config/secret-files';
import { LocalKeySealer } from '../crypto/key-sealer';
import { assertDataDirFree, liveLockHolder } from '../database/data-dir-lock';
import { MIGRATIONS } from '../database/migrations';
import { withDataSource } from '../database/standalone-data-source';
import { BackupHeader, kekNote, readBackup } from './backup-format';
import { exportDatabase } from './database-export';
import { checkBackup, loadBackup, RestoreRefusedError } from './database-restore';
import { openKek, sealKek } from './kek-envelope';

export interface BackupCommandOptions {
  file: string;
  url?: string;
  includeKek: boolean;
}

/**
 * `backup`: through the running service's API when it holds the embedded directory (or --url says so),
 * otherwise straight from the database. The file appears only once complete (written beside it, checked,
 * then renamed), readable by its owner only.
 */
export async function runBackup(config: AppConfig, options: BackupCommandOptions): Promise<void> {
  const passphrase = options.includeKek ? backupPassphrase() : null;
  const partial = `${options.file}.partial`;
  rmSync(partial, { force: true });
  try {
    const holder = config.database.kind === 'pglite-file' ? liveLockHolder(config.dataDir) : null;
    const via = options.url ?? (holder ? localServiceUrl(config) : null);
    if (via) {
      if (holder && !options.url)
        console.error(
          `The service (process ${holder.pid}) holds ${config.dataDir}: backing up through ${via}`,
        );
      await backupThroughApi(via, config.apiPrefix, passphrase, partial);
    } else {
      await backupDirectly(config, passphrase, partial);
    }
    const header = await readBackup(partial);
    renameSync(partial, options.file);
    const rows = header.tables.reduce((sum, table) => sum + table.rows, 0);
    console.log(
      `Backed up ${rows} rows of ${header.tables.length} tables (schema ${header.schema_version}) to ${options.file}.`,
    );
    console.log(
      header.kek_included
        ? `KEK included. ${kekNote(true)}`
        : `${kekNote(false)} (kek_id ${header.kek_id ?? 'none'})`,
    );
  } finally {
    rmSync(partial, { force: true });
  }
}

async function backupThroughApi(
  baseUrl: string,
  apiPrefix: string,
  passphrase: string | null,
  path: string,
): Promise<void> {
  const token = process.env.CA_ADMIN_TOKEN;
  if (!token) {
    throw new Error(
      'CA_ADMIN_TOKEN must hold a superuser access token to back up through the running service',
    );
  }
  const url = `${baseUrl.replace(/\/+$/, '')}${apiPrefix}/system/backup`;
  const response = await fetch(url, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'application/json' },
    body: JSON.stringify(passphrase ? { include_kek: true, passphrase } : {}),
  }).catch((error: unknown) => {
    throw new Error(
      `The service at ${baseUrl} cannot be reached (${error instanceof Error ? error.message : error})`,
    );
  });
  if (!response.ok || !response.body) {
    const body = (await response.json().catch(() => ({}))) as { detail?: unknown };
    throw new Error(
      `The service refused the backup (${response.status}): ${String(body.detail ?? response.statusText)}`,
    );
  }
  await pipeline(Readable.fromWeb(response.body), createWriteStream(path, { mode: 0o600, flags: 'wx' }));
}

async function backupDirectly(config: AppConfig, passphrase: string | null, path: string): Promise<void> {
  const kek = configuredKek(config);
  if (passphrase && !kek)
    throw new Error('--include-kek: no KEK is configured (PRIVATE_KEY_ENCRYPTION_KEY) or stored in DATA_DIR');
  const kekEnvelope = passphrase && kek ? await sealKek(kek, passphrase) : null;
  const output = createWriteStream(path, { mode: 0o600, flags: 'wx' });
  await withDataSource(config.database, false, (dataSource) =>
    exportDatabase(
      dataSource,
      {
        database: config.database.kind === 'postgres' ? 'postgres' : 'pglite',
        kekId: kek ? new LocalKeySealer(kek).kekId : null,
        kekEnvelope,
      },
      async (text) => {
        if (!output.write(text)) await once(output, 'drain');
      },
    ),
  );
  output.end();
  await once(output, 'close');
}

export interface RestoreCommandOptions {
  file: string;
  /** Where to write the KEK recovered from the backup's envelope, when the target is PostgreSQL. */
  writeKek?: string;
}

/** `restore`: into the stopped service's database, which must be empty (a fresh one is migrated first). */
export async function runRestore(config: AppConfig, options: RestoreCommandOptions): Promise<void> {
  if (config.database.kind === 'pglite-file') assertDataDirFree(config.dataDir);
  let recovered: Buffer | null = null;
  const checked = await checkBackup(options.file, MIGRATIONS[MIGRATIONS.length - 1].name, async (header) => {
    const kek = await kekForRestore(config, header, options);
    if (header.kek_envelope) recovered = kek;
    return kek;
  });
  const rows = await withDataSource(config.database, true, (dataSource) => loadBackup(dataSource, checked));
  const summary = { rows, header: checked.header };
  console.log(
    `Restored ${summary.rows} rows (backup of ${summary.header.created_at}, schema ${summary.header.schema_version}, ` +
      `from ${summary.header.database}).`,
  );
  if (recovered) console.log(installKek(config, recovered, options.writeKek));
  console.log(
    'Start the service; users sign in again unless SECRET_KEY is the one the backed-up service used.',
  );
}

async function kekForRestore(
  config: AppConfig,
  header: BackupHeader,
  options: RestoreCommandOptions,
): Promise<Buffer> {
  const configured = config.privateKeyEncryptionKey;
  if (options.writeKek && existsSync(options.writeKek)) {
    throw new RestoreRefusedError(`--write-kek ${options.writeKek} exists; name a new file`);
  }
  if (!header.kek_envelope) {
    const kek = configuredKek(config);
    if (!kek) {
      throw new RestoreRefusedError(
        `this backup does not include its KEK (id ${header.kek_id ?? 'unknown'}). Set PRIVATE_KEY_ENCRYPTION_KEY to the ` +
          'KEK of the service that made it (embedded: or put it in DATA_DIR/private_key_encryption_key).',
      );
    }
    return kek;
  }
  const passphrase = process.env.CA_BACKUP_PASSPHRASE;
  if (!passphrase) {
    throw new RestoreRefusedError(
      'this backup includes its KEK sealed with a passphrase: set CA_BACKUP_PASSPHRASE',
    );
  }
  const kek = await openKek(header.kek_envelope, passphrase).catch((error: Error) => {
    throw new RestoreRefusedError(error.message);
  });
  if (configured && !configured.equals(kek)) {
    throw new RestoreRefusedError(
      `PRIVATE_KEY_ENCRYPTION_KEY (id ${new LocalKeySealer(configured).kekId}) is not the KEK in the backup ` +
        `(id ${new LocalKeySealer(kek).kekId}): unset it, or set it to the backup's KEK.`,
    );
  }
  if (!configured && config.database.kind === 'postgres' && !options.writeKek) {
    throw new RestoreRefusedError(
      'the restored service needs the KEK from the backup: pass --write-kek PATH to write it to a file (mode 0600) ' +
        'for PRIVATE_KEY_ENCRYPTION_KEY, or set PRIVATE_KEY_ENCRYPTION_KEY to it.',
    );
  }
  return kek;
}

function installKek(config: AppConfig, kek: Buffer, writeKek: string | undefined): string {
  const id = new LocalKeySealer(kek).kekId;
  if (writeKek) {
    writeFileSync(writeKek, kek.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
    return `Wrote the backup's KEK (id ${id}) to ${writeKek}: set PRIVATE_KEY_ENCRYPTION_KEY to its content.`;
  }
  if (config.privateKeyEncryptionKey)
    return `The configured PRIVATE_KEY_ENCRYPTION_KEY is the backup's KEK (id ${id}).`;
  // The target was empty, so a KEK generated there sealed nothing: the backup's replaces it.
  const path = join(config.dataDir, KEK_FILE);
  writeFileSync(path, kek.toString('hex') + '\n', { mode: 0o600 });
  return `Installed the backup's KEK (id ${id}) in ${path}.`;
}

/** The KEK the service runs with: configured, or the embedded default's file; null when neither exists yet. */
function configuredKek(config: AppConfig): Buffer | null {
  if (config.privateKeyEncryptionKey) return config.privateKeyEncryptionKey;
  if (config.database.kind !== 'pglite-file') return null;
  const path = join(config.dataDir, KEK_FILE);
  return existsSync(path) ? parseEncryptionKey(path, readFileSync(path, 'utf8').trim()) : null;
}

function backupPassphrase(): string {
  const passphrase = process.env.CA_BACKUP_PASSPHRASE;
  if (!passphrase) {
    throw new Error(
      '--include-kek seals the KEK with CA_BACKUP_PASSPHRASE (from the environment, never the command line)',
    );
  }
  return passphrase;
}

function localServiceUrl(config: AppConfig): string {
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  return `http://${host.includes(':') ? `[${host}]` : host}:${config.port}`;
}
