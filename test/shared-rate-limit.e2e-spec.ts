import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseThrottlerStorage } from '../src/auth/database-throttler-storage';
import { eventually, freePort, Service, START_TIMEOUT_MS, startService } from './support/service-process';
import { describeWithPostgres } from './support/postgres-only';
import { createTestDatabase, TestDatabase, withClient } from './support/test-database';
import { createUser, startTestApp, TEST_PASSWORD, TestApp, TestUser } from './support/test-app';

const metricSample = (metrics: string, series: string): number =>
  Number(
    metrics
      .split('\n')
      .find((line) => line.startsWith(`${series} `))
      ?.split(' ')[1] ?? 0,
  );

/** /auth/refresh counts per sign-in session as well as per address: a token family tried from many addresses. */
describe('refresh rate limit per token family (AUTH_RATE_LIMIT=3/minute, TRUST_PROXY=1)', () => {
  let testApp: TestApp;
  let root: TestUser;

  beforeAll(async () => {
    testApp = await startTestApp({ AUTH_RATE_LIMIT: '3/minute', TRUST_PROXY: '1' });
    root = await createUser(testApp, null, { username: 'family-root' });
  });

  afterAll(() => testApp.close());

  const refreshFrom = (address: string, refreshToken: string) =>
    testApp
      .http()
      .post('/api/v1/auth/refresh')
      .set('X-Forwarded-For', address)
      .send({ refresh_token: refreshToken });

  it('answers the fourth refresh of one family with 429 though each came from another address', async () => {
    let refreshToken = root.refreshToken;
    for (const address of ['198.51.100.1', '198.51.100.2', '198.51.100.3']) {
      const rotated = await refreshFrom(address, refreshToken).expect(200);
      refreshToken = rotated.body.refresh_token as string;
    }
    const limited = await refreshFrom('198.51.100.4', refreshToken).expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    const metrics = (await testApp.http().get('/metrics').expect(200)).text;
    expect(metricSample(metrics, 'ca_auth_rate_limited_total{operation="refresh"}')).toBe(1);
  });

  it('still lets another sign-in session of the same user refresh', async () => {
    const signedIn = await testApp
      .http()
      .post('/api/v1/auth/token')
      .set('X-Forwarded-For', '198.51.100.9')
      .type('form')
      .send({ username: 'family-root', password: TEST_PASSWORD })
      .expect(200);
    await refreshFrom('198.51.100.10', signedIn.body.refresh_token as string).expect(200);
  });
});

describe('rate-limit windows in the database', () => {
  let testApp: TestApp;
  let storage: DatabaseThrottlerStorage;

  beforeAll(async () => {
    testApp = await startTestApp();
    storage = testApp.app.get(DatabaseThrottlerStorage);
  });

  afterAll(() => testApp.close());

  const windows = async (): Promise<string[]> =>
    (
      (await testApp.dataSource.query(`SELECT key FROM auth_rate_limits ORDER BY key`)) as { key: string }[]
    ).map((row) => row.key);

  it('blocks past the limit, starts an expired window over, and sweeps only ended windows', async () => {
    expect((await storage.increment('short', 200, 1)).isBlocked).toBe(false);
    const blocked = await storage.increment('short', 200, 1);
    expect(blocked).toMatchObject({ totalHits: 2, isBlocked: true, timeToBlockExpire: 1 });
    await storage.increment('long', 60_000, 1);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(await storage.increment('short', 200, 1)).toMatchObject({ totalHits: 1, isBlocked: false });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await storage.sweep();
    expect(await windows()).toEqual(['long']);
  });
});

describeWithPostgres(
  'two instances on one PostgreSQL database',
  () => {
    let database: TestDatabase;
    const dataDirs: string[] = [];
    const services: Service[] = [];

    const startInstance = async (): Promise<Service> => {
      const dataDir = mkdtempSync(join(tmpdir(), 'ca-shared-limit-'));
      dataDirs.push(dataDir);
      const service = startService({
        DATABASE_URL: database.url,
        DATA_DIR: dataDir,
        PORT: String(await freePort()),
        SECRET_KEY: 'a shared secret key of at least thirty-two characters',
        PRIVATE_KEY_ENCRYPTION_KEY: '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff',
        BCRYPT_ROUNDS: '4',
        AUTH_RATE_LIMIT: '3/minute',
      });
      services.push(service);
      await eventually(
        async () => ((await service.call('GET', '/status')).status === 200 ? true : null),
        'an instance serving /status',
      );
      return service;
    };

    beforeAll(async () => {
      database = await createTestDatabase();
    });

    afterAll(async () => {
      await Promise.all(services.map((service) => service.stop()));
      await database?.drop();
      for (const dataDir of dataDirs) rmSync(dataDir, { recursive: true, force: true });
    });

    it(
      'shares one sign-in limit: attempts on either instance count against both',
      async () => {
        // One after the other: the second starts once the first has run the migrations.
        const first = await startInstance();
        const second = await startInstance();
        const attempt = (service: Service) =>
          service.call(
            'POST',
            '/api/v1/auth/token',
            JSON.stringify({ username: 'ghost', password: 'not the password' }),
            { 'content-type': 'application/json' },
          );
        const statuses: number[] = [];
        for (const service of [first, second, first, second, first])
          statuses.push((await attempt(service)).status);
        expect(statuses).toEqual([401, 401, 401, 429, 429]);
        const persistence = await withClient(database.url, (client) =>
          client.query(`SELECT relpersistence FROM pg_class WHERE relname = 'auth_rate_limits'`),
        );
        // UNLOGGED: the counters skip the WAL.
        expect(persistence.rows).toEqual([{ relpersistence: 'u' }]);
        const metrics = await second.call('GET', '/metrics');
        expect(metricSample(metrics.text, 'ca_auth_rate_limited_total{operation="token"}')).toBe(1);
      },
      2 * START_TIMEOUT_MS + 10_000,
    );
  },
  'two processes on one database server',
);
