import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { PGlite as PGliteOfEarlierReleases } from 'pglite-v03';
import { PgliteWorker } from './pglite-worker';

describe('PGlite in a worker thread', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'pglite-worker-'));
  });

  afterEach(() => {
    rmSync(dir, { recursive: true, force: true });
  });

  it('writes everything to the data directory on close, and a new worker reads it back', async () => {
    const first = await PgliteWorker.start({ dataDir: dir });
    const writer = first.lease();
    await writer.exec('CREATE TABLE kept (id int PRIMARY KEY, label text)');
    await writer.query('INSERT INTO kept VALUES ($1, $2)', [1, 'still here']);
    writer.release();
    await first.close();

    const second = await PgliteWorker.start({ dataDir: dir });
    const result = await second.lease().query('SELECT label FROM kept WHERE id = $1', [1]);
    await second.close();

    expect(result.rows).toEqual([{ label: 'still here' }]);
  });

  // Releases before PGlite 0.4 wrote their embedded database with PGlite 0.3, into template1.
  it('opens a data directory written by PGlite 0.3 and finds its tables', async () => {
    const earlier = await PGliteOfEarlierReleases.create({ dataDir: dir });
    await earlier.exec(`CREATE TABLE carried (id int PRIMARY KEY, label text);
                        INSERT INTO carried VALUES (1, 'written by 0.3')`);
    await earlier.close();

    const db = await PgliteWorker.start({ dataDir: dir });
    const lease = db.lease();
    const rows = await lease.query('SELECT label, current_database() AS database FROM carried', []);
    const buffers = await lease.query('SHOW shared_buffers', []);
    await db.close();

    expect(rows.rows).toEqual([{ label: 'written by 0.3', database: 'template1' }]);
    expect(buffers.rows).toEqual([{ shared_buffers: '16MB' }]);
  });

  it('refuses to start on a damaged data directory, naming it and quoting PGlite', async () => {
    writeFileSync(join(dir, 'PG_VERSION'), 'not a version\n');

    const failure = PgliteWorker.start({ dataDir: dir });

    await expect(failure).rejects.toThrow(
      `The embedded database in ${dir} cannot be opened: PGlite failed to initialize properly`,
    );
  });

  it('refuses to start when the data directory is a file, saying so', async () => {
    const file = join(dir, 'a-file');
    writeFileSync(file, '');

    await expect(PgliteWorker.start({ dataDir: file })).rejects.toThrow(
      `The embedded database cannot be opened: ${file} is not a directory`,
    );
  });

  it('answers nothing once closed, and closing twice is harmless', async () => {
    const db = await PgliteWorker.start();
    await db.close();

    await expect(db.close()).resolves.toBeUndefined();
    await expect(db.lease().query('SELECT 1', [])).rejects.toThrow('PGlite is closed');
  });

  it('fails the outstanding and later requests, rather than hanging, when the worker dies', async () => {
    const db = await PgliteWorker.start({ resourceLimits: { maxOldGenerationSizeMb: 64 } });

    const lease = db.lease();

    // A result far larger than the worker's heap: the worker runs out of memory and is stopped.
    const huge = lease.query(
      "SELECT repeat('x', 1000) || n AS row FROM generate_series(1, $1::int) AS n",
      [400_000],
    );

    await expect(huge).rejects.toThrow(/PGlite worker (crashed|stopped unexpectedly)/);
    await expect(lease.exec('SELECT 1')).rejects.toThrow(/PGlite worker (crashed|stopped unexpectedly)/);
    await expect(db.close()).resolves.toBeUndefined();
  });

  describe('process exit', () => {
    const run = promisify(execFile);
    const script = (body: string) => `
      const { PgliteWorker } = require(${JSON.stringify(require.resolve('./pglite-worker'))});
      (async () => { ${body} })();
    `;
    const node = (body: string) =>
      run(process.execPath, ['-r', 'ts-node/register/transpile-only', '-e', script(body)], {
        cwd: process.cwd(),
        timeout: 30_000,
      });

    it('lets the process exit after close', async () => {
      const { stdout } = await node(`
        const db = await PgliteWorker.start();
        console.log((await db.lease().query('SELECT $1::int + 1 AS two', [1])).rows[0].two);
        await db.close();
      `);

      expect(stdout.trim()).toBe('2');
    });

    it('does not hold the process open when the app forgets to close it', async () => {
      const { stdout } = await node(`
        const db = await PgliteWorker.start();
        console.log((await db.lease().exec('SELECT 3 AS three')).rows[0].three);
      `);

      expect(stdout.trim()).toBe('3');
    });
  });
});
