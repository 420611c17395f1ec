import { existsSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { types } from 'node:util';
import { ResourceLimits, Worker } from 'node:worker_threads';
import { PGLITE_DATABASE, PGLITE_SETTINGS } from './pglite-settings';
import type {
  Envelope,
  PgliteResult,
  PgliteWorkerData,
  Reply,
  Request,
  SerialisedError,
} from './pglite-worker.protocol';

export type { PgliteResult } from './pglite-worker.protocol';

export interface PgliteWorkerOptions {
  /** Directory of the database files; in memory when absent. */
  dataDir?: string;
  /** Types PGlite returns as PostgreSQL's text instead of parsing them (parsers are functions: not cloneable). */
  textTypeOids?: readonly number[];
  /** Limits on the worker's JavaScript heap (PGlite's WebAssembly memory is outside them). */
  resourceLimits?: ResourceLimits;
}

interface Pending {
  resolve(result: PgliteResult | null): void;
  reject(error: Error): void;
}

/**
 * One user of the PGlite session, such as a TypeORM query runner. Its requests run in order; while its
 * transaction block is open, no other lease's requests run.
 */
export interface PgliteLease {
  /** One statement with $n parameters (PGlite's extended protocol). */
  query(sql: string, params: unknown[]): Promise<PgliteResult>;
  /** Any number of statements without parameters (simple protocol); the last statement's result, if any. */
  exec(sql: string): Promise<PgliteResult | null>;
  /** Ends the lease; a transaction it left open is rolled back. */
  release(): void;
}

/**
 * The worker's file beside this one: compiled JavaScript in dist/; TypeScript under Jest and ts-node, whose
 * hooks do not reach a worker thread, so there the worker loads ts-node itself (transpile only). Otherwise not
 * the app's Node options: --cpu-prof would write the worker's profile over the main thread's (--cpu-prof-name).
 */
function workerThread(): { file: string; execArgv: string[] } {
  const file = join(__dirname, `pglite-worker.thread${extname(__filename)}`);
  if (extname(file) !== '.ts') return { file, execArgv: [] };
  return { file, execArgv: ['--require', require.resolve('ts-node/register/transpile-only')] };
}

/**
 * A PGlite instance in a worker thread, so PostgreSQL's WebAssembly runs off the event loop.
 *
 * Requests go over the worker's message port and are answered by id; the worker schedules them by lease
 * (see pglite-worker.thread.ts). The worker keeps the process alive only while a request is outstanding, like
 * a socket to a server would: an app that exits without closing the database is not held open by an idle
 * worker.
 */
export class PgliteWorker {
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private nextLease = 1;
  /** Set once the worker is gone or closing: every request from then on fails with it. */
  private stopped: Error | null = null;
  private closed: Promise<void> | null = null;

  private constructor(private readonly worker: Worker) {
    worker.on('message', (reply: Reply) => this.settle(reply));
    worker.on('error', (error) => this.stop(new Error(`PGlite worker crashed: ${error.message}`)));
    worker.on('exit', (code) =>
      this.stop(new Error(`PGlite worker stopped unexpectedly (exit code ${code})`)),
    );
  }

  /**
   * Resolves once PGlite is ready; rejects naming the directory, with PGlite's error as the cause and in
   * the message (bad, locked or damaged data directory).
   */
  static async start(options: PgliteWorkerOptions = {}): Promise<PgliteWorker> {
    const { dataDir } = options;
    if (dataDir !== undefined && existsSync(dataDir) && !statSync(dataDir).isDirectory()) {
      throw new Error(`The embedded database cannot be opened: ${dataDir} is not a directory`);
    }
    // PGlite creates a new database with a second WebAssembly instance (initdb) whose memory it never
    // gives back: 380 MB more for the life of the thread, measured. Creating it in a thread of its own frees it.
    if (dataDir !== undefined && !existsSync(join(dataDir, 'PG_VERSION'))) {
      await (await PgliteWorker.launch(options)).close();
    }
    return PgliteWorker.launch(options);
  }

  private static async launch(options: PgliteWorkerOptions): Promise<PgliteWorker> {
    const { file, execArgv } = workerThread();
    const workerData: PgliteWorkerData = {
      dataDir: options.dataDir,
      database: PGLITE_DATABASE,
      settings: PGLITE_SETTINGS,
      textTypeOids: options.textTypeOids ?? [],
    };
    const worker = new Worker(file, {
      execArgv,
      workerData,
      resourceLimits: options.resourceLimits,
    });
    const db = new PgliteWorker(worker);
    try {
      await new Promise((resolve, reject) => db.pending.set(0, { resolve, reject }));
    } catch (error) {
      await worker.terminate();
      throw cannotOpen(options.dataDir, error);
    }
    return db;
  }

  lease(): PgliteLease {
    const lease = this.nextLease++;
    return {
      query: async (sql, params) => {
        const result = await this.request(lease, { kind: 'query', sql, params });
        if (!result) throw new Error('PGlite returned no result for a query');
        return result;
      },
      exec: (sql) => this.request(lease, { kind: 'exec', sql }),
      release: () => {
        if (!this.stopped)
          this.worker.postMessage({ lease, request: { kind: 'release' } } satisfies Envelope);
      },
    };
  }

  /** Closes PGlite (which writes everything to disk), then ends the worker. Calling it again waits the same. */
  close(): Promise<void> {
    this.closed ??= this.closeAndTerminate();
    return this.closed;
  }

  private async closeAndTerminate(): Promise<void> {
    if (this.stopped) return;
    const closing = this.request(null, { kind: 'close' });
    this.stopped = new Error('PGlite is closed');
    try {
      await closing;
    } finally {
      await this.worker.terminate();
    }
  }

  private request(lease: number | null, request: Request): Promise<PgliteResult | null> {
    if (this.stopped) return Promise.reject(this.stopped);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      try {
        this.worker.postMessage({ id, lease, request } satisfies Envelope);
      } catch (error) {
        // A parameter that structured clone cannot copy (a function, a symbol).
        return reject(error);
      }
      if (this.pending.size === 0) this.worker.ref();
      this.pending.set(id, { resolve, reject });
    });
  }

  private settle(reply: Reply): void {
    const pending = this.pending.get(reply.id);
    if (!pending) return;
    this.pending.delete(reply.id);
    if (this.pending.size === 0) this.worker.unref();
    if ('error' in reply) pending.reject(revive(reply.error));
    else pending.resolve(reply.result && inThisRealm(reply.result));
  }

  /** The worker is gone (crashed, or terminated after close): nothing outstanding will be answered. */
  private stop(reason: Error): void {
    this.stopped ??= reason;
    for (const pending of this.pending.values()) pending.reject(reason);
    this.pending.clear();
  }
}

/**
 * The error as PGlite threw it in the worker: same message, stack, name and fields (code, detail, constraint,
 * table…), with message and stack not enumerable as on any Error (TypeORM's QueryFailedError copies the
 * enumerable fields of the driver's error onto itself).
 */
function revive({ message, stack, ...fields }: SerialisedError): Error {
  const error = Object.assign(new Error(message), fields);
  if (typeof stack === 'string')
    Object.defineProperty(error, 'stack', { value: stack, writable: true, configurable: true });
  return error;
}

/**
 * Structured clone builds a reply in Node's main realm. Under Jest the app runs in a vm context whose Date,
 * Array and Object are other classes (a cloned date fails `instanceof Date`), so there the result is rebuilt
 * with this realm's classes. In the app there is one realm and the check is all this costs.
 */
function inThisRealm(result: PgliteResult): PgliteResult {
  return result.rows instanceof Array ? result : (adopt(result) as PgliteResult);
}

function adopt(value: unknown): unknown {
  if (typeof value !== 'object' || value === null || ArrayBuffer.isView(value)) return value;
  if (types.isDate(value)) return new Date(value.getTime());
  if (Array.isArray(value)) return Array.from(value, adopt);
  return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, adopt(item)]));
}

/** PGlite's start-up errors name no directory, and a file-system one reads "[object Object]" (an errno). */
function cannotOpen(dataDir: string | undefined, error: unknown): Error {
  const { name, message, errno } = (error ?? {}) as { name?: string; message?: string; errno?: number };
  const detail =
    message && message !== '[object Object]'
      ? message
      : `${name ?? 'Error'}${errno === undefined ? '' : ` errno ${errno}`}`;
  return new Error(`The embedded database in ${dataDir ?? 'memory'} cannot be opened: ${detail}`, {
    cause: error,
  });
}
