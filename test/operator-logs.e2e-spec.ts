import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eventually, freePort, Service, START_TIMEOUT_MS, startService } from './support/service-process';
import { TEST_PASSWORD } from './support/test-app';
import { createTestDatabase, TestDatabase } from './support/test-database';

type LogLine = Record<string, unknown>;

/** The log as an operator reads it: the real entry point's stdout, one JSON object a line. */
describe('operator logs', () => {
  let database: TestDatabase;
  let dataDir: string;
  let service: Service;
  let exitCode: number | null;
  let userId: number;

  const lines = (): LogLine[] =>
    service
      .stdout()
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  const rawLineOf = (requestId: string) =>
    service
      .stdout()
      .split('\n')
      .find((line) => line.includes(`"request_id":"${requestId}"`) && line.includes('"duration_ms"'));
  const requestLine = (requestId: string) =>
    eventually(() => {
      const raw = rawLineOf(requestId);
      return raw ? { raw, line: JSON.parse(raw) as LogLine } : null;
    }, `the log line of ${requestId}`);

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'ca-logs-'));
    service = startService({
      // The embedded database in DATA_DIR, or this file's PostgreSQL database.
      DATABASE_URL: process.env.TEST_DATABASE_URL ? database.url : '',
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      LOG_LEVEL: 'info',
      BCRYPT_ROUNDS: '4',
      PUBLIC_BASE_URL: 'http://pki.test',
    });
    await eventually(
      async () => ((await service.call('GET', '/status')).status === 200 ? true : null),
      'start',
    );
    const created = await service.call(
      'POST',
      '/api/v1/users/',
      JSON.stringify({ username: 'logs-root', email: 'logs@example.com', password: TEST_PASSWORD }),
      { 'Content-Type': 'application/json' },
    );
    userId = Number(created.json().id);
  }, START_TIMEOUT_MS + 5000);

  afterAll(async () => {
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await database.drop();
  });

  it('says at start-up where it listens, on which database, which version', () => {
    const started = lines().find((line) => line.context === 'Lifecycle' && 'url' in line);
    expect(started).toMatchObject({
      level: 30,
      url: `http://127.0.0.1:${service.port}`,
      docs_url: `http://127.0.0.1:${service.port}/docs`,
      msg: `listening on http://127.0.0.1:${service.port}, API docs at http://127.0.0.1:${service.port}/docs`,
      public_base_url: 'http://pki.test',
      database: process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite-file',
      database_version: expect.stringMatching(/^\d+/),
      version: expect.any(String),
    });
    // Nest's listing of every module and route is debug detail, not start-up news.
    expect(lines().filter((line) => line.context === 'RouterExplorer')).toEqual([]);
  });

  it('logs one short line per request: method, route pattern, status, duration, request id, user id', async () => {
    const token = await service.call(
      'POST',
      '/api/v1/auth/token',
      `username=logs-root&password=${encodeURIComponent(TEST_PASSWORD)}`,
      { 'Content-Type': 'application/x-www-form-urlencoded' },
    );
    const reply = await service.call(
      'GET',
      `/api/v1/users/${userId}?access_token=leaked-secret&x=1`,
      undefined,
      {
        Authorization: `Bearer ${String(token.json().access_token)}`,
        'X-Request-Id': 'req-logs-1',
        'User-Agent': 'a-user-agent-that-must-not-be-logged',
      },
    );
    expect(reply.status).toBe(200);
    const { raw, line } = await requestLine('req-logs-1');
    expect(Object.keys(line).sort()).toEqual(
      [
        'level',
        'time',
        'pid',
        'hostname',
        'request_id',
        'method',
        'route',
        'url',
        'status',
        'duration_ms',
        'user_id',
        'credential',
        'client',
        'msg',
      ].sort(),
    );
    expect(line).toMatchObject({
      level: 30,
      request_id: 'req-logs-1',
      method: 'GET',
      route: '/api/v1/users/:user_id',
      url: `/api/v1/users/${userId}?access_token=[redacted]&x=1`,
      status: 200,
      duration_ms: expect.any(Number),
      user_id: userId,
      credential: null, // a password session; an API key would be api_key:<its id>
      client: '127.0.0.1',
      msg: 'GET /api/v1/users/:user_id 200',
    });
    expect(Buffer.byteLength(raw)).toBeLessThan(400);
    expect(service.stdout()).not.toContain('leaked-secret');
    expect(service.stdout()).not.toContain('a-user-agent-that-must-not-be-logged');
    expect(service.stdout()).not.toContain(String(token.json().access_token));
  });

  it('logs a refused request as a warning without a stack or a user', async () => {
    await service.call('GET', '/api/v1/users/me', undefined, { 'X-Request-Id': 'req-logs-401' });
    const { line } = await requestLine('req-logs-401');
    expect(line).toMatchObject({ level: 40, status: 401, route: '/api/v1/users/me', user_id: null });
    expect(JSON.stringify(lines().filter((entry) => entry.request_id === 'req-logs-401'))).not.toContain(
      'stack',
    );
  });

  it('logs a request the body parser refuses, before any route', async () => {
    const reply = await service.call('POST', '/api/v1/users/', '{"username": ', {
      'Content-Type': 'application/json',
      'X-Request-Id': 'req-logs-bad-json',
    });
    expect(reply.status).toBe(400);
    expect(reply.headers['x-request-id']).toBe('req-logs-bad-json');
    const { line } = await requestLine('req-logs-bad-json');
    expect(line).toMatchObject({ level: 40, method: 'POST', status: 400, route: 'unmatched' });
  });

  it('says why it stops on SIGTERM', async () => {
    exitCode = await service.stop('SIGTERM');
    const stopped = lines().find((line) => line.context === 'Lifecycle' && 'reason' in line);
    expect(stopped).toMatchObject({ level: 30, reason: 'SIGTERM', msg: 'shutting down: SIGTERM' });
    expect(exitCode === 0 || exitCode === null).toBe(true);
  });
});
