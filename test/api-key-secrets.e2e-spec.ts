import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { API_KEY_FORMAT } from './support/machine-identity';
import {
  eventually,
  freePort,
  Reply,
  Service,
  START_TIMEOUT_MS,
  startService,
} from './support/service-process';
import { TEST_PASSWORD } from './support/test-app';
import { createTestDatabase, TestDatabase } from './support/test-database';

/**
 * The secrets check of issue 17 for API keys, on the log an operator reads: the real entry point's
 * stdout and stderr at debug level, while keys are created, used, refused, revoked and sent where
 * clients mistakenly put them (a query string). No key and no secret part of one may appear.
 */
describe('API keys in the logs', () => {
  let database: TestDatabase;
  let dataDir: string;
  let service: Service;
  const keys: string[] = [];

  const json = { 'Content-Type': 'application/json' };
  const as = (token: string, requestId?: string) => ({
    ...json,
    Authorization: `Bearer ${token}`,
    ...(requestId && { 'X-Request-Id': requestId }),
  });

  async function expectStatus(reply: Promise<Reply>, status: number): Promise<Record<string, unknown>> {
    const answered = await reply;
    if (answered.status !== status)
      throw new Error(`expected ${status}, got ${answered.status}: ${answered.text}`);
    return answered.text ? answered.json() : {};
  }

  async function signIn(username: string): Promise<string> {
    const reply = await service.call(
      'POST',
      '/api/v1/auth/token',
      `username=${username}&password=${encodeURIComponent(TEST_PASSWORD)}`,
      { 'Content-Type': 'application/x-www-form-urlencoded' },
    );
    return String(reply.json().access_token);
  }

  function post(token: string, path: string, body: object, status: number) {
    return expectStatus(service.call('POST', path, JSON.stringify(body), as(token)), status);
  }

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'ca-key-logs-'));
    service = startService({
      DATABASE_URL: process.env.TEST_DATABASE_URL ? database.url : '',
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      LOG_LEVEL: 'debug',
      BCRYPT_ROUNDS: '4',
      CA_KEY_SIZE: '2048',
      API_KEY_ISSUE_RATE_LIMIT: '2/minute',
      PUBLIC_BASE_URL: 'http://pki.test',
    });
    await eventually(
      async () => ((await service.call('GET', '/status')).status === 200 ? true : null),
      'start',
    );
  }, START_TIMEOUT_MS + 5000);

  afterAll(async () => {
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await database.drop();
  });

  it('writes no key and no secret, whatever is done with them', async () => {
    const user = (username: string, extra: object = {}) => ({
      username,
      email: `${username}@example.com`,
      password: TEST_PASSWORD,
      ...extra,
    });
    await expectStatus(service.call('POST', '/api/v1/users/', JSON.stringify(user('keys-root')), json), 201);
    const root = await signIn('keys-root');
    const organization = await post(root, '/api/v1/organizations/', { name: 'Keys Org' }, 201);
    await post(
      root,
      '/api/v1/users/',
      user('keys-admin', { role: 'admin', organization_id: organization.id }),
      201,
    );
    const admin = await signIn('keys-admin');
    const ca = await post(
      admin,
      '/api/v1/cas/',
      { name: 'Keys CA', subject_dn: 'CN=Keys CA', key_type: 'ec' },
      201,
    );
    const profile = await post(
      admin,
      '/api/v1/profiles',
      {
        name: 'ci',
        certificate_types: ['server'],
        allowed_dns: ['*.ci.internal'],
        allowed_subject_attributes: ['CN'],
      },
      201,
    );
    const account = await post(
      admin,
      '/api/v1/service-accounts',
      { name: 'logged', profile_ids: [profile.id] },
      201,
    );
    const createKey = async (path: string, body: object) => {
      const created = await post(admin, path, body, 201);
      const key = String(created.key);
      expect(key).toMatch(API_KEY_FORMAT);
      keys.push(key);
      return { id: String(created.id), key };
    };
    const accountKey = await createKey(`/api/v1/service-accounts/${account.id}/keys`, { name: 'main' });
    const revokedKey = await createKey(`/api/v1/service-accounts/${account.id}/keys`, { name: 'revoked' });
    const personalKey = await createKey('/api/v1/users/me/api-keys', {
      name: 'mine',
      capabilities: ['can_create_cert'],
    });

    const issue = (key: string, requestId: string) =>
      service.call(
        'POST',
        `/api/v1/certificates?ca_id=${ca.id}`,
        JSON.stringify({
          common_name: 'a.ci.internal',
          subject_dn: 'CN=a.ci.internal',
          certificate_type: 'server',
          key_type: 'ec',
          profile: profile.id,
        }),
        as(key, requestId),
      );
    await expectStatus(issue(accountKey.key, 'key-issue-1'), 201);
    await expectStatus(issue(accountKey.key, 'key-issue-2'), 201);
    await expectStatus(issue(accountKey.key, 'key-issue-429'), 429);
    await expectStatus(issue(personalKey.key, 'key-personal'), 201);
    await expectStatus(service.call('GET', '/api/v1/certificates', undefined, as(accountKey.key)), 200);
    await expectStatus(service.call('GET', '/api/v1/users', undefined, as(accountKey.key, 'key-403')), 403);
    await expectStatus(
      service.call('GET', '/api/v1/cas/999999', undefined, as(personalKey.key, 'key-404')),
      404,
    );
    await expectStatus(
      service.call('POST', '/api/v1/users/me/api-keys', JSON.stringify({ name: 'x' }), as(personalKey.key)),
      400,
    );
    await expectStatus(
      service.call(
        'DELETE',
        `/api/v1/service-accounts/${account.id}/keys/${revokedKey.id}`,
        undefined,
        as(admin),
      ),
      204,
    );
    await expectStatus(
      service.call('GET', '/api/v1/certificates', undefined, as(revokedKey.key, 'key-revoked')),
      401,
    );
    const wrongSecret = `${accountKey.key.slice(0, -4)}AAAA`;
    await expectStatus(
      service.call('GET', '/api/v1/certificates', undefined, as(wrongSecret, 'key-wrong')),
      401,
    );
    await expectStatus(
      service.call('GET', '/api/v1/certificates', undefined, as(`${accountKey.key}xyz`)),
      401,
    );
    // Keys where clients put them by mistake: in the query string, under any name, and in a body.
    // Refused (an unknown query field; with access_token, two tokens at once), and logged with the URL.
    for (const name of ['access_token', 'api_key', 'apikey', 'k']) {
      const reply = await service.call(
        'GET',
        `/api/v1/certificates?${name}=${accountKey.key}`,
        undefined,
        as(accountKey.key),
      );
      expect([400, 401]).toContain(reply.status);
    }
    // The whole key where its id belongs: refused (400), and the URL is logged.
    await expectStatus(
      service.call(
        'DELETE',
        `/api/v1/service-accounts/${account.id}/keys/${accountKey.key}`,
        undefined,
        as(admin, 'key-in-path'),
      ),
      400,
    );
    await expectStatus(
      service.call('POST', '/api/v1/auth/token', `username=logged&password=${accountKey.key}`, {
        'Content-Type': 'application/x-www-form-urlencoded',
      }),
      401,
    );
    await expectStatus(
      service.call(
        'POST',
        '/api/v1/organizations/',
        JSON.stringify({ name: accountKey.key, x: 1 }),
        as(admin),
      ),
      400,
    );

    await eventually(
      () => (service.stdout().includes('"request_id":"key-wrong"') ? true : null),
      'the last request line',
    );
    const logged = service.output();
    expect(logged).toContain('"request_id":"key-issue-429"');
    expect(logged).toMatch(/"status":429/);
    expect(logged).toContain(`/keys/pkca_[redacted]`);
    for (const key of keys) {
      const [, id, secret] = API_KEY_FORMAT.exec(key) ?? [];
      expect(logged).not.toContain(key);
      expect(logged).not.toContain(secret);
      expect(logged).not.toContain(secret.slice(0, 20));
      // The id is public (audit rows name it); no line needs it, but it is no secret either.
      expect(id).toHaveLength(16);
    }
    expect(logged).not.toContain(API_KEY_FORMAT.exec(wrongSecret)?.[2]);
  });
});
