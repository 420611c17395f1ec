import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { DataSourceOptions } from 'typeorm';
import { DatabaseTarget } from '../config/app-config';
import { acquireDataDirLock } from './data-dir-lock';
import { ENTITIES } from './entities';
import { MIGRATIONS } from './migrations';
import { PG_COMPATIBLE_TEXT_TYPES, pgliteDriver } from './pglite-pool';
import { PgliteWorker } from './pglite-worker';
import { SnakeNamingStrategy } from './snake-naming.strategy';

export const PGLITE_SUBDIR = 'pglite';

/** One set of options for the app, the CLI and the tests; only the connection differs. */
export async function buildDataSourceOptions(target: DatabaseTarget): Promise<DataSourceOptions> {
  const common = {
    type: 'postgres' as const,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: true,
    migrationsTransactionMode: 'each' as const,
    synchronize: false,
    namingStrategy: new SnakeNamingStrategy(),
    logging: false,
  };
  if (target.kind === 'postgres') {
    return { ...common, url: target.url, poolSize: 20, extra: { connectionTimeoutMillis: 5000 } };
  }
  if (target.kind === 'pglite-memory') {
    const db = await PgliteWorker.start({ textTypeOids: PG_COMPATIBLE_TEXT_TYPES });
    return { ...common, driver: pgliteDriver(db) };
  }
  const dataDir = join(target.dataDir, PGLITE_SUBDIR);
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  // Held until the pool closes; a process that dies leaves a stale lock the next opener takes over.
  const lock = acquireDataDirLock(target.dataDir);
  try {
    const db = await PgliteWorker.start({ dataDir, textTypeOids: PG_COMPATIBLE_TEXT_TYPES });
    return { ...common, driver: pgliteDriver(db, () => lock.release()) };
  } catch (error) {
    lock.release();
    throw error;
  }
}
