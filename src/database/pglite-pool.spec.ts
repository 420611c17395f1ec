import { QueryFailedError } from 'typeorm';
import { violatedConstraint } from '../common/database-errors';
import { PG_COMPATIBLE_TEXT_TYPES, PgliteClient, PglitePool } from './pglite-pool';
import { PgliteWorker } from './pglite-worker';

type Lease = { client: PgliteClient; release: () => void };

describe('PglitePool over PGlite in a worker thread', () => {
  let db: PgliteWorker;
  let pool: PglitePool;

  const lease = (): Promise<Lease> =>
    new Promise((resolve, reject) =>
      pool.connect((error, client, release) => (client ? resolve({ client, release }) : reject(error))),
    );

  const query = async (sql: string, params?: unknown[]) => {
    const { client, release } = await lease();
    try {
      return await client.query(sql, params);
    } finally {
      release();
    }
  };

  beforeAll(async () => {
    db = await PgliteWorker.start({ textTypeOids: PG_COMPATIBLE_TEXT_TYPES });
    pool = new PglitePool(db);
    await query(`
      CREATE TABLE item (id int PRIMARY KEY, name text NOT NULL UNIQUE, blob bytea, big int8, price numeric,
                         at timestamptz, meta jsonb, tags text[]);
      CREATE TABLE note (id serial PRIMARY KEY, item_id int NOT NULL REFERENCES item (id))
    `);
  });

  afterAll(async () => {
    await new Promise<void>((resolve, reject) => pool.end((error) => (error ? reject(error) : resolve())));
  });

  beforeEach(() => query('TRUNCATE item, note'));

  it('runs a query with parameters and counts the rows it wrote, as pg does', async () => {
    const inserted = await query('INSERT INTO item (id, name) VALUES ($1, $2), ($3, $4)', [1, 'a', 2, 'b']);
    const selected = await query('SELECT id, name FROM item WHERE id > $1 ORDER BY id', [0]);

    expect(inserted).toMatchObject({ command: 'INSERT', rowCount: 2, rows: [] });
    expect(selected).toMatchObject({ command: 'SELECT', rowCount: 2 });
    expect(selected?.rows).toEqual([
      { id: 1, name: 'a' },
      { id: 2, name: 'b' },
    ]);
    expect(selected?.fields.map((field) => field.name)).toEqual(['id', 'name']);
  });

  it('runs several statements without parameters and answers with the last one', async () => {
    const result = await query(`
      INSERT INTO item (id, name) VALUES (1, 'a');
      INSERT INTO item (id, name) VALUES (2, 'b');
      SELECT count(*) AS n FROM item
    `);

    expect(result?.rows).toEqual([{ n: '2' }]);
  });

  it('reports rows changed by an UPDATE or DELETE', async () => {
    await query("INSERT INTO item (id, name) VALUES (1, 'a'), (2, 'b'), (3, 'c')");

    await expect(query('UPDATE item SET name = name || $1 WHERE id < $2', ['!', 3])).resolves.toMatchObject({
      command: 'UPDATE',
      rowCount: 2,
    });
    await expect(query('DELETE FROM item')).resolves.toMatchObject({ command: 'DELETE', rowCount: 3 });
  });

  it('keeps the PostgreSQL error fields across the thread, so constraint violations map to domain errors', async () => {
    await query("INSERT INTO item (id, name) VALUES (1, 'a')");

    const error: unknown = await query('INSERT INTO item (id, name) VALUES ($1, $2)', [2, 'a']).catch(
      (e) => e,
    );

    expect(error).toBeInstanceOf(Error);
    expect(error).toMatchObject({
      name: 'error',
      code: '23505',
      severity: 'ERROR',
      detail: 'Key (name)=(a) already exists.',
      constraint: 'item_name_key',
      table: 'item',
      schema: 'public',
    });
    expect(String(error)).toBe('error: duplicate key value violates unique constraint "item_name_key"');
    const typeormError = new QueryFailedError('INSERT …', [2, 'a'], error as Error);
    expect(typeormError.message).toBe('duplicate key value violates unique constraint "item_name_key"');
    expect(violatedConstraint(typeormError)).toEqual({ kind: 'unique', constraint: 'item_name_key' });
  });

  it('keeps the column of a not-null violation and the code of a foreign-key one', async () => {
    await expect(query('INSERT INTO item (id, name) VALUES ($1, $2)', [1, null])).rejects.toMatchObject({
      code: '23502',
      column: 'name',
      table: 'item',
    });
    await expect(query('INSERT INTO note (item_id) VALUES ($1)', [42])).rejects.toMatchObject({
      code: '23503',
      constraint: 'note_item_id_fkey',
    });
  });

  it('round-trips bytea as a Buffer, int8 and numeric as exact strings, dates, JSON and arrays', async () => {
    const blob = Buffer.from([0, 1, 2, 254, 255]);
    const at = new Date('2024-02-29T12:34:56.789Z');
    await query(
      'INSERT INTO item (id, name, blob, big, price, at, meta, tags) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)',
      [
        1,
        'a',
        blob,
        '9223372036854775807',
        '12345678901234567890.000000001',
        at,
        JSON.stringify({ nested: [1, 'two'] }),
        ['x', 'y'],
      ],
    );

    const result = await query('SELECT blob, big, price, at, meta, tags FROM item WHERE id = $1', [1]);
    const row = result?.rows[0] as Record<string, unknown>;

    expect(Buffer.isBuffer(row.blob)).toBe(true);
    expect(row.blob).toEqual(blob);
    expect(row.big).toBe('9223372036854775807');
    expect(row.price).toBe('12345678901234567890.000000001');
    expect(row.at).toBeInstanceOf(Date);
    expect(row.at).toEqual(at);
    expect(row.meta).toEqual({ nested: [1, 'two'] });
    expect(row.tags).toBeInstanceOf(Array);
    expect(row.tags).toEqual(['x', 'y']);
  });

  /** Whether `promise` is still unsettled after the worker has had time to run what it could. */
  const stillWaiting = async (promise: Promise<unknown>) => {
    const marker = Symbol('waiting');
    const timer = new Promise((resolve) => setTimeout(resolve, 100, marker));
    return (await Promise.race([promise, timer])) === marker;
  };

  /**
   * Opens a transaction on one lease and does `work` in it; another lease's count must wait until
   * the transaction ends with `end`, then see `expectedCount` rows.
   */
  const expectOthersWaitFor = async (
    work: (client: PgliteClient) => Promise<void>,
    end: 'COMMIT' | 'ROLLBACK',
    expectedCount: string,
  ) => {
    const first = await lease();
    const second = await lease();
    await first.client.query('START TRANSACTION');
    await work(first.client);

    const count = second.client.query('SELECT count(*) AS n FROM item');
    expect(await stillWaiting(count)).toBe(true);
    await first.client.query(end);

    await expect(count).resolves.toMatchObject({ rows: [{ n: expectedCount }] });
    first.release();
    second.release();
  };

  it('runs no other lease’s statements inside an open transaction, and runs them once it commits', async () => {
    await expectOthersWaitFor(
      async (client) => {
        await client.query('INSERT INTO item (id, name) VALUES ($1, $2)', [1, 'uncommitted']);
      },
      'COMMIT',
      '1',
    );
  });

  it('keeps the transaction to its lease through a rolled-back savepoint and a failed statement', async () => {
    await expectOthersWaitFor(
      async (client) => {
        await client.query('SAVEPOINT inner_work');
        await client.query('ROLLBACK TO SAVEPOINT inner_work');
        await expect(client.query('SELECT * FROM no_such_table')).rejects.toMatchObject({ code: '42P01' });
      },
      'ROLLBACK',
      '0',
    );
  });

  it('lets other leases run between the statements of a lease outside a transaction', async () => {
    const first = await lease();
    const second = await lease();
    await first.client.query("INSERT INTO item (id, name) VALUES (1, 'a')");

    await expect(second.client.query('SELECT count(*) AS n FROM item')).resolves.toMatchObject({
      rows: [{ n: '1' }],
    });
    first.release();
    second.release();
  });

  it('rolls back a transaction whose lease is released before it ends, so the next lease runs', async () => {
    const first = await lease();
    await first.client.query('START TRANSACTION');
    await first.client.query("INSERT INTO item (id, name) VALUES (1, 'abandoned')");
    first.release();

    await expect(query('SELECT count(*) AS n FROM item')).resolves.toMatchObject({ rows: [{ n: '0' }] });
    await expect(first.client.query('SELECT 1')).rejects.toThrow('PGlite client used after release');
  });

  it('answers node-postgres style callbacks, which TypeORM uses outside a lease', async () => {
    const result = await new Promise((resolve, reject) =>
      pool.query('SELECT $1::text AS echo', ['hi'], (error, answer) =>
        error ? reject(error) : resolve(answer),
      ),
    );

    expect(result).toMatchObject({ rows: [{ echo: 'hi' }], rowCount: 1 });
  });
});
