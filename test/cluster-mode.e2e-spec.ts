import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, Service, START_TIMEOUT_MS, startService } from './support/service-process';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { TEST_PASSWORD } from './support/test-app';

/** WORKERS > 1 (node:cluster), driven over fresh connections so requests land on different workers. */
describe('cluster mode: configuration', () => {
  it('refuses more than one worker on the embedded database, naming the variable', async () => {
    const service = startService({ WORKERS: '2', DATABASE_URL: 'memory://', PORT: String(await freePort()) });
    expect(await service.closed).toBe(1);
    expect(service.output()).toContain(
      'WORKERS: more than one worker needs DATABASE_URL=postgres://…; the embedded PGlite belongs to one process',
    );
  });

  it('refuses a worker count that is not a number or "auto"', async () => {
    const service = startService({
      WORKERS: 'many',
      DATABASE_URL: 'memory://',
      PORT: String(await freePort()),
    });
    expect(await service.closed).toBe(1);
    expect(service.output()).toContain('WORKERS: must be an integer (got "many")');
  });
});

// Several processes need a database server: these run in CI's PostgreSQL pass (TEST_DATABASE_URL).
if (process.env.TEST_DATABASE_URL) {
  describe('cluster mode: two workers on PostgreSQL', () => {
    let database: TestDatabase;
    let dataDir: string;
    let service: Service;
    let authorization: Record<string, string> = {};

    beforeAll(async () => {
      database = await createTestDatabase();
      dataDir = mkdtempSync(join(tmpdir(), 'ca-cluster-'));
      service = startService({
        WORKERS: '2',
        DATABASE_URL: database.url,
        DATA_DIR: dataDir,
        PORT: String(await freePort()),
        BCRYPT_ROUNDS: '4',
        CA_KEY_SIZE: '2048',
        AUTH_RATE_LIMIT: '4/minute',
      });
      await eventually(async () => {
        const reply = await service.call('GET', '/status');
        return reply.status === 200 && service.workerPids().length === 2 ? reply : null;
      }, 'two workers serving /status');
    }, START_TIMEOUT_MS + 5000);

    afterAll(async () => {
      await service?.stop();
      await database?.drop();
      rmSync(dataDir, { recursive: true, force: true });
    });

    const json = (value: Record<string, unknown>) =>
      [JSON.stringify(value), { 'content-type': 'application/json' }] as const;

    it('runs migrations once in the primary and serves from two worker processes', async () => {
      expect(service.workerPids()).toHaveLength(2);
      const status = await service.call('GET', '/status');
      expect(status.json()).toMatchObject({ database: 'ok', initialized: false });
    });

    it('accepts on every worker a token one worker signed (secrets resolved once, before forking)', async () => {
      const created = await service.call(
        'POST',
        '/api/v1/users/',
        ...json({ username: 'root', email: 'root@example.com', password: TEST_PASSWORD }),
      );
      expect(created.status).toBe(201);
      const token = await service.call(
        'POST',
        '/api/v1/auth/token',
        ...json({ username: 'root', password: TEST_PASSWORD }),
      );
      expect(token.status).toBe(200);
      authorization = { authorization: `Bearer ${String(token.json().access_token)}` };
      const replies = await Promise.all(
        Array.from({ length: 6 }, () => service.call('GET', '/api/v1/users/me', undefined, authorization)),
      );
      expect(replies.map((reply) => reply.status)).toEqual([200, 200, 200, 200, 200, 200]);
    });

    it('keeps one sign-in rate limit for the whole service, not one per worker', async () => {
      const attempt = () =>
        service.call(
          'POST',
          '/api/v1/auth/token',
          ...json({ username: 'ghost', password: 'not the password' }),
        );
      const statuses: number[] = [];
      for (let i = 0; i < 6; i++) statuses.push((await attempt()).status);
      expect(statuses).toEqual([401, 401, 401, 401, 429, 429]);
    });

    it('merges every worker into one /metrics scrape', async () => {
      const ca = await service.call(
        'POST',
        '/api/v1/cas/',
        JSON.stringify({ name: 'Cluster Root', subject_dn: 'CN=Cluster Root', key_type: 'ec' }),
        {
          ...authorization,
          'content-type': 'application/json',
        },
      );
      expect(ca.status).toBe(201);
      const before = await service.call('GET', '/metrics');
      const count = (text: string) =>
        Number(
          /^http_request_duration_seconds_count\{method="GET",route="\/status",status_code="200"\} (\d+)$/m.exec(
            text,
          )?.[1] ?? 0,
        );
      for (let i = 0; i < 10; i++) expect((await service.call('GET', '/status')).status).toBe(200);
      const after = await service.call('GET', '/metrics');
      expect(after.status).toBe(200);
      expect(after.headers['content-type']).toContain('text/plain');
      expect(count(after.text) - count(before.text)).toBe(10);
      // A database gauge is read by each worker; merged it must not be doubled.
      expect(after.text).toMatch(/^ca_certificate_authorities\{status="active"\} 1$/m);
    });

    it('replaces a worker that dies and keeps serving', async () => {
      const [victim] = service.workerPids();
      process.kill(victim, 'SIGKILL');
      const replaced = await eventually(() => {
        const pids = service.workerPids();
        return pids.length === 2 && !pids.includes(victim) ? pids : null;
      }, 'a replacement worker');
      expect(replaced).toHaveLength(2);
      await eventually(async () => {
        const replies = await Promise.all([1, 2, 3, 4].map(() => service.call('GET', '/status')));
        return replies.every((reply) => reply.status === 200) ? replies : null;
      }, 'the replacement serving');
      expect(service.output()).toContain('worker exited');
    });

    it('stops every worker and exits 0 on SIGTERM', async () => {
      const workers = service.workerPids();
      expect(await service.stop()).toBe(0);
      const alive = workers.filter((pid) => {
        try {
          process.kill(pid, 0);
          return true;
        } catch {
          return false;
        }
      });
      expect(alive).toEqual([]);
    });
  });
}
