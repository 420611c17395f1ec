import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GITHUB_MAIN_CLAIMS, OidcIssuer } from './support/oidc-issuer';
import { eventually, freePort, Service, START_TIMEOUT_MS, startService } from './support/service-process';
import { TEST_PASSWORD } from './support/test-app';
import { createTestDatabase, TestDatabase } from './support/test-database';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

/**
 * The secrets check of issue 17 for OIDC federation, on the real entry point logging at trace: no
 * ID token (nor its signature) and no access token from an exchange in the log, for an exchange that
 * succeeds, one refused by a claim, and one whose issuer cannot be reached.
 */
describe('workload federation secrets in the log', () => {
  let oidc: OidcIssuer;
  let database: TestDatabase;
  let dataDir: string;
  let service: Service;
  let token = '';

  const json = (method: string, path: string, body?: object) =>
    service.call(method, `/api/v1${path}`, body === undefined ? undefined : JSON.stringify(body), {
      'Content-Type': 'application/json',
      ...(token ? { Authorization: `Bearer ${token}` } : {}),
    });
  const exchange = (subjectToken: string) =>
    service.call(
      'POST',
      '/api/v1/auth/token',
      new URLSearchParams({
        grant_type: TOKEN_EXCHANGE,
        subject_token: subjectToken,
        subject_token_type: JWT_TYPE,
      }).toString(),
      { 'Content-Type': 'application/x-www-form-urlencoded' },
    );

  beforeAll(async () => {
    oidc = await OidcIssuer.start();
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'ca-federation-logs-'));
    service = startService({
      DATABASE_URL: process.env.TEST_DATABASE_URL ? database.url : '',
      DATA_DIR: dataDir,
      PORT: String(await freePort()),
      LOG_LEVEL: 'trace',
      BCRYPT_ROUNDS: '4',
      PUBLIC_BASE_URL: 'http://pki.test',
      FEDERATION_ALLOW_HTTP_ISSUERS: 'true',
      FEDERATION_FETCH_TIMEOUT_MS: '3000',
    });
    await eventually(
      async () => ((await service.call('GET', '/status')).status === 200 ? true : null),
      'start',
    );
    await json('POST', '/users/', { username: 'root', email: 'root@example.com', password: TEST_PASSWORD });
    const signIn = await service.call(
      'POST',
      '/api/v1/auth/token',
      `username=root&password=${encodeURIComponent(TEST_PASSWORD)}`,
      { 'Content-Type': 'application/x-www-form-urlencoded' },
    );
    token = String(signIn.json().access_token);
    const organization = Number((await json('POST', '/organizations/', { name: 'acme' })).json().id);
    const profile = Number(
      (await json('POST', '/profiles', { name: 'ci', organization_id: organization })).json().id,
    );
    const account = await json('POST', '/service-accounts', {
      name: 'deploy',
      organization_id: organization,
      profile_ids: [profile],
    });
    const accountId = Number(account.json().id);
    for (const issuer of [oidc.issuer, 'http://127.0.0.1:9']) {
      const created = await json('POST', `/service-accounts/${accountId}/trust-policies`, {
        issuer,
        audience: 'pki-ca',
        bound_claims: { repository: 'acme/*' },
      });
      expect(created.status).toBe(201);
    }
    token = '';
  }, START_TIMEOUT_MS + 30_000);

  afterAll(async () => {
    await service?.stop();
    await oidc?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  });

  it('holds no ID token, signature or exchanged access token', async () => {
    const accepted = await oidc.idToken();
    const refused = await oidc.idToken({ ...GITHUB_MAIN_CLAIMS, repository: 'evil/app' });
    const unreachable = await oidc.sign({
      iss: 'http://127.0.0.1:9',
      aud: 'pki-ca',
      sub: 'x',
      repository: 'acme/app',
    });
    const ok = await exchange(accepted);
    expect(ok.status === 200 ? 200 : ok.text).toBe(200);
    const accessToken = String(ok.json().access_token);
    expect((await exchange(refused)).status).toBe(401);
    expect((await exchange(unreachable)).status).toBe(503);
    const used = await service.call('GET', '/api/v1/profiles', undefined, {
      Authorization: `Bearer ${accessToken}`,
    });
    expect(used.status).toBe(200);
    // The log lines of the last two requests are written before the secrets are looked for (a count
    // of route lines would be met by the setup's own requests, before these are written).
    await eventually(
      () =>
        (service.stdout().includes('POST /api/v1/auth/token 503') &&
          service.stdout().includes('GET /api/v1/profiles 200')) ||
        null,
      'the request log lines',
    );
    const log = service.output();
    expect(log).toContain('"status":503');
    for (const secret of [accepted, refused, unreachable, accessToken]) {
      const [, payload, signature] = secret.split('.');
      expect(log.includes(signature) ? 'a signature is logged' : 'clean').toBe('clean');
      expect(log.includes(payload) ? 'a token payload is logged' : 'clean').toBe('clean');
    }
  });
});
