import { LoggerService } from '@nestjs/common';
import { Client } from 'pg';
import { CrlRefresher } from '../src/ca/crl-refresher';
import { createSuperuser } from './support/fixtures';
import { describeWithPostgres } from './support/postgres-only';
import { bearer, startTestApp, TestApp, TestUser } from './support/test-app';

const serverUrl = process.env.TEST_DATABASE_URL;

interface LogEntry {
  level: string;
  message: string;
}

/** Collects what the app logs through Nest's logger, the way the outage is reported. */
class CapturingLogger implements LoggerService {
  readonly entries: LogEntry[] = [];
  log = (message: unknown) => this.add('log', message);
  warn = (message: unknown) => this.add('warn', message);
  error = (message: unknown) => this.add('error', message);
  debug = (message: unknown) => this.add('debug', message);
  verbose = (message: unknown) => this.add('verbose', message);
  fatal = (message: unknown) => this.add('fatal', message);

  private add(level: string, message: unknown): void {
    this.entries.push({ level, message: typeof message === 'string' ? message : JSON.stringify(message) });
  }
}

async function until(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

describeWithPostgres(
  'a PostgreSQL outage',
  () => {
    let testApp: TestApp;
    let admin: Client;
    let root: TestUser;
    let databaseName: string;
    const logs = new CapturingLogger();

    const allowConnections = (allowed: boolean) =>
      admin.query(`ALTER DATABASE "${databaseName}" WITH ALLOW_CONNECTIONS ${allowed}`);

    beforeAll(async () => {
      testApp = await startTestApp();
      root = await createSuperuser(testApp);
      testApp.app.useLogger(logs);
      // Without listen() Nest keeps buffering log calls; the tests read them as they happen.
      testApp.app.flushLogs();
      databaseName = await testApp.dataSource
        .query('SELECT current_database() AS name')
        .then((rows) => rows[0].name);
      admin = new Client({ connectionString: serverUrl });
      await admin.connect();
    });

    afterAll(async () => {
      await allowConnections(true);
      await admin.end();
      await testApp.close();
    });

    it('answers 503 with Retry-After, logs the outage once and its end once with the count', async () => {
      logs.entries.length = 0;
      await allowConnections(false);
      await admin.query(
        'SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
        [databaseName],
      );

      const responses = await Promise.all(
        Array.from({ length: 20 }, () =>
          testApp
            .http()
            .get('/api/v1/cas/')
            .set(...bearer(root)),
        ),
      );
      for (const response of responses) {
        expect(response.status).toBe(503);
        expect(response.headers['retry-after']).toBe('5');
        expect(response.body).toEqual({ detail: 'database unavailable' });
      }
      // The background CRL pass fails too, without an unhandled rejection (which would end the process).
      await expect(testApp.app.get(CrlRefresher).scheduledPass()).resolves.toBeUndefined();
      const outageLines = logs.entries.filter((entry) => entry.message.startsWith('database unavailable'));
      expect(outageLines).toHaveLength(1);
      expect(outageLines[0].level).toBe('warn');
      expect(outageLines[0].message).toMatch(/\((57P01|55000|08\w{3}|connection_terminated)\)/);
      expect(logs.entries.filter((entry) => entry.level === 'error')).toEqual([]);

      await allowConnections(true);
      await until(
        () => logs.entries.some((entry) => entry.message.startsWith('database available again')),
        10_000,
      );
      const recovery = logs.entries.filter((entry) => entry.message.startsWith('database available again'));
      expect(recovery).toHaveLength(1);
      expect(recovery[0].message).toContain('20 further failures were not logged');
      await testApp
        .http()
        .get('/api/v1/cas/')
        .set(...bearer(root))
        .expect(200);
    });
  },
  // Cutting an embedded PGlite off from its own process is not an outage that can happen.
  'an embedded PGlite cannot lose its own process',
);
