import { QueryFailedError } from 'typeorm';
import { violatedConstraint } from '../src/common/database-errors';
import { PreparedStatement, queryPrepared } from '../src/database/prepared-statement';
import { itWithPostgres } from './support/postgres-only';
import { startTestApp, TestApp } from './support/test-app';

const insertProbe: PreparedStatement = {
  name: 'test_probe_insert',
  text: 'INSERT INTO prepared_probe (label) VALUES ($1) RETURNING id, label',
};
const countProbe: PreparedStatement = {
  name: 'test_probe_count',
  text: 'SELECT count(*)::integer AS n FROM prepared_probe WHERE label = $1',
};

describe('named statements on the hot paths (queryPrepared)', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
    await testApp.dataSource.query('CREATE TABLE prepared_probe (id serial PRIMARY KEY, label text UNIQUE)');
  });

  afterAll(async () => {
    await testApp.close();
  });

  const count = async (label: string): Promise<number> => {
    const [row] = await queryPrepared<{ n: number }>(testApp.dataSource.manager, countProbe, [label]);
    return row.n;
  };

  it('runs the statement with each call’s own parameters under one name', async () => {
    const first = await queryPrepared<{ id: number; label: string }>(
      testApp.dataSource.manager,
      insertProbe,
      ['first'],
    );
    const second = await queryPrepared<{ id: number; label: string }>(
      testApp.dataSource.manager,
      insertProbe,
      ['second'],
    );
    expect(first).toEqual([{ id: expect.any(Number), label: 'first' }]);
    expect(second).toEqual([{ id: first[0].id + 1, label: 'second' }]);
    expect(await count('first')).toBe(1);
    expect(await count('second')).toBe(1);
  });

  it('runs on the transaction’s connection: sees its uncommitted row, and a rollback undoes it', async () => {
    const failure = new Error('roll back on purpose');
    await expect(
      testApp.dataSource.transaction(async (manager) => {
        await queryPrepared(manager, insertProbe, ['inside']);
        const [row] = await queryPrepared<{ n: number }>(manager, countProbe, ['inside']);
        expect(row.n).toBe(1);
        throw failure;
      }),
    ).rejects.toBe(failure);
    expect(await count('inside')).toBe(0);
  });

  it('reports a failure as TypeORM’s QueryFailedError, so constraint checks read it as from manager.query', async () => {
    await queryPrepared(testApp.dataSource.manager, insertProbe, ['twice']);
    const error: unknown = await queryPrepared(testApp.dataSource.manager, insertProbe, ['twice']).catch(
      (caught: unknown) => caught,
    );
    expect(error).toBeInstanceOf(QueryFailedError);
    expect(violatedConstraint(error)).toEqual({ kind: 'unique', constraint: 'prepared_probe_label_key' });
    expect(await count('twice')).toBe(1);
  });

  it('refuses a query runner that was already released', async () => {
    const runner = testApp.dataSource.createQueryRunner();
    await runner.release();
    await expect(queryPrepared(runner.manager, countProbe, ['first'])).rejects.toThrow(/released/i);
  });

  // PGlite's single in-process session has no round trips to save, so names only reach PostgreSQL.
  itWithPostgres('PostgreSQL keeps the statement prepared in the session that ran it', async () => {
    const prepared = await testApp.dataSource.transaction(async (manager) => {
      await queryPrepared(manager, countProbe, ['first']);
      return manager.query('SELECT name, statement FROM pg_prepared_statements WHERE name = $1', [
        countProbe.name,
      ]) as Promise<{ name: string; statement: string }[]>;
    });
    expect(prepared).toEqual([{ name: countProbe.name, statement: countProbe.text }]);
  });
});
