import {
  createAdmin,
  createMember,
  createOrganization,
  createRootCa,
  createSuperuser,
} from './support/fixtures';
import {
  createCiProfile,
  createPersonalKey,
  createServiceAccount,
  createServiceAccountKey,
  CreatedKey,
  ServiceAccountBody,
} from './support/machine-identity';
import { EC_P256, submitRequest } from './support/notary';
import { OpensslWorkspace } from './support/openssl';
import { CaBody } from './support/pki';
import { bearer, createUser, login, startTestApp, TestApp, TestUser } from './support/test-app';

const DAY_MS = 86_400_000;

/**
 * The per-key issuance limit (issue 17, item 2): API_KEY_ISSUE_RATE_LIMIT per key on the issuing
 * routes, apart from the sign-in limit; and API_KEY_MAX_DAYS as the bound and the default's cap.
 */
describe('API key issuance rate limit', () => {
  let testApp: TestApp;
  let ssl: OpensslWorkspace;
  let superuser: TestUser;
  let adminA: TestUser;
  let issuerA: TestUser;
  let rootA: CaBody;
  let web: { id: number; name: string };
  let account: ServiceAccountBody;
  let csrCounter = 0;

  beforeAll(async () => {
    testApp = await startTestApp({
      API_KEY_ISSUE_RATE_LIMIT: '3/minute',
      API_KEY_MAX_DAYS: '30',
      AUTH_RATE_LIMIT: '5/minute',
    });
    ssl = new OpensslWorkspace();
    superuser = await createSuperuser(testApp);
    const orgA = await createOrganization(testApp, superuser);
    adminA = await createAdmin(testApp, superuser, orgA);
    issuerA = await createMember(testApp, superuser, orgA, { can_create_cert: true });
    rootA = await createRootCa(testApp, adminA, { name: 'Limit Root', key_type: 'ec' });
    web = await createCiProfile(testApp, adminA, { name: 'web' });
    account = await createServiceAccount(testApp, adminA, { name: 'busy', profile_ids: [web.id] });
  });

  afterAll(async () => {
    await testApp.close();
    ssl.dispose();
  });

  function issue(caller: TestUser, host: string, profile: number | null = web.id) {
    return testApp
      .http()
      .post(`/api/v1/certificates?ca_id=${rootA.id}`)
      .set(...bearer(caller))
      .send({
        common_name: host,
        subject_dn: 'O=Acme',
        certificate_type: 'server',
        key_type: 'ec',
        ...(profile === null ? {} : { profile }),
      });
  }

  function signCsr(caller: TestUser, host: string) {
    csrCounter += 1;
    const { csr } = ssl.csr(`limit-${csrCounter}`, EC_P256, `/O=Acme/CN=${host}`, [
      `subjectAltName=DNS:${host}`,
    ]);
    return testApp
      .http()
      .post('/api/v1/certificates/sign-csr')
      .set(...bearer(caller))
      .send({ ca_id: rootA.id, csr, certificate_type: 'server', profile: web.id });
  }

  function expectLimited(response: { status: number; headers: Record<string, string> }) {
    expect(response.status).toBe(429);
    const retryAfter = Number(response.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
  }

  describe('per key', () => {
    let first: CreatedKey;
    let second: CreatedKey;

    beforeAll(async () => {
      first = await createServiceAccountKey(testApp, adminA, account.id, { name: 'first' });
      second = await createServiceAccountKey(testApp, adminA, account.id, { name: 'second' });
    });

    it('refuses the 4th issuance by one key with 429 and Retry-After; issue and sign-csr share the budget', async () => {
      expect((await issue(first.as, 'a.ci.internal')).status).toBe(201);
      expect((await signCsr(first.as, 'b.ci.internal')).status).toBe(201);
      expect((await issue(first.as, 'c.ci.internal')).status).toBe(201);
      expectLimited(await issue(first.as, 'd.ci.internal'));
      expectLimited(await signCsr(first.as, 'e.ci.internal'));
      const stored = await testApp.dataSource.query(
        `SELECT count(*) AS n FROM certificates WHERE created_by_user_id = $1`,
        [account.id],
      );
      expect(Number(stored[0].n)).toBe(3);
    });

    it('leaves the routes that do not issue alone', async () => {
      const list = await testApp
        .http()
        .get('/api/v1/certificates')
        .set(...bearer(first.as));
      expect(list.status).toBe(200);
      expect(list.body).toHaveLength(3);
    });

    it('leaves another key of the same account its own budget', async () => {
      for (const host of ['f', 'g', 'h'])
        expect((await issue(second.as, `${host}.ci.internal`)).status).toBe(201);
      expectLimited(await issue(second.as, 'i.ci.internal'));
    });

    it('counts refused issuance attempts too: a pipeline in a loop is stopped at its key', async () => {
      const looping = await createServiceAccountKey(testApp, adminA, account.id, { name: 'looping' });
      for (let attempt = 0; attempt < 3; attempt += 1)
        expect((await issue(looping.as, 'loop.ci.internal', null)).status).toBe(403);
      expectLimited(await issue(looping.as, 'loop.ci.internal'));
    });

    it('limits a personal key per key, not the person signed in with a password', async () => {
      const key = await createPersonalKey(testApp, issuerA, { capabilities: ['can_create_cert'] });
      for (const host of ['p1', 'p2', 'p3'])
        expect((await issue(key.as, `${host}.ci.internal`)).status).toBe(201);
      expectLimited(await issue(key.as, 'p4.ci.internal'));
      for (const host of ['s1', 's2', 's3', 's4', 's5'])
        expect((await issue(issuerA, `${host}.ci.internal`)).status).toBe(201);
    });

    it('counts signing a certificate request with a key', async () => {
      const requester = await createUser(testApp, superuser, {
        organization_id: account.organization_id,
        can_request_cert: true,
      });
      const key = await createPersonalKey(testApp, issuerA, { capabilities: ['can_create_cert'] });
      for (const host of ['r1', 'r2', 'r3'])
        expect((await issue(key.as, `${host}.ci.internal`)).status).toBe(201);
      csrCounter += 1;
      const { csr } = ssl.csr(`limit-${csrCounter}`, EC_P256, '/O=Acme/CN=r4.ci.internal', [
        'subjectAltName=DNS:r4.ci.internal',
      ]);
      const request = await submitRequest(testApp, requester, { csr });
      const signed = await testApp
        .http()
        .post(`/api/v1/certificate-requests/${request.id}/sign`)
        .set(...bearer(key.as))
        .send({ ca_id: rootA.id });
      expectLimited(signed);
      expect(
        (
          await testApp
            .http()
            .post(`/api/v1/certificate-requests/${request.id}/sign`)
            .set(...bearer(issuerA))
            .send({ ca_id: rootA.id })
        ).status,
      ).toBe(200);
    });

    it('leaves the sign-in limit untouched: the admin and the account name sign in as before', async () => {
      const windows: { key: string }[] = await testApp.dataSource.query(`SELECT key FROM auth_rate_limits`);
      const keyWindows = windows.filter(({ key }) => key.startsWith('api-key-issue|'));
      expect(keyWindows.map(({ key }) => key).sort()).toEqual(
        expect.arrayContaining([`api-key-issue|${first.id}`, `api-key-issue|${second.id}`]),
      );
      // Sign-in windows are per address and username; none was counted for the keys' account.
      expect(windows.some(({ key }) => key.endsWith(`|${account.name}`))).toBe(false);
      for (let attempt = 0; attempt < 4; attempt += 1) await login(testApp, adminA.username);
      expect((await issue(first.as, 'still-limited.ci.internal')).status).toBe(429);
    });
  });

  describe('API_KEY_MAX_DAYS', () => {
    it('caps the default expiry at the maximum (30 days here, not 90) and refuses longer', async () => {
      const key = await createServiceAccountKey(testApp, adminA, account.id, { name: 'capped' });
      expect(Math.abs(new Date(key.expires_at).getTime() - (Date.now() + 30 * DAY_MS))).toBeLessThan(5000);
      const longer = await testApp
        .http()
        .post(`/api/v1/service-accounts/${account.id}/keys`)
        .set(...bearer(adminA))
        .send({ name: 'too long', expires_in_days: 31 });
      expect(longer.status).toBe(400);
      expect(longer.body.detail).toMatch(/API_KEY_MAX_DAYS/);
    });
  });
});
