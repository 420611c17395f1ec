import { EventEmitter } from 'node:events';
import { PgliteLease, PgliteResult, PgliteWorker } from './pglite-worker';

interface PgStyleResult {
  command: string;
  rows: unknown[];
  rowCount: number;
  fields: { name: string; dataTypeID: number }[];
}

type QueryCallback = (error: Error | null, result?: PgStyleResult) => void;
type Release = (error?: Error) => void;

/** node-postgres's query config, as used for named (prepared) statements. */
interface QueryConfig {
  name?: string;
  text: string;
  values?: unknown[];
}

/**
 * Makes one PGlite instance (in its worker thread, see pglite-worker.ts) look like node-postgres's Pool
 * to TypeORM's postgres driver.
 *
 * PGlite is a single session. TypeORM hands each query runner its own connection and may run several
 * transactions at once, so a connection here is a lease on the single PGlite session, which the worker
 * gives to one lease at a time for the length of a transaction block (transaction pooling). Results are
 * reshaped to pg's (rowCount, command), which TypeORM reads for affected-row counts.
 */
export class PglitePool extends EventEmitter {
  constructor(
    private readonly db: PgliteWorker,
    private readonly onEnd: () => void = () => undefined,
  ) {
    super();
  }

  connect(callback: (error: Error | null, client: PgliteClient | null, release: Release) => void): void {
    const client = new PgliteClient(this.db.lease());
    callback(null, client, () => client.release());
  }

  /** Used by TypeORM outside a query runner, at start-up: a lease of its own for one statement. */
  query(sql: string, params: unknown[] | QueryCallback, callback?: QueryCallback): void {
    const done = (typeof params === 'function' ? params : callback) as QueryCallback;
    const client = new PgliteClient(this.db.lease());
    client.query(sql, typeof params === 'function' ? undefined : params, (error, result) => {
      client.release();
      done(error, result);
    });
  }

  /** Closes PGlite once the requests already sent, and any transaction still open, are done. */
  end(callback?: (error?: Error) => void): void {
    this.db
      .close()
      .finally(this.onEnd)
      .then(
        () => callback?.(),
        (error: Error) => callback?.(error),
      );
  }
}

export class PgliteClient extends EventEmitter {
  private released = false;

  constructor(private readonly lease: PgliteLease) {
    super();
  }

  release(): void {
    if (this.released) return;
    this.released = true;
    this.lease.release();
  }

  /**
   * node-postgres style: callback when one is given, otherwise a promise (TypeORM uses both). A query
   * config's name is not needed here: the one in-process session has no round trips to save.
   */
  query(sql: string | QueryConfig, params?: unknown[]): Promise<PgStyleResult>;
  query(sql: string, params: unknown[] | QueryCallback | undefined, callback?: QueryCallback): void;
  query(
    sql: string | QueryConfig,
    params?: unknown[] | QueryCallback,
    callback?: QueryCallback,
  ): Promise<PgStyleResult> | void {
    const done = typeof params === 'function' ? params : callback;
    const text = typeof sql === 'string' ? sql : sql.text;
    const values = typeof sql === 'string' ? (Array.isArray(params) ? params : undefined) : sql.values;
    const result = this.released
      ? Promise.reject(new Error('PGlite client used after release'))
      : this.run(text, values);
    if (!done) return result;
    result.then(
      (rows) => done(null, rows),
      (error: Error) => done(error),
    );
  }

  private async run(sql: string, params: unknown[] | undefined): Promise<PgStyleResult> {
    const command = commandOf(sql);
    const result =
      params && params.length > 0 ? await this.lease.query(sql, params) : await this.lease.exec(sql);
    return reshape(command, result ?? { rows: [], fields: [], affectedRows: undefined });
  }
}

function reshape(command: string, { rows, fields, affectedRows }: PgliteResult): PgStyleResult {
  const isWrite = command === 'UPDATE' || command === 'DELETE' || command === 'INSERT';
  for (const field of fields) {
    if (field.dataTypeID === BYTEA_OID) for (const row of rows) row[field.name] = asBuffer(row[field.name]);
  }
  return { command, rows, rowCount: isWrite ? (affectedRows ?? 0) : rows.length, fields };
}

/** bytea arrives as a Uint8Array (PGlite's type, and what structured clone makes of a Buffer); pg gives a Buffer. */
function asBuffer(value: unknown): unknown {
  return value instanceof Uint8Array ? Buffer.from(value.buffer, value.byteOffset, value.byteLength) : value;
}

function commandOf(sql: string): string {
  const match = /^\s*(?:WITH\b[\s\S]*?\)\s*)?(\w+)/i.exec(sql);
  return (match?.[1] ?? '').toUpperCase();
}

/** PostgreSQL's fixed type OIDs (pg_type.dat) for the types whose parsing must match node-postgres. */
const INT8_OID = 20;
const NUMERIC_OID = 1700;
const BYTEA_OID = 17;

/** Left as text like node-postgres does by default: int8 and numeric (a JavaScript number would lose digits). */
export const PG_COMPATIBLE_TEXT_TYPES: readonly number[] = [INT8_OID, NUMERIC_OID];

/** A driver object for TypeORM's `driver` option: TypeORM calls `new driver.Pool(options)`. */
export function pgliteDriver(db: PgliteWorker, onEnd?: () => void): { Pool: new () => PglitePool } {
  return {
    Pool: class extends PglitePool {
      constructor() {
        super(db, onEnd);
      }
    },
  };
}
