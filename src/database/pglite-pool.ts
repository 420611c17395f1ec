import { EventEmitter } from 'node:events';
import { PGlite, types } from '@electric-sql/pglite';

interface PgStyleResult {
  command: string;
  rows: unknown[];
  rowCount: number;
  fields: { name: string; dataTypeID: number }[];
}

type QueryCallback = (error: Error | null, result?: PgStyleResult) => void;
type Release = (error?: Error) => void;

/**
 * Makes one PGlite instance look like node-postgres's Pool to TypeORM's postgres driver.
 *
 * PGlite is a single connection. TypeORM hands each query runner its own connection and may run
 * several transactions at once, so a connection here is a lease on the single PGlite session:
 * the next lease waits until the previous one is released (a pool of size one). Results are
 * reshaped to pg's (rowCount, command), which TypeORM reads for affected-row counts.
 */
export class PglitePool extends EventEmitter {
  private queue: Promise<void> = Promise.resolve();

  constructor(private readonly db: PGlite) {
    super();
  }

  connect(callback: (error: Error | null, client: PgliteClient | null, release: Release) => void): void {
    let releaseLease: () => void = () => undefined;
    const leaseHeld = new Promise<void>((resolve) => (releaseLease = resolve));
    const previous = this.queue;
    this.queue = previous.then(() => leaseHeld);
    previous.then(
      () => {
        const client = new PgliteClient(this.db);
        let released = false;
        callback(null, client, () => {
          if (released) return;
          released = true;
          client.detach();
          releaseLease();
        });
      },
      (error: Error) => callback(error, null, () => undefined),
    );
  }

  /** Used by TypeORM outside a lease only at start-up; takes a lease so it never interleaves. */
  query(sql: string, params: unknown[] | QueryCallback, callback?: QueryCallback): void {
    this.connect((error, client, release) => {
      const done = (typeof params === 'function' ? params : callback) as QueryCallback;
      if (error || !client) return done(error ?? new Error('no PGlite client'));
      client.query(sql, typeof params === 'function' ? undefined : params, (queryError, result) => {
        release();
        done(queryError, result);
      });
    });
  }

  end(callback?: (error?: Error) => void): void {
    this.queue
      .then(() => this.db.close())
      .then(
        () => callback?.(),
        (error: Error) => callback?.(error),
      );
  }
}

export class PgliteClient extends EventEmitter {
  private attached = true;

  constructor(private readonly db: PGlite) {
    super();
  }

  detach(): void {
    this.attached = false;
  }

  /** node-postgres style: callback when one is given, otherwise a promise (TypeORM uses both). */
  query(
    sql: string,
    params?: unknown[] | QueryCallback,
    callback?: QueryCallback,
  ): Promise<PgStyleResult> | void {
    const done = typeof params === 'function' ? params : callback;
    const values = Array.isArray(params) ? params : undefined;
    const result = this.attached
      ? this.run(sql, values)
      : Promise.reject(new Error('PGlite client used after release'));
    if (!done) return result;
    result.then(
      (rows) => done(null, rows),
      (error: Error) => done(error),
    );
  }

  private async run(sql: string, params: unknown[] | undefined): Promise<PgStyleResult> {
    const command = commandOf(sql);
    if (params && params.length > 0) {
      const result = await this.db.query(sql, params);
      return reshape(command, result.rows, result.affectedRows, result.fields);
    }
    const results = await this.db.exec(sql);
    const last = results[results.length - 1];
    return reshape(command, last?.rows ?? [], last?.affectedRows, last?.fields ?? []);
  }
}

function reshape(
  command: string,
  rows: unknown[],
  affectedRows: number | undefined,
  fields: readonly { name: string; dataTypeID: number }[],
): PgStyleResult {
  const isWrite = command === 'UPDATE' || command === 'DELETE' || command === 'INSERT';
  return { command, rows, rowCount: isWrite ? (affectedRows ?? 0) : rows.length, fields: [...fields] };
}

function commandOf(sql: string): string {
  const match = /^\s*(?:WITH\b[\s\S]*?\)\s*)?(\w+)/i.exec(sql);
  return (match?.[1] ?? '').toUpperCase();
}

/** Parse like node-postgres does by default: int8 and numeric as strings, bytea as Buffer. */
export const PG_COMPATIBLE_PARSERS = {
  [types.INT8]: (value: string) => value,
  [types.NUMERIC]: (value: string) => value,
};

/** A driver object for TypeORM's `driver` option: TypeORM calls `new driver.Pool(options)`. */
export function pgliteDriver(db: PGlite): { Pool: new () => PglitePool } {
  return {
    Pool: class extends PglitePool {
      constructor() {
        super(db);
      }
    },
  };
}
