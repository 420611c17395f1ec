import {
  createAdmin,
  createMember,
  createOrganization,
  createRootCa,
  createSuperuser,
} from './support/fixtures';
import {
  apiCall,
  createCiProfile,
  Method,
  createServiceAccount,
  createServiceAccountKey,
  ServiceAccountBody,
} from './support/machine-identity';
import { auditRows, CaBody, issueCertificate } from './support/pki';
import {
  bearer,
  createUser,
  EVERY_CAPABILITY,
  login,
  startTestApp,
  TEST_PASSWORD,
  TestApp,
  TestUser,
} from './support/test-app';

/**
 * Service accounts (issue 17, item 1): the /service-accounts resource, who manages it, its
 * validation, its listing, its changes and its audit trail, and that a service account is no person:
 * it cannot sign in with a password and the users routes do not show it.
 */
describe('service accounts', () => {
  let testApp: TestApp;
  let superuser: TestUser;
  let orgA: number;
  let orgB: number;
  let adminA: TestUser;
  let adminB: TestUser;
  let memberA: TestUser;
  let rootA: CaBody;
  let webA: { id: number; name: string };
  let apiA: { id: number; name: string };
  let webB: { id: number; name: string };

  beforeAll(async () => {
    testApp = await startTestApp();
    superuser = await createSuperuser(testApp);
    orgA = await createOrganization(testApp, superuser);
    orgB = await createOrganization(testApp, superuser);
    adminA = await createAdmin(testApp, superuser, orgA);
    adminB = await createAdmin(testApp, superuser, orgB);
    memberA = await createMember(testApp, superuser, orgA, EVERY_CAPABILITY);
    rootA = await createRootCa(testApp, adminA, { name: 'SA Root A', key_type: 'ec' });
    webA = await createCiProfile(testApp, adminA, { name: 'web' });
    apiA = await createCiProfile(testApp, adminA, { name: 'api' });
    webB = await createCiProfile(testApp, adminB, { name: 'web' });
  });

  afterAll(async () => {
    await testApp.close();
  });

  const call = (method: Method, user: TestUser, path: string, body?: object) =>
    apiCall(testApp, method, user, path, body);

  describe('creating', () => {
    it("an organization's admin creates one in its organization, audited", async () => {
      const response = await call('post', adminA, '/service-accounts', {
        name: 'deploy-api',
        description: 'GitHub Actions, acme/api',
        profile_ids: [webA.id, apiA.id],
      });
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        id: expect.any(Number),
        name: 'deploy-api',
        description: 'GitHub Actions, acme/api',
        organization_id: orgA,
        enabled: true,
        profile_ids: [webA.id, apiA.id],
        created_by_user_id: adminA.id,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect(await auditRows(testApp, 'service_account_create', response.body.id)).toEqual([
        {
          action: 'service_account_create',
          user_id: adminA.id,
          organization_id: orgA,
          resource_type: 'service_account',
          resource_id: response.body.id,
          detail: { name: 'deploy-api', profile_ids: [webA.id, apiA.id] },
        },
      ]);
    });

    it('a superuser creates one in the organization it names, disabled if asked', async () => {
      const account = await createServiceAccount(testApp, superuser, {
        name: 'nightly',
        organization_id: orgB,
        profile_ids: [webB.id],
        enabled: false,
      });
      expect(account).toMatchObject({
        organization_id: orgB,
        enabled: false,
        description: null,
        created_by_user_id: superuser.id,
      });
      expect((await auditRows(testApp, 'service_account_create', account.id))[0].user_id).toBe(superuser.id);
    });

    it('a superuser of no organization must name one (400)', async () => {
      const response = await call('post', superuser, '/service-accounts', {
        name: 'orphan',
        profile_ids: [webA.id],
      });
      expect(response.status).toBe(400);
      expect(response.body.detail).toMatch(/organization_id/);
    });

    it('a member, even with every capability, may not (403)', async () => {
      const response = await call('post', memberA, '/service-accounts', {
        name: 'by-member',
        profile_ids: [webA.id],
      });
      expect(response.status).toBe(403);
      expect(response.body.detail).toMatch(/admins of the organization and superusers/);
    });

    it('an admin of another organization may not (403), nor reach it through a profile (400)', async () => {
      const named = await call('post', adminB, '/service-accounts', {
        name: 'intruder',
        organization_id: orgA,
        profile_ids: [webA.id],
      });
      expect(named.status).toBe(403);
      // Without organization_id the account would be B's: A's profile cannot be bound to it.
      const viaProfile = await call('post', adminB, '/service-accounts', {
        name: 'intruder',
        profile_ids: [webA.id],
      });
      expect(viaProfile.status).toBe(400);
      expect(viaProfile.body.detail).toMatch(/another organization/);
      expect(await nameCount('intruder')).toBe(0);
    });

    it('a member of no organization creating one gets a 400 naming organization_id, an unknown one a 403', async () => {
      const loner = await createMember(testApp, superuser, null);
      expect(
        (await call('post', loner, '/service-accounts', { name: 'x', profile_ids: [webA.id] })).status,
      ).toBe(400);
      const unknown = await call('post', adminA, '/service-accounts', {
        name: 'x',
        organization_id: 999_999,
        profile_ids: [webA.id],
      });
      expect(unknown.status).toBe(403);
    });

    it.each([
      ['missing', {}],
      ['empty', { profile_ids: [] }],
      ['null', { profile_ids: null }],
      ['not integers', { profile_ids: ['web'] }],
      ['zero', { profile_ids: [0] }],
      ['twice the same', { profile_ids: [1, 1] }],
      ['over 32 bits', { profile_ids: [2 ** 31] }],
    ])('profile_ids %s → 400', async (_case, fields) => {
      const response = await call('post', adminA, '/service-accounts', { name: 'bad-profiles', ...fields });
      expect(response.status).toBe(400);
      expect(response.text).toMatch(/profile_ids/);
    });

    it('profile_ids naming an unknown profile or one of another organization → 400', async () => {
      const unknown = await call('post', adminA, '/service-accounts', {
        name: 'bad-profiles',
        profile_ids: [webA.id, 999_999],
      });
      expect(unknown.status).toBe(400);
      expect(unknown.body.detail).toMatch(/profile 999999 not found/);
      const foreign = await call('post', adminA, '/service-accounts', {
        name: 'bad-profiles',
        profile_ids: [webA.id, webB.id],
      });
      expect(foreign.status).toBe(400);
      expect(foreign.body.detail).toMatch(/another organization/);
      expect(await nameCount('bad-profiles')).toBe(0);
    });

    it.each([
      ['empty', ''],
      ['a space', 'deploy api'],
      ['a slash', 'acme/api'],
      ['a leading dot', '.hidden'],
      ['101 characters', 'a'.repeat(101)],
      ['a number', 42],
    ])('a name with %s → 400', async (_case, name) => {
      const response = await call('post', adminA, '/service-accounts', { name, profile_ids: [webA.id] });
      expect(response.status).toBe(400);
      expect(response.text).toMatch(/name/);
    });

    it('a name is unique in its organization, not across organizations', async () => {
      await createServiceAccount(testApp, adminA, { name: 'shared-name', profile_ids: [webA.id] });
      const again = await call('post', adminA, '/service-accounts', {
        name: 'shared-name',
        profile_ids: [apiA.id],
      });
      expect(again.status).toBe(400);
      expect(again.body.detail).toMatch(/already exists/);
      const elsewhere = await createServiceAccount(testApp, adminB, {
        name: 'shared-name',
        profile_ids: [webB.id],
      });
      expect(elsewhere.organization_id).toBe(orgB);
      expect(await nameCount('shared-name')).toBe(2);
    });

    it("a person's username may be a service account's name, both ways, and the person still signs in", async () => {
      const person = await createUser(testApp, superuser, { username: 'release-bot', organization_id: orgA });
      const account = await createServiceAccount(testApp, adminA, {
        name: 'release-bot',
        profile_ids: [webA.id],
      });
      expect(account.name).toBe('release-bot');
      expect((await login(testApp, 'release-bot')).id).toBe(person.id);

      await createServiceAccount(testApp, adminA, { name: 'later-person', profile_ids: [webA.id] });
      const later = await createUser(testApp, superuser, { username: 'later-person' });
      expect(later.username).toBe('later-person');
    });
  });

  describe('is no person', () => {
    let account: ServiceAccountBody;

    beforeAll(async () => {
      account = await createServiceAccount(testApp, adminA, { name: 'no-login', profile_ids: [webA.id] });
    });

    it('cannot sign in with the password grant: its name as username is a 401, as a wrong password is', async () => {
      const token = (username: string, password: string) =>
        testApp.http().post('/api/v1/auth/token').type('form').send({ username, password });
      const asAccount = await token('no-login', TEST_PASSWORD);
      const wrongPassword = await token(adminA.username, 'not the password');
      expect(asAccount.status).toBe(401);
      expect(asAccount.body).toEqual(wrongPassword.body);
      expect(asAccount.body.access_token).toBeUndefined();
      const json = await testApp
        .http()
        .post('/api/v1/auth/token')
        .send({ grant_type: 'password', username: 'no-login', password: 'x' });
      expect(json.status).toBe(401);
    });

    it('is not listed or found by the users routes', async () => {
      const users = await call('get', superuser, '/users?limit=1000');
      expect(users.status).toBe(200);
      const ids = (users.body as { id: number }[]).map(({ id }) => id);
      expect(ids).toContain(adminA.id);
      expect(ids).not.toContain(account.id);
      expect((await call('get', superuser, `/users/${account.id}`)).status).toBe(404);
      expect((await call('get', adminA, `/users/${account.id}`)).status).toBe(404);
      expect((await call('patch', superuser, `/users/${account.id}`, { is_active: true })).status).toBe(404);
      expect((await call('delete', superuser, `/users/${account.id}`)).status).toBe(404);
      const members = await call('get', adminA, `/organizations/${orgA}/users`);
      expect(members.status).toBe(200);
      expect((members.body as { id: number }[]).map(({ id }) => id)).not.toContain(account.id);
    });

    it('cannot be moved between organizations as a member', async () => {
      const moved = await call('post', superuser, `/organizations/${orgB}/users/${account.id}`);
      expect(moved.status).toBe(404);
      const removed = await call('delete', superuser, `/organizations/${orgA}/users/${account.id}`);
      expect(removed.status).toBe(404);
      expect((await call('get', adminA, `/service-accounts/${account.id}`)).body.organization_id).toBe(orgA);
    });
  });

  describe('listing and reading', () => {
    it("an admin lists its organization's accounts only; a superuser all, or one organization's", async () => {
      const ofA = await call('get', adminA, '/service-accounts');
      expect(ofA.status).toBe(200);
      const accountsA = ofA.body as ServiceAccountBody[];
      expect(accountsA.length).toBeGreaterThan(0);
      expect(accountsA.every((account) => account.organization_id === orgA)).toBe(true);
      expect(accountsA.map(({ name }) => name)).toContain('deploy-api');

      const all = (await call('get', superuser, '/service-accounts')).body as ServiceAccountBody[];
      expect(new Set(all.map((account) => account.organization_id))).toEqual(new Set([orgA, orgB]));
      expect(all.length).toBe(
        Number((await testApp.dataSource.query(`SELECT count(*) AS n FROM service_accounts`))[0].n),
      );
      const ofB = (await call('get', superuser, `/service-accounts?organization_id=${orgB}`))
        .body as ServiceAccountBody[];
      expect(ofB.length).toBeGreaterThan(0);
      expect(ofB.every((account) => account.organization_id === orgB)).toBe(true);
    });

    it("another organization's list is refused to an admin; members are refused", async () => {
      expect((await call('get', adminA, `/service-accounts?organization_id=${orgB}`)).status).toBe(403);
      expect((await call('get', memberA, '/service-accounts')).status).toBe(403);
      expect((await call('get', adminA, '/service-accounts?organization_id=0')).status).toBe(400);
    });

    it('one account: its admins and superusers read it, others get 403, unknown ids and people 404', async () => {
      const account = await createServiceAccount(testApp, adminA, {
        name: 'readable',
        profile_ids: [webA.id],
      });
      expect((await call('get', adminA, `/service-accounts/${account.id}`)).body).toEqual(account);
      expect((await call('get', superuser, `/service-accounts/${account.id}`)).body).toEqual(account);
      expect((await call('get', adminB, `/service-accounts/${account.id}`)).status).toBe(403);
      expect((await call('get', memberA, `/service-accounts/${account.id}`)).status).toBe(403);
      expect((await call('get', adminA, '/service-accounts/999999')).status).toBe(404);
      expect((await call('get', adminA, `/service-accounts/${memberA.id}`)).status).toBe(404);
      expect((await call('get', adminA, '/service-accounts/abc')).status).toBe(400);
    });
  });

  describe('changing', () => {
    let account: ServiceAccountBody;

    beforeAll(async () => {
      account = await createServiceAccount(testApp, adminA, {
        name: 'to-change',
        description: 'first',
        profile_ids: [webA.id],
      });
    });

    async function lastUpdate(): Promise<Record<string, unknown> | null> {
      const rows = await auditRows(testApp, 'service_account_update', account.id);
      return rows.length === 0 ? null : { user_id: rows.at(-1)?.user_id, detail: rows.at(-1)?.detail };
    }

    it('renames, audited', async () => {
      const response = await call('patch', adminA, `/service-accounts/${account.id}`, { name: 'changed' });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ id: account.id, name: 'changed', profile_ids: [webA.id] });
      expect(await lastUpdate()).toEqual({ user_id: adminA.id, detail: { fields: ['name'] } });
      expect((await call('get', adminA, `/service-accounts/${account.id}`)).body.name).toBe('changed');
    });

    it('refuses a name another account of the organization holds (400) and an invalid one', async () => {
      const clash = await call('patch', adminA, `/service-accounts/${account.id}`, { name: 'deploy-api' });
      expect(clash.status).toBe(400);
      expect(clash.body.detail).toMatch(/already exists/);
      expect((await call('patch', adminA, `/service-accounts/${account.id}`, { name: 'a b' })).status).toBe(
        400,
      );
      expect((await call('patch', adminA, `/service-accounts/${account.id}`, { name: null })).status).toBe(
        400,
      );
      // Another organization's account of that name is no clash.
      const renamed = await call('patch', adminA, `/service-accounts/${account.id}`, { name: 'nightly' });
      expect(renamed.status).toBe(200);
    });

    it('rebinds to other profiles of its organization, audited with the new ids', async () => {
      const before = (await call('get', adminA, `/service-accounts/${account.id}`))
        .body as ServiceAccountBody;
      const response = await call('patch', adminA, `/service-accounts/${account.id}`, {
        profile_ids: [apiA.id, webA.id],
      });
      expect(response.status).toBe(200);
      expect(response.body.profile_ids).toEqual([apiA.id, webA.id]);
      expect(new Date(response.body.updated_at).getTime()).toBeGreaterThan(
        new Date(before.updated_at).getTime(),
      );
      expect((await call('get', adminA, `/service-accounts/${account.id}`)).body.updated_at).toBe(
        response.body.updated_at,
      );
      expect(await lastUpdate()).toEqual({
        user_id: adminA.id,
        detail: { fields: ['profile_ids'], profile_ids: [apiA.id, webA.id] },
      });
    });

    it.each([
      ['empty', []],
      ['null', null],
      ['of another organization', 'webB'],
      ['unknown', [999_999]],
    ])('refuses profile_ids %s (400), leaving them as they were', async (_case, ids) => {
      const profileIds = ids === 'webB' ? [webB.id] : ids;
      const response = await call('patch', adminA, `/service-accounts/${account.id}`, {
        profile_ids: profileIds,
      });
      expect(response.status).toBe(400);
      expect((await call('get', adminA, `/service-accounts/${account.id}`)).body.profile_ids).toEqual([
        apiA.id,
        webA.id,
      ]);
    });

    it('clears the description, disables and enables, each audited; an unchanged PATCH is not', async () => {
      const cleared = await call('patch', adminA, `/service-accounts/${account.id}`, { description: null });
      expect(cleared.body.description).toBeNull();
      expect(await lastUpdate()).toEqual({ user_id: adminA.id, detail: { fields: ['description'] } });

      const disabled = await call('patch', superuser, `/service-accounts/${account.id}`, { enabled: false });
      expect(disabled.body.enabled).toBe(false);
      expect(await lastUpdate()).toEqual({ user_id: superuser.id, detail: { fields: ['enabled'] } });

      const before = (await auditRows(testApp, 'service_account_update', account.id)).length;
      const same = await call('patch', adminA, `/service-accounts/${account.id}`, {
        enabled: false,
        profile_ids: [apiA.id, webA.id],
      });
      expect(same.status).toBe(200);
      expect((await auditRows(testApp, 'service_account_update', account.id)).length).toBe(before);

      const enabled = await call('patch', adminA, `/service-accounts/${account.id}`, { enabled: true });
      expect(enabled.body.enabled).toBe(true);
      expect(await lastUpdate()).toEqual({ user_id: adminA.id, detail: { fields: ['enabled'] } });
    });

    it('is refused to members and to admins of another organization (403), unchanged', async () => {
      expect(
        (await call('patch', memberA, `/service-accounts/${account.id}`, { enabled: false })).status,
      ).toBe(403);
      expect(
        (await call('patch', adminB, `/service-accounts/${account.id}`, { enabled: false })).status,
      ).toBe(403);
      expect((await call('patch', adminA, '/service-accounts/999999', { enabled: false })).status).toBe(404);
      expect((await call('get', adminA, `/service-accounts/${account.id}`)).body.enabled).toBe(true);
    });
  });

  describe('deleting', () => {
    it('deletes the account with its keys, keeps its certificates, audited', async () => {
      const account = await createServiceAccount(testApp, adminA, {
        name: 'short-lived',
        profile_ids: [webA.id],
      });
      const key = await createServiceAccountKey(testApp, adminA, account.id);
      const certificate = await issueCertificate(testApp, key.as, rootA.id, {
        common_name: 'short-lived.ci.internal',
        certificate_type: 'server',
        key_type: 'ec',
        profile: webA.id,
      });
      expect(certificate.created_by_user_id).toBe(account.id);

      expect((await call('delete', memberA, `/service-accounts/${account.id}`)).status).toBe(403);
      expect((await call('delete', adminB, `/service-accounts/${account.id}`)).status).toBe(403);
      expect((await call('delete', adminA, `/service-accounts/${account.id}`)).status).toBe(204);

      expect((await call('get', adminA, `/service-accounts/${account.id}`)).status).toBe(404);
      expect((await call('delete', adminA, `/service-accounts/${account.id}`)).status).toBe(404);
      const refused = await testApp
        .http()
        .get('/api/v1/certificates')
        .set(...bearer(key.as));
      expect(refused.status).toBe(401);
      expect(refused.headers['www-authenticate']).toMatch(/error="invalid_token"/);
      expect(
        await testApp.dataSource.query(`SELECT id FROM api_keys WHERE user_id = $1`, [account.id]),
      ).toEqual([]);
      expect(
        await testApp.dataSource.query(`SELECT user_id FROM service_accounts WHERE user_id = $1`, [
          account.id,
        ]),
      ).toEqual([]);

      const kept = await call('get', adminA, `/certificates/${certificate.id}`);
      expect(kept.status).toBe(200);
      expect(kept.body).toMatchObject({ serial_number: certificate.serial_number, status: 'valid' });
      expect(await auditRows(testApp, 'service_account_delete', account.id)).toEqual([
        {
          action: 'service_account_delete',
          user_id: adminA.id,
          organization_id: orgA,
          resource_type: 'service_account',
          resource_id: account.id,
          detail: { name: 'short-lived' },
        },
      ]);
      // The name is free again.
      await createServiceAccount(testApp, adminA, { name: 'short-lived', profile_ids: [webA.id] });
    });
  });

  describe('its organization', () => {
    it('cannot be deleted while it holds a service account, though it lists no member', async () => {
      const organization = await createOrganization(testApp, superuser);
      const profile = await createCiProfile(testApp, superuser, {
        name: 'only',
        organization_id: organization,
      });
      const account = await createServiceAccount(testApp, superuser, {
        name: 'last-one',
        organization_id: organization,
        profile_ids: [profile.id],
      });
      expect((await call('get', superuser, `/organizations/${organization}/users`)).body).toEqual([]);
      const refused = await call('delete', superuser, `/organizations/${organization}`);
      expect(refused.status).toBe(400);
      expect(refused.body.detail).toMatch(/service accounts/);
      expect((await call('delete', superuser, `/service-accounts/${account.id}`)).status).toBe(204);
      expect((await call('delete', superuser, `/profiles/${profile.id}`)).status).toBe(204);
      expect((await call('delete', superuser, `/organizations/${organization}`)).status).toBe(204);
    });
  });

  async function nameCount(name: string): Promise<number> {
    const [row] = await testApp.dataSource.query(
      `SELECT count(*) AS n FROM users WHERE kind = 'service_account' AND username = $1`,
      [name],
    );
    return Number(row.n);
  }
});
