/** The messages between PgliteWorker (main thread) and pglite-worker.thread (the worker). */

/** One statement's result, as PGlite returns it (after structured clone across the thread boundary). */
export interface PgliteResult {
  rows: Record<string, unknown>[];
  fields: { name: string; dataTypeID: number }[];
  affectedRows: number | undefined;
}

/** What the worker needs to start PGlite; every field survives structured clone. */
export interface PgliteWorkerData {
  dataDir: string | undefined;
  database: string;
  settings: readonly string[];
  /** Types PGlite returns as PostgreSQL's text instead of parsing them. */
  textTypeOids: readonly number[];
}

export type Request =
  | { kind: 'query'; sql: string; params: unknown[] }
  | { kind: 'exec'; sql: string }
  | { kind: 'release' }
  | { kind: 'close' };

/** A request from a lease (null: the worker's owner, for close); no id when no reply is wanted (release). */
export interface Envelope {
  id?: number;
  lease: number | null;
  request: Request;
}

export interface SerialisedError {
  name: string;
  message: string;
  [field: string]: unknown;
}

/** Replies by request id; id 0 answers start-up (no result once PGlite is ready, or why it could not start). */
export type Reply = { id: number; result: PgliteResult | null } | { id: number; error: SerialisedError };
