import { createHash } from 'node:crypto';
import {
  createAdmin,
  createMember,
  createOrganization,
  createRootCa,
  createSuperuser,
} from './support/fixtures';
import {
  API_KEY_FORMAT,
  apiCall,
  Method,
  ApiKeyBody,
  createCiProfile,
  createPersonalKey,
  createServiceAccount,
  createServiceAccountKey,
  CreatedKey,
  keyCaller,
  ServiceAccountBody,
} from './support/machine-identity';
import { EC_P256, submitRequest } from './support/notary';
import { OpensslWorkspace } from './support/openssl';
import { auditRows, CaBody, CertificateBody, issueCertificate, signCsr } from './support/pki';
import { createUser, EVERY_CAPABILITY, startTestApp, TestApp, TestUser } from './support/test-app';

const DAY_MS = 86_400_000;

/**
 * API keys (issue 17, item 2) and what a service account may do with one (item 1): keys shown once
 * and stored as hashes, their expiry and revocation, the refusals (401 invalid_token, never a 500),
 * the service account's narrow rights, personal keys narrowed to capabilities, and the audit rows
 * that name the key. Ends with a search of every database row for every key handed out.
 */
describe('API keys', () => {
  let testApp: TestApp;
  let ssl: OpensslWorkspace;
  let superuser: TestUser;
  let orgA: number;
  let orgB: number;
  let adminA: TestUser;
  let adminB: TestUser;
  let memberA: TestUser;
  let issuerA: TestUser;
  let rootA: CaBody;
  let rootB: CaBody;
  let webA: { id: number; name: string };
  let apiA: { id: number; name: string };
  let webB: { id: number; name: string };
  let account: ServiceAccountBody;
  let accountKey: CreatedKey;
  let personCertificate: CertificateBody;
  /** Every key handed out, for the database search at the end. */
  const handedOut: CreatedKey[] = [];
  let csrCounter = 0;

  beforeAll(async () => {
    testApp = await startTestApp();
    ssl = new OpensslWorkspace();
    superuser = await createSuperuser(testApp);
    orgA = await createOrganization(testApp, superuser);
    orgB = await createOrganization(testApp, superuser);
    adminA = await createAdmin(testApp, superuser, orgA);
    adminB = await createAdmin(testApp, superuser, orgB);
    memberA = await createMember(testApp, superuser, orgA, EVERY_CAPABILITY);
    issuerA = await createMember(testApp, superuser, orgA, { can_create_cert: true });
    rootA = await createRootCa(testApp, adminA, { name: 'Keys Root A', key_type: 'ec' });
    rootB = await createRootCa(testApp, adminB, { name: 'Keys Root B', key_type: 'ec' });
    webA = await createCiProfile(testApp, adminA, { name: 'web' });
    apiA = await createCiProfile(testApp, adminA, { name: 'api' });
    webB = await createCiProfile(testApp, adminB, { name: 'web' });
    account = await createServiceAccount(testApp, adminA, { name: 'deploy', profile_ids: [webA.id] });
    accountKey = keep(await createServiceAccountKey(testApp, adminA, account.id, { name: 'main' }));
    personCertificate = await issueCertificate(testApp, adminA, rootA.id, {
      common_name: 'person.ci.internal',
      certificate_type: 'server',
      key_type: 'ec',
    });
  });

  afterAll(async () => {
    await testApp.close();
    ssl.dispose();
  });

  function keep(key: CreatedKey): CreatedKey {
    handedOut.push(key);
    return key;
  }

  const call = (method: Method, user: TestUser, path: string, body?: object) =>
    apiCall(testApp, method, user, path, body);

  function withBearer(value: string) {
    return testApp.http().get('/api/v1/certificates').set('Authorization', `Bearer ${value}`);
  }

  function leaf(host: string, extra: Record<string, unknown> = {}) {
    return { common_name: host, certificate_type: 'server', key_type: 'ec', ...extra };
  }

  function newCsr(host: string): string {
    csrCounter += 1;
    return ssl.csr(`keys-${csrCounter}`, EC_P256, `/O=Acme/CN=${host}`, [`subjectAltName=DNS:${host}`]).csr;
  }

  async function keysOf(accountId: number, user = adminA): Promise<ApiKeyBody[]> {
    const response = await call('get', user, `/service-accounts/${accountId}/keys`);
    expect(response.status).toBe(200);
    return response.body as ApiKeyBody[];
  }

  function expectRefusedKey(response: { status: number; headers: Record<string, string>; body: unknown }) {
    expect(response.status).toBe(401);
    expect(response.headers['www-authenticate']).toMatch(/^Bearer .*error="invalid_token"/);
  }

  describe("a service account's keys", () => {
    it('are shown once, in the pkca_ format, not cached, expiring in 90 days, audited without the key', async () => {
      const before = Date.now();
      const response = await call('post', adminA, `/service-accounts/${account.id}/keys`, {
        name: 'shown once',
      });
      expect(response.status).toBe(201);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.headers['pragma']).toBe('no-cache');
      const key = keep({
        ...response.body,
        secret: API_KEY_FORMAT.exec(response.body.key)?.[2] ?? '',
        as: keyCaller(response.body.key, account.id),
      });
      expect(key.key).toMatch(API_KEY_FORMAT);
      expect(key).toMatchObject({
        id: API_KEY_FORMAT.exec(key.key)?.[1],
        name: 'shown once',
        principal_id: account.id,
        capabilities: null,
        last_used_at: null,
        revoked_at: null,
        created_by_user_id: adminA.id,
      });
      const expiresAt = new Date(key.expires_at).getTime();
      expect(expiresAt).toBeGreaterThanOrEqual(before + 90 * DAY_MS - 1000);
      expect(expiresAt).toBeLessThanOrEqual(Date.now() + 90 * DAY_MS + 1000);

      const [row] = await auditRows(testApp, 'api_key_create', account.id).then((rows) =>
        rows.filter((audit) => audit.detail?.key_id === key.id),
      );
      expect(row).toEqual({
        action: 'api_key_create',
        user_id: adminA.id,
        organization_id: orgA,
        resource_type: 'service_account',
        resource_id: account.id,
        detail: { key_id: key.id, name: 'shown once', expires_at: new Date(key.expires_at).toISOString() },
      });
    });

    it('are listed without the key or its secret', async () => {
      const response = await call('get', adminA, `/service-accounts/${account.id}/keys`);
      expect(response.status).toBe(200);
      const listed = response.body as ApiKeyBody[];
      expect(listed.map(({ id }) => id)).toContain(accountKey.id);
      for (const key of listed) expect(Object.keys(key)).not.toContain('key');
      for (const key of handedOut) {
        expect(response.text).not.toContain(key.secret);
        expect(response.text).not.toContain(key.key);
      }
      expect(listed.find(({ id }) => id === accountKey.id)).toEqual({
        id: accountKey.id,
        name: 'main',
        principal_id: account.id,
        capabilities: null,
        expires_at: accountKey.expires_at,
        last_used_at: null,
        revoked_at: null,
        created_by_user_id: adminA.id,
        created_at: accountKey.created_at,
      });
    });

    it('are stored as the SHA-256 of the secret, never the key', async () => {
      const [row] = await testApp.dataSource.query(`SELECT secret_hash FROM api_keys WHERE id = $1`, [
        accountKey.id,
      ]);
      expect(
        Buffer.from(row.secret_hash).equals(createHash('sha256').update(accountKey.secret).digest()),
      ).toBe(true);
    });

    it('expire when asked: in days, or at an instant', async () => {
      const inDays = keep(
        await createServiceAccountKey(testApp, adminA, account.id, { expires_in_days: 30 }),
      );
      expect(Math.abs(new Date(inDays.expires_at).getTime() - (Date.now() + 30 * DAY_MS))).toBeLessThan(5000);
      const at = new Date(Date.now() + 7 * DAY_MS);
      at.setMilliseconds(0);
      const atInstant = keep(
        await createServiceAccountKey(testApp, adminA, account.id, { expires_at: at.toISOString() }),
      );
      expect(new Date(atInstant.expires_at).getTime()).toBe(at.getTime());
      const longest = keep(
        await createServiceAccountKey(testApp, adminA, account.id, { expires_in_days: 365 }),
      );
      expect(new Date(longest.expires_at).getTime()).toBeGreaterThan(Date.now() + 364 * DAY_MS);
    });

    it.each([
      ['an expiry in the past', { expires_at: '2020-01-01T00:00:00Z' }],
      ['an expiry now-ish', { expires_in_days: 0 }],
      ['an expiry over API_KEY_MAX_DAYS (365) in days', { expires_in_days: 366 }],
      [
        'an expiry over API_KEY_MAX_DAYS (365) as an instant',
        { expires_at: new Date(Date.now() + 400 * DAY_MS).toISOString() },
      ],
      ['both expiry forms', { expires_in_days: 10, expires_at: new Date(Date.now() + DAY_MS).toISOString() }],
      ['an expiry that is no date', { expires_at: 'next tuesday' }],
      ['a fractional number of days', { expires_in_days: 1.5 }],
      ['no name', { name: undefined }],
      ['an empty name', { name: '' }],
      ['a blank name', { name: '   ' }],
      ['a name of 201 characters', { name: 'k'.repeat(201) }],
    ])('are refused with %s (400)', async (_case, fields) => {
      const response = await call('post', adminA, `/service-accounts/${account.id}/keys`, {
        name: 'x',
        ...fields,
      });
      expect(response.status).toBe(400);
      expect(response.body.key).toBeUndefined();
    });

    it("are created only by the account's managers (403), for an account that exists (404)", async () => {
      for (const user of [memberA, issuerA, adminB]) {
        const response = await call('post', user, `/service-accounts/${account.id}/keys`, { name: 'x' });
        expect(response.status).toBe(403);
        expect(response.body.key).toBeUndefined();
        expect((await call('get', user, `/service-accounts/${account.id}/keys`)).status).toBe(403);
      }
      expect((await call('post', adminA, '/service-accounts/999999/keys', { name: 'x' })).status).toBe(404);
      expect((await call('post', adminA, `/service-accounts/${memberA.id}/keys`, { name: 'x' })).status).toBe(
        404,
      );
      const bySuperuser = keep(
        await createServiceAccountKey(testApp, superuser, account.id, { name: 'by root' }),
      );
      expect(bySuperuser.created_by_user_id).toBe(superuser.id);
    });

    it('authenticate as the account and record their last use', async () => {
      const key = keep(await createServiceAccountKey(testApp, adminA, account.id, { name: 'used' }));
      expect((await keysOf(account.id)).find(({ id }) => id === key.id)?.last_used_at).toBeNull();
      const before = Date.now();
      const response = await call('get', key.as, '/certificates');
      expect(response.status).toBe(200);
      const lastUsed = (await keysOf(account.id)).find(({ id }) => id === key.id)?.last_used_at;
      expect(lastUsed).not.toBeNull();
      expect(new Date(lastUsed ?? 0).getTime()).toBeGreaterThanOrEqual(before - 1000);
      // Authenticated as the account, which is no user: /users/me refuses it by name, not as a 401.
      const me = await call('get', key.as, '/users/me');
      expect(me.status).toBe(403);
      expect(me.body.detail).toContain('You may not view this user');
    });

    it('are revoked by DELETE: the next request is a 401 invalid_token; revoking again changes nothing', async () => {
      const key = keep(await createServiceAccountKey(testApp, adminA, account.id, { name: 'to revoke' }));
      expect((await call('get', key.as, '/certificates')).status).toBe(200);
      expect((await call('delete', adminA, `/service-accounts/${account.id}/keys/${key.id}`)).status).toBe(
        204,
      );
      const refused = await call('get', key.as, '/certificates');
      expectRefusedKey(refused);
      expect(refused.body.detail).toBe('Invalid, expired or revoked API key');
      expect((await keysOf(account.id)).find(({ id }) => id === key.id)?.revoked_at).toEqual(
        expect.any(String),
      );

      expect((await call('delete', adminA, `/service-accounts/${account.id}/keys/${key.id}`)).status).toBe(
        204,
      );
      const revocations = (await auditRows(testApp, 'api_key_revoke', account.id)).filter(
        (row) => row.detail?.key_id === key.id,
      );
      expect(revocations).toEqual([
        expect.objectContaining({
          user_id: adminA.id,
          resource_type: 'service_account',
          organization_id: orgA,
        }),
      ]);
      // Other keys of the account are untouched.
      expect((await call('get', accountKey.as, '/certificates')).status).toBe(200);
    });

    it('are revoked only through their own account and by its managers', async () => {
      const other = await createServiceAccount(testApp, adminA, { name: 'other', profile_ids: [webA.id] });
      const otherKey = keep(await createServiceAccountKey(testApp, adminA, other.id));
      expect(
        (await call('delete', adminA, `/service-accounts/${account.id}/keys/${otherKey.id}`)).status,
      ).toBe(404);
      expect((await call('delete', adminB, `/service-accounts/${other.id}/keys/${otherKey.id}`)).status).toBe(
        403,
      );
      expect(
        (await call('delete', memberA, `/service-accounts/${other.id}/keys/${otherKey.id}`)).status,
      ).toBe(403);
      expect(
        (await call('delete', adminA, `/service-accounts/${other.id}/keys/0123456789abcdef`)).status,
      ).toBe(404);
      expect((await call('delete', adminA, `/service-accounts/${other.id}/keys/not-a-key-id`)).status).toBe(
        400,
      );
      expect(
        (await call('delete', adminA, `/service-accounts/${other.id}/keys/${otherKey.key}`)).status,
      ).toBe(400);
      expect((await call('get', otherKey.as, '/certificates')).status).toBe(200);
    });

    it('stop working while the account is disabled, and work again once it is enabled', async () => {
      const key = keep(await createServiceAccountKey(testApp, adminA, account.id, { name: 'toggled' }));
      expect(
        (await call('patch', adminA, `/service-accounts/${account.id}`, { enabled: false })).status,
      ).toBe(200);
      try {
        expectRefusedKey(await call('get', key.as, '/certificates'));
        expectRefusedKey(
          await call('post', key.as, `/certificates?ca_id=${rootA.id}`, leaf('off.ci.internal')),
        );
      } finally {
        expect(
          (await call('patch', adminA, `/service-accounts/${account.id}`, { enabled: true })).status,
        ).toBe(200);
      }
      expect((await call('get', key.as, '/certificates')).status).toBe(200);
    });

    it('stop working once expired', async () => {
      const key = keep(await createServiceAccountKey(testApp, adminA, account.id, { name: 'expiring' }));
      expect((await call('get', key.as, '/certificates')).status).toBe(200);
      await testApp.dataSource.query(
        `UPDATE api_keys SET expires_at = now() - interval '1 second' WHERE id = $1`,
        [key.id],
      );
      expectRefusedKey(await call('get', key.as, '/certificates'));
    });

    it.each([
      ['the prefix alone', 'pkca_'],
      ['a short id', 'pkca_abc_def'],
      [
        'an upper-case id',
        () => accountKey.key.replace(/^pkca_([0-9a-f]{16})/, (_m, id: string) => `pkca_${id.toUpperCase()}`),
      ],
      ['a wrong secret', () => `pkca_${accountKey.id}_${'A'.repeat(43)}`],
      ['a secret one character short', () => accountKey.key.slice(0, -1)],
      ['a secret one character long', () => `${accountKey.key}A`],
      ['an unknown id', () => `pkca_0000000000000000_${accountKey.secret}`],
      ['a key with a trailing word', () => `${accountKey.key} extra`],
      ['a key of 10 000 characters', () => `pkca_${'a'.repeat(10_000)}`],
      ['SQL in the id', "pkca_' OR 1=1 --_x"],
      ['percent-encoded bytes', 'pkca_%00%ff_%27'],
      ['another separator', () => accountKey.key.replace(/_([A-Za-z0-9_-]{43})$/, '.$1')],
    ])('refuse %s with a 401 invalid_token, never a 500', async (_case, value) => {
      const presented = typeof value === 'function' ? value() : value;
      const response = await withBearer(presented);
      expectRefusedKey(response);
      const issuing = await testApp
        .http()
        .post(`/api/v1/certificates?ca_id=${rootA.id}`)
        .set('Authorization', `Bearer ${presented}`)
        .send(leaf('x.ci.internal', { profile: webA.id }));
      expectRefusedKey(issuing);
    });
  });

  describe('what a service account may do with its key', () => {
    let issued: CertificateBody;

    beforeAll(async () => {
      issued = await issueCertificate(
        testApp,
        accountKey.as,
        rootA.id,
        leaf('deploy.ci.internal', { profile: webA.id }),
      );
    });

    it("issues under its organization's CA through its profile, as itself", async () => {
      expect(issued).toMatchObject({
        created_by_user_id: account.id,
        organization_id: orgA,
        issuer_id: rootA.id,
      });
      expect(issued.private_key).toMatch(/BEGIN PRIVATE KEY/);
      const byName = await issueCertificate(
        testApp,
        accountKey.as,
        rootA.id,
        leaf('by-name.ci.internal', { profile: 'web' }),
      );
      expect(byName.created_by_user_id).toBe(account.id);
    });

    it('signs CSRs under its CA, named by id or by name, through its profile', async () => {
      const byId = await signCsr(testApp, accountKey.as, {
        ca_id: rootA.id,
        csr: newCsr('csr.ci.internal'),
        certificate_type: 'server',
        profile: webA.id,
      });
      expect(byId.created_by_user_id).toBe(account.id);
      const byName = await signCsr(testApp, accountKey.as, {
        ca_name: rootA.name,
        csr: newCsr('csr-name.ci.internal'),
        certificate_type: 'server',
        profile: 'web',
      });
      expect(byName).toMatchObject({ created_by_user_id: account.id, issuer_id: rootA.id });
    });

    it('is refused without a profile (403 naming its profiles)', async () => {
      const issuing = await call('post', accountKey.as, `/certificates?ca_id=${rootA.id}`, {
        subject_dn: 'O=Acme',
        ...leaf('none.ci.internal'),
      });
      expect(issuing.status).toBe(403);
      expect(issuing.body.detail).toContain(`(ids ${webA.id})`);
      const signing = await call('post', accountKey.as, '/certificates/sign-csr', {
        ca_id: rootA.id,
        csr: newCsr('none.ci.internal'),
        certificate_type: 'server',
      });
      expect(signing.status).toBe(403);
      expect(signing.body.detail).toContain(`(ids ${webA.id})`);
    });

    it.each([
      ['by id', () => apiA.id],
      ['by name', () => 'api'],
    ])(
      "is refused through another of its organization's profiles, named %s (403 naming its own)",
      async (_c, ref) => {
        const issuing = await call('post', accountKey.as, `/certificates?ca_id=${rootA.id}`, {
          subject_dn: 'O=Acme',
          ...leaf('other.ci.internal', { profile: ref() }),
        });
        expect(issuing.status).toBe(403);
        expect(issuing.body.detail).toContain(`(ids ${webA.id})`);
        const signing = await call('post', accountKey.as, '/certificates/sign-csr', {
          ca_id: rootA.id,
          csr: newCsr('other.ci.internal'),
          certificate_type: 'server',
          profile: ref(),
        });
        expect(signing.status).toBe(403);
      },
    );

    it("is refused under another organization's CA, whatever the profile", async () => {
      for (const profile of [webA.id, webB.id]) {
        const response = await call('post', accountKey.as, `/certificates?ca_id=${rootB.id}`, {
          subject_dn: 'O=Acme',
          ...leaf('b.ci.internal', { profile }),
        });
        expect(response.status).toBe(403);
      }
      const byName = await call('post', accountKey.as, '/certificates/sign-csr', {
        ca_name: rootB.name,
        csr: newCsr('b.ci.internal'),
        certificate_type: 'server',
        profile: webA.id,
      });
      // By name it finds only its own organization's CAs, as a member of that organization would.
      expect(byName.status).toBe(404);
    });

    it('reads, lists, exports the key of and revokes its own certificates', async () => {
      expect((await call('get', accountKey.as, `/certificates/${issued.id}`)).status).toBe(200);
      const listed = (await call('get', accountKey.as, '/certificates')).body as CertificateBody[];
      expect(listed.length).toBeGreaterThan(0);
      expect(listed.every((certificate) => certificate.created_by_user_id === account.id)).toBe(true);
      expect(listed.map(({ id }) => id)).not.toContain(personCertificate.id);

      const key = await call('get', accountKey.as, `/certificates/${issued.id}/private-key`);
      expect(key.status).toBe(200);
      expect(key.text).toContain(issued.private_key?.trim().split('\n')[1]);
      const exported = await call('get', accountKey.as, `/export/certificate/${issued.id}/private-key`);
      expect(exported.status).toBe(200);
      expect((await call('get', accountKey.as, `/export/certificate/${issued.id}`)).status).toBe(200);
      const chain = await call('get', accountKey.as, `/export/certificate/${issued.id}/chain`);
      expect(chain.status).toBe(200);

      const toRevoke = await issueCertificate(
        testApp,
        accountKey.as,
        rootA.id,
        leaf('rev.ci.internal', { profile: webA.id }),
      );
      const revoked = await call('post', accountKey.as, `/certificates/${toRevoke.id}/revoke`, {
        reason: 'key_compromise',
      });
      expect(revoked.status).toBe(200);
      expect(revoked.body.status).toBe('revoked');
    });

    it('neither reads, revokes nor exports a certificate a person issued', async () => {
      expect((await call('get', accountKey.as, `/certificates/${personCertificate.id}`)).status).toBe(403);
      expect(
        (await call('post', accountKey.as, `/certificates/${personCertificate.id}/revoke`, {})).status,
      ).toBe(403);
      expect(
        (await call('get', accountKey.as, `/certificates/${personCertificate.id}/private-key`)).status,
      ).toBe(403);
      expect(
        (await call('get', accountKey.as, `/export/certificate/${personCertificate.id}/private-key`)).status,
      ).toBe(403);
      expect((await call('get', adminA, `/certificates/${personCertificate.id}`)).body.status).toBe('valid');
    });

    it('sees only its own profiles', async () => {
      const profiles = await call('get', accountKey.as, '/profiles');
      expect(profiles.status).toBe(200);
      expect((profiles.body as { id: number }[]).map(({ id }) => id)).toEqual([webA.id]);
      expect((await call('get', accountKey.as, `/profiles/${webA.id}`)).status).toBe(200);
      expect((await call('get', accountKey.as, `/profiles/${apiA.id}`)).status).toBe(403);
      expect((await call('get', accountKey.as, `/profiles/${webB.id}`)).status).toBe(403);
    });

    const refusals: [string, Method, string | (() => string), number | 'empty', (() => object)?][] = [
      ['list CAs', 'get', '/cas', 'empty'],
      ['read its CA', 'get', () => `/cas/${rootA.id}`, 403],
      ['read its CA chain', 'get', () => `/cas/${rootA.id}/chain`, 403],
      ['read a CA private key', 'get', () => `/cas/${rootA.id}/private-key`, 403],
      [
        'create a CA',
        'post',
        '/cas',
        403,
        () => ({ name: 'sa-ca', subject_dn: 'CN=sa-ca,O=Acme', key_type: 'ec' }),
      ],
      ['list users', 'get', '/users', 403],
      ['read a user', 'get', () => `/users/${adminA.id}`, 403],
      [
        'create a user',
        'post',
        '/users',
        403,
        () => ({ username: 'by-sa', email: 'by-sa@example.com', password: 'correct horse battery' }),
      ],
      ['list organizations', 'get', '/organizations', 'empty'],
      ['read its organization', 'get', () => `/organizations/${orgA}`, 403],
      ['list its organization members', 'get', () => `/organizations/${orgA}/users`, 403],
      ['create an organization', 'post', '/organizations', 403, () => ({ name: 'by-sa' })],
      ['read audit logs', 'get', '/audit-logs', 403],
      ['create a profile', 'post', '/profiles', 403, () => ({ name: 'by-sa' })],
      ['change its profile', 'patch', () => `/profiles/${webA.id}`, 403, () => ({ description: 'by-sa' })],
      ['list service accounts', 'get', '/service-accounts', 403],
      ['read itself as a service account', 'get', () => `/service-accounts/${account.id}`, 403],
      [
        'enable or rebind itself',
        'patch',
        () => `/service-accounts/${account.id}`,
        403,
        () => ({ profile_ids: [webA.id, apiA.id] }),
      ],
      [
        'create itself a key',
        'post',
        () => `/service-accounts/${account.id}/keys`,
        403,
        () => ({ name: 'more' }),
      ],
      ['list its keys', 'get', () => `/service-accounts/${account.id}/keys`, 403],
      [
        'create a personal key',
        'post',
        '/users/me/api-keys',
        403,
        () => ({ name: 'x', capabilities: ['can_create_cert'] }),
      ],
      ['list personal keys', 'get', '/users/me/api-keys', 403],
      ['revoke a key as personal', 'delete', () => `/users/me/api-keys/${accountKey.id}`, 403],
      [
        'submit a certificate request',
        'post',
        '/certificate-requests',
        403,
        () => ({ csr: newCsr('req.ci.internal') }),
      ],
      ['list certificate requests', 'get', '/certificate-requests', 'empty'],
      ['read the configuration', 'get', '/config', 403],
    ];

    // One argument after the name: jest would take a fifth parameter for its done callback.
    it.each(refusals.map(([what, ...call]) => [what, call] as const))(
      'may not %s',
      async (_case, [method, path, expected, body]) => {
        const response = await call(
          method,
          accountKey.as,
          typeof path === 'function' ? path() : path,
          body?.(),
        );
        if (expected === 'empty') {
          expect(response.status).toBe(200);
          expect(response.body).toEqual([]);
        } else {
          expect(response.status).toBe(expected);
        }
      },
    );

    it('still holds its keys after all those refusals', async () => {
      expect((await keysOf(account.id)).find(({ id }) => id === accountKey.id)?.revoked_at).toBeNull();
    });
  });

  describe('personal keys', () => {
    it("carry a subset of the caller's own capabilities, shown once, listed without the key", async () => {
      const response = await call('post', issuerA, '/users/me/api-keys', {
        name: 'laptop',
        capabilities: ['can_create_cert'],
      });
      expect(response.status).toBe(201);
      expect(response.headers['cache-control']).toBe('no-store');
      expect(response.body).toMatchObject({
        principal_id: issuerA.id,
        capabilities: ['can_create_cert'],
        created_by_user_id: issuerA.id,
      });
      expect(response.body.key).toMatch(API_KEY_FORMAT);
      keep({
        ...response.body,
        secret: API_KEY_FORMAT.exec(response.body.key)?.[2] ?? '',
        as: keyCaller(response.body.key, issuerA.id),
      });
      const listed = await call('get', issuerA, '/users/me/api-keys');
      expect((listed.body as ApiKeyBody[]).map(({ id }) => id)).toEqual([response.body.id]);
      expect(listed.text).not.toContain(response.body.key);
      expect(Object.keys(listed.body[0])).not.toContain('key');
      const [audit] = (await auditRows(testApp, 'api_key_create', issuerA.id)).filter(
        (row) => row.detail?.key_id === response.body.id,
      );
      expect(audit).toMatchObject({ user_id: issuerA.id, resource_type: 'user', resource_id: issuerA.id });
    });

    it('are refused with a capability the caller lacks (403 naming it)', async () => {
      const response = await call('post', issuerA, '/users/me/api-keys', {
        name: 'greedy',
        capabilities: ['can_create_cert', 'can_revoke_cert', 'can_delete_ca'],
      });
      expect(response.status).toBe(403);
      expect(response.body.detail).toMatch(/can_revoke_cert, can_delete_ca/);
      const requester = await call('post', memberA, '/users/me/api-keys', {
        name: 'x',
        capabilities: ['can_request_cert'],
      });
      expect(requester.status).toBe(403);
    });

    it('may carry every capability for an admin', async () => {
      const key = keep(
        await createPersonalKey(testApp, adminA, {
          capabilities: [...Object.keys(EVERY_CAPABILITY), 'can_request_cert'],
        }),
      );
      expect(key.capabilities).toHaveLength(6);
    });

    it.each([
      ['no capabilities', { capabilities: [] }],
      ['an unknown capability', { capabilities: ['can_rule_the_world'] }],
      ['a capability twice', { capabilities: ['can_create_cert', 'can_create_cert'] }],
      ['capabilities missing', { capabilities: undefined }],
      ['an expiry over API_KEY_MAX_DAYS', { capabilities: ['can_create_cert'], expires_in_days: 400 }],
    ])('are refused with %s (400)', async (_case, fields) => {
      expect((await call('post', issuerA, '/users/me/api-keys', { name: 'x', ...fields })).status).toBe(400);
    });

    it('are created only with a password session, not with a key', async () => {
      const key = keep(await createPersonalKey(testApp, adminA, { capabilities: ['can_create_cert'] }));
      const response = await call('post', key.as, '/users/me/api-keys', {
        name: 'child',
        capabilities: ['can_create_cert'],
      });
      expect(response.status).toBe(403);
      expect(response.body.detail).toMatch(/signing in with a password/);
      const forAccount = await call('post', key.as, `/service-accounts/${account.id}/keys`, {
        name: 'child',
      });
      expect(forAccount.status).toBe(403);
    });

    it('act as the person narrowed to the key: a can_create_cert key issues but does not revoke or export', async () => {
      const key = keep(await createPersonalKey(testApp, memberA, { capabilities: ['can_create_cert'] }));
      const certificate = await issueCertificate(testApp, key.as, rootA.id, leaf('member.ci.internal'));
      expect(certificate.created_by_user_id).toBe(memberA.id);
      // Reads need no capability.
      expect((await call('get', key.as, `/certificates/${certificate.id}`)).status).toBe(200);
      expect((await call('get', key.as, `/cas/${rootA.id}`)).status).toBe(200);
      expect((await call('get', key.as, '/profiles')).status).toBe(200);

      const revoke = await call('post', key.as, `/certificates/${certificate.id}/revoke`, {});
      expect(revoke.status).toBe(403);
      expect((await call('get', key.as, `/certificates/${certificate.id}/private-key`)).status).toBe(403);
      expect(
        (await call('post', key.as, '/cas', { name: 'by-key', subject_dn: 'CN=by-key,O=Acme' })).status,
      ).toBe(403);
      // The person can, with its session.
      expect((await call('get', memberA, `/certificates/${certificate.id}/private-key`)).status).toBe(200);
      expect((await call('post', memberA, `/certificates/${certificate.id}/revoke`, {})).status).toBe(200);
    });

    it('a revoke-only key revokes but does not issue', async () => {
      const key = keep(await createPersonalKey(testApp, memberA, { capabilities: ['can_revoke_cert'] }));
      const certificate = await issueCertificate(testApp, memberA, rootA.id, leaf('revoke-only.ci.internal'));
      expect(
        (
          await call('post', key.as, `/certificates?ca_id=${rootA.id}`, {
            subject_dn: 'O=Acme',
            ...leaf('no.ci.internal'),
          })
        ).status,
      ).toBe(403);
      expect((await call('post', key.as, `/certificates/${certificate.id}/revoke`, {})).status).toBe(200);
    });

    it('never exceed the person: a capability taken from the person is gone from the key', async () => {
      const person = await createMember(testApp, superuser, orgA, { can_create_cert: true });
      const key = keep(await createPersonalKey(testApp, person, { capabilities: ['can_create_cert'] }));
      await issueCertificate(testApp, key.as, rootA.id, leaf('before.ci.internal'));
      expect((await call('patch', superuser, `/users/${person.id}`, { can_create_cert: false })).status).toBe(
        200,
      );
      expect(
        (
          await call('post', key.as, `/certificates?ca_id=${rootA.id}`, {
            subject_dn: 'O=Acme',
            ...leaf('after.ci.internal'),
          })
        ).status,
      ).toBe(403);
      expect((await call('patch', superuser, `/users/${person.id}`, { is_active: false })).status).toBe(200);
      expectRefusedKey(await call('get', key.as, '/certificates'));
    });

    it.each(
      (
        [
          [
            'create a user',
            'post',
            '/users',
            () => ({
              username: 'by-key',
              email: 'by-key@example.com',
              password: 'correct horse battery',
              organization_id: orgA,
            }),
          ],
          ['read audit logs', 'get', '/audit-logs'],
          ['create an organization', 'post', '/organizations', () => ({ name: 'by-key' })],
          [
            'change an organization',
            'put',
            () => `/organizations/${orgA}`,
            () => ({ name: 'renamed-by-key' }),
          ],
          ['add a member to an organization', 'post', () => `/organizations/${orgA}/users/${issuerA.id}`],
          [
            "change a member's capabilities",
            'patch',
            () => `/users/${issuerA.id}`,
            () => ({ can_revoke_cert: true }),
          ],
          [
            'change its own password',
            'patch',
            () => `/users/${adminA.id}`,
            () => ({ password: 'another long password', current_password: 'correct horse battery' }),
          ],
          [
            'create a service account',
            'post',
            '/service-accounts',
            () => ({ name: 'by-key', profile_ids: [webA.id] }),
          ],
          ['list service accounts', 'get', '/service-accounts'],
          [
            'create a service account key',
            'post',
            () => `/service-accounts/${account.id}/keys`,
            () => ({ name: 'by-key' }),
          ],
        ] as [string, 'get' | 'post' | 'patch', string | (() => string), (() => object)?][]
      ).map(([what, ...call]) => [what, call] as const),
    )(
      "never administer, even an admin's key with every capability: may not %s (403)",
      async (_case, [method, path, body]) => {
        const key = keep(
          await createPersonalKey(testApp, adminA, {
            capabilities: [...Object.keys(EVERY_CAPABILITY), 'can_request_cert'],
          }),
        );
        const response = await call(method, key.as, typeof path === 'function' ? path() : path, body?.());
        expect(response.status).toBe(403);
      },
    );

    it("of an admin issue and revoke across the admin's organization within the key's capabilities", async () => {
      const key = keep(await createPersonalKey(testApp, adminA, { capabilities: ['can_revoke_cert'] }));
      const certificate = await issueCertificate(testApp, issuerA, rootA.id, leaf('org.ci.internal'));
      expect((await call('post', key.as, `/certificates/${certificate.id}/revoke`, {})).status).toBe(200);
    });

    it('are not sessions: sign-out with one is refused, and it keeps working', async () => {
      const key = keep(await createPersonalKey(testApp, issuerA, { capabilities: ['can_create_cert'] }));
      const logout = await call('post', key.as, '/auth/logout', {});
      expect(logout.status).toBe(400);
      expect((await call('get', key.as, '/certificates')).status).toBe(200);
    });

    it('are revoked by DELETE /users/me/api-keys/{id}, only their own', async () => {
      const key = keep(await createPersonalKey(testApp, issuerA, { capabilities: ['can_create_cert'] }));
      expect((await call('delete', adminA, `/users/me/api-keys/${key.id}`)).status).toBe(404);
      expect((await call('get', key.as, '/certificates')).status).toBe(200);
      expect((await call('delete', issuerA, `/users/me/api-keys/${key.id}`)).status).toBe(204);
      expectRefusedKey(await call('get', key.as, '/certificates'));
      const listed = (await call('get', issuerA, '/users/me/api-keys')).body as ApiKeyBody[];
      expect(listed.find(({ id }) => id === key.id)?.revoked_at).toEqual(expect.any(String));
    });
  });

  describe('audit rows of actions taken with a key', () => {
    interface AuditBody {
      action: string;
      user_id: number | null;
      username: string | null;
      credential: string | null;
      resource_id: number | null;
    }

    async function auditLog(action: string, resourceId: number): Promise<AuditBody[]> {
      const response = await call('get', adminA, `/audit-logs?action=${action}&resource_id=${resourceId}`);
      expect(response.status).toBe(200);
      return response.body as AuditBody[];
    }

    it('name the service account and the key', async () => {
      const certificate = await issueCertificate(
        testApp,
        accountKey.as,
        rootA.id,
        leaf('audited.ci.internal', { profile: webA.id }),
      );
      expect(await auditLog('cert_create', certificate.id)).toEqual([
        expect.objectContaining({
          user_id: account.id,
          username: account.name,
          credential: `api_key:${accountKey.id}`,
        }),
      ]);
      await call('post', accountKey.as, `/certificates/${certificate.id}/revoke`, {}).expect(200);
      expect(await auditLog('cert_revoke', certificate.id)).toEqual([
        expect.objectContaining({ user_id: account.id, credential: `api_key:${accountKey.id}` }),
      ]);
      const signed = await signCsr(testApp, accountKey.as, {
        ca_id: rootA.id,
        csr: newCsr('audited-csr.ci.internal'),
        certificate_type: 'server',
        profile: webA.id,
      });
      expect(await auditLog('cert_sign_csr', signed.id)).toEqual([
        expect.objectContaining({ user_id: account.id, credential: `api_key:${accountKey.id}` }),
      ]);
    });

    it('name the person and the key for a personal key, and no credential for a session', async () => {
      const key = keep(await createPersonalKey(testApp, issuerA, { capabilities: ['can_create_cert'] }));
      const byKey = await issueCertificate(testApp, key.as, rootA.id, leaf('pk.ci.internal'));
      expect(await auditLog('cert_create', byKey.id)).toEqual([
        expect.objectContaining({
          user_id: issuerA.id,
          username: issuerA.username,
          credential: `api_key:${key.id}`,
        }),
      ]);
      const bySession = await issueCertificate(testApp, issuerA, rootA.id, leaf('session.ci.internal'));
      expect(await auditLog('cert_create', bySession.id)).toEqual([
        expect.objectContaining({ user_id: issuerA.id, credential: null }),
      ]);
    });

    it('of a private-key export name the key', async () => {
      const certificate = await issueCertificate(
        testApp,
        accountKey.as,
        rootA.id,
        leaf('export.ci.internal', { profile: webA.id }),
      );
      await call('get', accountKey.as, `/certificates/${certificate.id}/private-key`).expect(200);
      const rows = (
        await call('get', adminA, `/audit-logs?resource_id=${certificate.id}&resource_type=certificate`)
      ).body as AuditBody[];
      const exports = rows.filter((row) => row.action !== 'cert_create');
      expect(exports.length).toBeGreaterThan(0);
      for (const row of exports) expect(row.credential).toBe(`api_key:${accountKey.id}`);
    });
  });

  describe('a personal key request signing', () => {
    it('signs a request through the workflow with a can_create_cert key, audited with the key', async () => {
      const requester = await createUser(testApp, superuser, {
        organization_id: orgA,
        can_request_cert: true,
      });
      const request = await submitRequest(testApp, requester, { csr: newCsr('req.ci.internal') });
      const key = keep(await createPersonalKey(testApp, issuerA, { capabilities: ['can_create_cert'] }));
      const signed = await call('post', key.as, `/certificate-requests/${request.id}/sign`, {
        ca_id: rootA.id,
      });
      expect(signed.status).toBe(200);
      expect(signed.body.certificate_id).toEqual(expect.any(Number));
      const [audit] = await auditRows(testApp, 'cert_sign_csr', signed.body.certificate_id);
      expect(audit.user_id).toBe(issuerA.id);
      const [{ credential }] = await testApp.dataSource.query(
        `SELECT credential FROM audit_logs WHERE action = 'cert_sign_csr' AND resource_id = $1`,
        [signed.body.certificate_id],
      );
      expect(credential).toBe(`api_key:${key.id}`);
    });
  });

  describe('secrets', () => {
    it('no database row holds a key or its secret; api_keys holds the SHA-256 of each secret', async () => {
      expect(handedOut.length).toBeGreaterThan(20);
      const tables: { table_name: string }[] = await testApp.dataSource.query(
        `SELECT table_name FROM information_schema.tables
          WHERE table_schema = current_schema() AND table_type = 'BASE TABLE'`,
      );
      expect(tables.map(({ table_name }) => table_name)).toEqual(
        expect.arrayContaining(['api_keys', 'audit_logs']),
      );
      const needles = handedOut.flatMap((key) => [
        key.key,
        key.secret,
        Buffer.from(key.secret).toString('hex'),
        Buffer.from(key.secret, 'base64url').toString('hex'),
      ]);
      for (const { table_name } of tables) {
        // Every column as text; bytea comes out as \x<hex>, arrays and JSON as their text forms.
        const rows: { row: string }[] = await testApp.dataSource.query(
          `SELECT row_to_json(t)::text AS row FROM "${table_name}" t`,
        );
        const text = rows.map(({ row }) => row).join('\n');
        for (const needle of needles)
          expect({ table_name, found: text.includes(needle) }).toEqual({ table_name, found: false });
      }
      const stored: { id: string; secret_hash: Buffer }[] = await testApp.dataSource.query(
        `SELECT id, secret_hash FROM api_keys`,
      );
      const byId = new Map(stored.map((row) => [row.id, Buffer.from(row.secret_hash)]));
      for (const key of handedOut) {
        expect(byId.get(key.id)?.equals(createHash('sha256').update(key.secret).digest())).toBe(true);
      }
    });
  });
});
