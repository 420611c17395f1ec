/*
 * The PGlite worker thread started by PgliteWorker. It is kept to what must run beside PGlite: reshaping,
 * typing and error handling live in TypeScript on the main thread.
 *
 * Scheduling is PgBouncer's transaction pooling on the one PGlite session. Requests run one at a time in
 * arrival order, except that while a lease's transaction block is open only that lease's requests run. After
 * each request a Sync asks PostgreSQL for its transaction status (ReadyForQuery: I idle, T in a block, E in a
 * failed block), which also covers SAVEPOINT and ROLLBACK TO. A lease therefore holds the session only for
 * its transactions, and the worker never sits idle waiting for the main thread to read a reply before the
 * next lease may start (the main thread may be busy for milliseconds, and most requests are one statement).
 */
import { PGlite } from '@electric-sql/pglite';
import type { Results } from '@electric-sql/pglite';
import { parentPort, workerData } from 'node:worker_threads';
import type {
  Envelope,
  PgliteResult,
  PgliteWorkerData,
  Reply,
  SerialisedError,
} from './pglite-worker.protocol';

const SYNC = new Uint8Array([0x53, 0, 0, 0, 4]);
const queue: Envelope[] = [];
let owner: number | null = null;
let running = false;

function serialise(error: unknown): SerialisedError {
  if (typeof error !== 'object' || error === null) return { name: 'Error', message: String(error) };
  const { name, message, stack } = error as { name?: unknown; message?: unknown; stack?: unknown };
  const fields: SerialisedError = { name: String(name ?? 'Error'), message: String(message ?? error), stack };
  for (const [key, value] of Object.entries(error)) {
    if (value === null || ['string', 'number', 'boolean', 'undefined'].includes(typeof value))
      fields[key] = value;
  }
  return fields;
}

async function run(db: PGlite, { lease, request }: Envelope): Promise<Results | undefined> {
  if (request.kind === 'query') return db.query(request.sql, request.params);
  if (request.kind === 'exec') return (await db.exec(request.sql)).at(-1);
  // A lease released inside its transaction (its code failed before ROLLBACK): end it, as a pool would.
  if (request.kind === 'release' && owner === lease) await db.exec('ROLLBACK');
  if (request.kind === 'close') await db.close();
  return undefined;
}

function toPgliteResult({ rows, fields, affectedRows }: Results): PgliteResult {
  return { rows, fields, affectedRows };
}

async function transactionStatus(db: PGlite): Promise<string> {
  const reply = await db.execProtocolRaw(SYNC, { syncToFs: false });
  return String.fromCharCode(reply[reply.length - 1]);
}

async function pump(db: PGlite, port: NonNullable<typeof parentPort>): Promise<void> {
  if (running) return;
  running = true;
  for (let next; (next = queue.findIndex((item) => owner === null || item.lease === owner)) >= 0;) {
    const [item] = queue.splice(next, 1);
    const outcome = await run(db, item).then(
      (result) => ({ result: result ? toPgliteResult(result) : null }),
      (error: unknown) => ({ error: serialise(error) }),
    );
    if (item.id !== undefined) port.postMessage({ id: item.id, ...outcome } satisfies Reply);
    if (item.request.kind === 'close') return;
    owner = (await transactionStatus(db)) === 'I' ? null : item.lease;
  }
  running = false;
}

async function start(port: NonNullable<typeof parentPort>): Promise<void> {
  const { dataDir, database, settings, textTypeOids } = workerData as PgliteWorkerData;
  const parsers = Object.fromEntries(textTypeOids.map((oid) => [oid, (value: string) => value]));
  const db = await PGlite.create({
    dataDir,
    database,
    startParams: [...PGlite.defaultStartParams, ...settings],
    parsers,
  });
  port.on('message', (item: Envelope) => {
    queue.push(item);
    void pump(db, port);
  });
}

if (parentPort) {
  const port = parentPort;
  start(port).then(
    () => port.postMessage({ id: 0, result: null } satisfies Reply),
    (error: unknown) => port.postMessage({ id: 0, error: serialise(error) } satisfies Reply),
  );
}
