import { PGlite } from '@electric-sql/pglite';
import { PGLITE_DATABASE, PGLITE_SETTINGS } from '../../src/database/pglite-settings';
import { join } from 'node:path';
import { Client } from 'pg';

/** What the seeding code needs from either database. */
export interface SqlSession {
  query<T extends object>(sql: string, params?: readonly unknown[]): Promise<T[]>;
  close(): Promise<void>;
}

class PgSession implements SqlSession {
  constructor(private readonly client: Client) {}

  async query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const result = await this.client.query(sql, [...params]);
    return result.rows as T[];
  }

  close(): Promise<void> {
    return this.client.end();
  }
}

class PgliteSession implements SqlSession {
  constructor(private readonly db: PGlite) {}

  async query<T extends object>(sql: string, params: readonly unknown[] = []): Promise<T[]> {
    const result = await this.db.query<T>(sql, [...params]);
    return result.rows;
  }

  close(): Promise<void> {
    return this.db.close();
  }
}

export async function openPostgres(url: string): Promise<SqlSession> {
  const client = new Client({ connectionString: url });
  await client.connect();
  return new PgSession(client);
}

/** The app's embedded database directory (DATA_DIR/pglite); only while the app is stopped. */
export async function openPglite(dataDir: string): Promise<SqlSession> {
  const db = await PGlite.create({
    dataDir: join(dataDir, 'pglite'),
    database: PGLITE_DATABASE,
    startParams: [...PGlite.defaultStartParams, ...PGLITE_SETTINGS],
  });
  return new PgliteSession(db);
}

function databaseName(url: string): { name: string; maintenanceUrl: string } {
  const parsed = new URL(url);
  const name = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    throw new Error(`unsupported database name "${name}" in ${url}`);
  parsed.pathname = '/postgres';
  return { name, maintenanceUrl: parsed.toString() };
}

/** A sibling database on the same server: postgres://…/bench → postgres://…/bench_cfssl. */
export function siblingDatabaseUrl(url: string, suffix: string): string {
  const parsed = new URL(url);
  parsed.pathname = `${parsed.pathname}_${suffix}`;
  return parsed.toString();
}

/**
 * Creates the database named in the URL. An existing one is refused (the bench drops what it creates)
 * unless BENCH_RESET_DB=1 says it may be dropped first.
 */
export async function createDatabase(url: string): Promise<void> {
  const { name, maintenanceUrl } = databaseName(url);
  const admin = await openPostgres(maintenanceUrl);
  try {
    const existing = await admin.query<{ datname: string }>(
      'SELECT datname FROM pg_database WHERE datname = $1',
      [name],
    );
    if (existing.length > 0) {
      if (process.env.BENCH_RESET_DB !== '1') {
        throw new Error(`database ${name} exists; drop it, pick another name or set BENCH_RESET_DB=1`);
      }
      await admin.query(`DROP DATABASE ${name} WITH (FORCE)`);
    }
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.close();
  }
}

export async function dropDatabase(url: string): Promise<void> {
  const { name, maintenanceUrl } = databaseName(url);
  const admin = await openPostgres(maintenanceUrl);
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.close();
  }
}
