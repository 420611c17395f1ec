import { EntityManager } from 'typeorm';

/** TypeORM's own bookkeeping: the target's migrations have already run, and its history is its own. */
/**
 * Bookkeeping of the schema, the sign-in rate-limit windows, the renewal tokens already used, ACME
 * nonces and validation jobs: minutes of state, nothing to restore (a renewal token lives five minutes
 * at most; a client whose nonce is gone retries on badNonce, and an unfinished validation is retried).
 */
export const NOT_BACKED_UP: ReadonlySet<string> = new Set([
  'migrations',
  'typeorm_metadata',
  'auth_rate_limits',
  'renewal_token_uses',
  'acme_nonces',
  'acme_validation_jobs',
]);

export interface BackedUpTable {
  name: string;
  /** Primary-key columns: rows are written in this order, so a self-reference (a CA's parent) comes first. */
  primaryKey: string[];
}

/**
 * The application's tables, parents before children (foreign keys), read from the catalogue rather than
 * listed by hand, so a table a later migration adds is backed up too.
 */
export async function listTables(manager: EntityManager): Promise<BackedUpTable[]> {
  const tables: { name: string }[] = await manager.query(
    `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE n.nspname = current_schema() AND c.relkind = 'r' ORDER BY c.relname`,
  );
  const references: { child: string; parent: string }[] = await manager.query(
    `SELECT child.relname AS child, parent.relname AS parent FROM pg_constraint f
       JOIN pg_class child ON child.oid = f.conrelid JOIN pg_class parent ON parent.oid = f.confrelid
      WHERE f.contype = 'f' AND f.connamespace = current_schema()::regnamespace AND f.conrelid <> f.confrelid`,
  );
  const keys: { name: string; column: string }[] = await manager.query(
    `SELECT c.relname AS name, a.attname AS column FROM pg_index i
       JOIN pg_class c ON c.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = ANY (i.indkey)
      WHERE i.indisprimary AND n.nspname = current_schema() ORDER BY c.relname, array_position(i.indkey, a.attnum)`,
  );
  const names = tables.map(({ name }) => name).filter((name) => !NOT_BACKED_UP.has(name));
  return dependencyOrder(names, references).map((name) => ({
    name,
    primaryKey: keys.filter((key) => key.name === name).map((key) => key.column),
  }));
}

/** Kahn's algorithm; ties by name, so two exports of one schema list tables alike. */
function dependencyOrder(names: string[], references: { child: string; parent: string }[]): string[] {
  const ordered: string[] = [];
  const remaining = new Set(names);
  while (remaining.size > 0) {
    const ready = [...remaining].filter(
      (name) => !references.some((reference) => reference.child === name && remaining.has(reference.parent)),
    );
    if (ready.length === 0) throw new Error(`Foreign keys form a cycle between ${[...remaining].join(', ')}`);
    ready.sort().forEach((name) => {
      ordered.push(name);
      remaining.delete(name);
    });
  }
  return ordered;
}

export function quoteIdentifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The last migration the database has applied: what a backup records as its schema version. */
export async function schemaVersion(manager: EntityManager): Promise<string> {
  const rows: { name: string }[] = await manager.query(
    `SELECT name FROM migrations ORDER BY id DESC LIMIT 1`,
  );
  return rows[0]?.name ?? 'none';
}
