import request from 'supertest';
import { createAdmin, createMember } from './support/fixtures';
import {
  bearer,
  createOrganization,
  createUser,
  expectNoPasswordMaterial,
  login,
  startTestApp,
  TEST_PASSWORD,
  TestApp,
  TestUser,
} from './support/test-app';

const USER_FIELDS = [
  'can_create_ca',
  'can_create_cert',
  'can_delete_ca',
  'can_export_private_key',
  'can_request_cert',
  'can_revoke_cert',
  'created_at',
  'email',
  'id',
  'is_active',
  'organization_id',
  'role',
  'updated_at',
  'username',
];

const ALL_CAPABILITIES = {
  can_create_ca: true,
  can_create_cert: true,
  can_revoke_cert: true,
  can_export_private_key: true,
  can_delete_ca: true,
  can_request_cert: true,
};

let counter = 0;

function newAccount(fields: Record<string, unknown> = {}): Record<string, unknown> {
  counter += 1;
  const username = `account${counter}_${Date.now() % 100000}`;
  return { username, email: `${username}@example.com`, password: TEST_PASSWORD, ...fields };
}

function signUp(testApp: TestApp, fields: Record<string, unknown>): request.Test {
  return testApp.http().post('/api/v1/users/').send(fields);
}

describe('users', () => {
  let testApp: TestApp;
  let bootstrap: request.Response;
  let root: TestUser;
  let orgA: number;
  let orgB: number;
  let adminA: TestUser;
  let userA: TestUser;
  let adminB: TestUser;
  let userB: TestUser;

  beforeAll(async () => {
    testApp = await startTestApp();
    bootstrap = await signUp(testApp, {
      username: 'root',
      email: 'root@example.com',
      password: TEST_PASSWORD,
    });
    root = await login(testApp, 'root');
    orgA = await createOrganization(testApp, root);
    orgB = await createOrganization(testApp, root);
    adminA = await createAdmin(testApp, root, orgA);
    userA = await createMember(testApp, root, orgA);
    adminB = await createAdmin(testApp, root, orgB);
    userB = await createMember(testApp, root, orgB);
  });

  afterAll(() => testApp.close());

  const getAs = (actor: TestUser, id: number) =>
    testApp
      .http()
      .get(`/api/v1/users/${id}`)
      .set(...bearer(actor));
  const patchAs = (actor: TestUser, id: number, body: Record<string, unknown>) =>
    testApp
      .http()
      .patch(`/api/v1/users/${id}`)
      .set(...bearer(actor))
      .send(body);
  const createAs = (actor: TestUser, fields: Record<string, unknown>) =>
    testApp
      .http()
      .post('/api/v1/users/')
      .set(...bearer(actor))
      .send(newAccount(fields));
  const stored = async (id: number) => (await getAs(root, id).expect(200)).body;
  const usernames = async () =>
    (
      await testApp
        .http()
        .get('/api/v1/users/?limit=1000')
        .set(...bearer(root))
        .expect(200)
    ).body.map((user: { username: string }) => user.username);

  describe('first-user bootstrap', () => {
    it('creates the first user without a token and makes it a superuser when no role is given', async () => {
      expect(bootstrap.status).toBe(201);
      expect(Object.keys(bootstrap.body).sort()).toEqual(USER_FIELDS);
      expect(bootstrap.body).toMatchObject({
        username: 'root',
        email: 'root@example.com',
        role: 'superuser',
        is_active: true,
        organization_id: null,
        can_create_ca: false,
        can_create_cert: false,
        can_revoke_cert: false,
        can_export_private_key: false,
        can_delete_ca: false,
        can_request_cert: false,
      });
      expectNoPasswordMaterial(bootstrap.text);
      const status = await testApp.http().get('/status').expect(200);
      expect(status.body.initialized).toBe(true);
    });

    it('refuses anonymous creation once a user exists with 403 and creates nothing', async () => {
      const account = newAccount();
      const response = await signUp(testApp, account).expect(403);
      expect(response.body.detail).toEqual(expect.any(String));
      expect(await usernames()).not.toContain(account.username);
    });

    it('refuses anonymous creation of an admin or a superuser with 403', async () => {
      await signUp(testApp, newAccount({ role: 'admin' })).expect(403);
      await signUp(testApp, newAccount({ role: 'superuser' })).expect(403);
    });

    it('answers an invalid token on user creation with 401 instead of treating the caller as anonymous', async () => {
      await testApp
        .http()
        .post('/api/v1/users/')
        .set('Authorization', 'Bearer not.a.token')
        .send(newAccount())
        .expect(401);
    });

    describe('on a fresh installation', () => {
      let fresh: TestApp;

      beforeAll(async () => {
        fresh = await startTestApp();
      });

      afterAll(() => fresh.close());

      it('lets the first user choose its role', async () => {
        const response = await signUp(fresh, newAccount({ role: 'admin' })).expect(201);
        expect(response.body.role).toBe('admin');
        await signUp(fresh, newAccount()).expect(403);
      });
    });

    describe('with two sign-ups racing on a fresh installation', () => {
      let fresh: TestApp;

      beforeAll(async () => {
        fresh = await startTestApp();
      });

      afterAll(() => fresh.close());

      it('lets exactly one of them become the first user', async () => {
        const responses = await Promise.all([signUp(fresh, newAccount()), signUp(fresh, newAccount())]);
        expect(responses.map((response) => response.status).sort()).toEqual([201, 403]);
        expect(responses.find((response) => response.status === 201)?.body.role).toBe('superuser');
      });
    });

    describe('with ALLOW_UNAUTHENTICATED_REGISTRATION=true', () => {
      let open: TestApp;
      let openRoot: TestUser;

      beforeAll(async () => {
        open = await startTestApp({ ALLOW_UNAUTHENTICATED_REGISTRATION: 'true' });
        openRoot = await createUser(open, null);
      });

      afterAll(() => open.close());

      it('lets anyone register a plain user without a token', async () => {
        const explicit = await signUp(open, newAccount({ role: 'user' })).expect(201);
        expect(explicit.body).toMatchObject({ role: 'user', organization_id: null, can_create_ca: false });
        const implicit = await signUp(open, newAccount()).expect(201);
        expect(implicit.body.role).toBe('user');
        expectNoPasswordMaterial(implicit.text);
        await login(open, implicit.body.username);
      });

      it('refuses self-registration as an admin or a superuser with 403', async () => {
        await signUp(open, newAccount({ role: 'admin' })).expect(403);
        await signUp(open, newAccount({ role: 'superuser' })).expect(403);
      });

      it('refuses self-registration that chooses an organization or capabilities with 403', async () => {
        const organizationId = await createOrganization(open, openRoot);
        await signUp(open, newAccount({ organization_id: organizationId })).expect(403);
        await signUp(open, newAccount({ can_export_private_key: true })).expect(403);
      });
    });
  });

  describe('POST /users/', () => {
    it('lets a superuser create users of every role with capability flags stored as given', async () => {
      for (const role of ['superuser', 'admin', 'user']) {
        const fields = { role, organization_id: orgA, ...ALL_CAPABILITIES, can_delete_ca: false };
        const response = await createAs(root, fields).expect(201);
        expect(Object.keys(response.body).sort()).toEqual(USER_FIELDS);
        expect(response.body).toMatchObject({ ...fields, is_active: true });
        expectNoPasswordMaterial(response.text);
        expect(await stored(response.body.id)).toMatchObject(fields);
      }
    });

    it('defaults to role user without an organization or capabilities', async () => {
      const response = await createAs(root, {}).expect(201);
      expect(response.body).toMatchObject({
        role: 'user',
        organization_id: null,
        can_create_ca: false,
        can_create_cert: false,
        can_revoke_cert: false,
        can_export_private_key: false,
        can_delete_ca: false,
        can_request_cert: false,
      });
    });

    it('lets only superusers create admins and superusers', async () => {
      for (const role of ['admin', 'superuser']) {
        const account = newAccount({ role, organization_id: orgA });
        const response = await testApp
          .http()
          .post('/api/v1/users/')
          .set(...bearer(adminA))
          .send(account)
          .expect(403);
        expect(response.body.detail).toEqual(expect.any(String));
        expect(await usernames()).not.toContain(account.username);
      }
    });

    it('refuses plain users creating anyone with 403', async () => {
      await createAs(userA, {}).expect(403);
      await createAs(userA, { organization_id: orgA }).expect(403);
    });

    it('lets an admin create users in their own organization, named or implied, with capabilities', async () => {
      const implied = await createAs(adminA, { can_create_cert: true }).expect(201);
      expect(implied.body).toMatchObject({ role: 'user', organization_id: orgA, can_create_cert: true });
      const named = await createAs(adminA, { organization_id: orgA, role: 'user' }).expect(201);
      expect(named.body.organization_id).toBe(orgA);
    });

    it('refuses an admin creating a user in another organization with 403', async () => {
      const account = newAccount({ organization_id: orgB });
      await testApp
        .http()
        .post('/api/v1/users/')
        .set(...bearer(adminA))
        .send(account)
        .expect(403);
      expect(await usernames()).not.toContain(account.username);
    });

    it('refuses a duplicate username with 400', async () => {
      const response = await createAs(root, {
        username: userA.username,
        email: 'unique-1@example.com',
      }).expect(400);
      expect(response.body.detail).toContain('already exists');
    });

    it('refuses a duplicate email with 400, whatever its case', async () => {
      const taken = (await stored(userA.id)).email as string;
      const response = await createAs(root, { email: taken.toUpperCase() }).expect(400);
      expect(response.body.detail).toContain('already exists');
    });

    it('refuses a password shorter than 8 characters with 400 and accepts exactly 8', async () => {
      const response = await createAs(root, { password: '1234567' }).expect(400);
      expect(response.body.detail).toContain('password');
      expect(response.text).not.toContain('1234567');
      const accepted = await createAs(root, { password: '12345678' }).expect(201);
      await login(testApp, accepted.body.username, '12345678');
    });

    it('refuses an unknown role, a malformed email and a missing username with 400', async () => {
      await createAs(root, { role: 'root' }).expect(400);
      await createAs(root, { email: 'not-an-email' }).expect(400);
      await testApp
        .http()
        .post('/api/v1/users/')
        .set(...bearer(root))
        .send({ email: 'missing-username@example.com', password: TEST_PASSWORD })
        .expect(400);
    });

    it('refuses an organization that does not exist with 400', async () => {
      await createAs(root, { organization_id: 999999 }).expect(400);
    });
  });

  describe('GET /users/', () => {
    it('lists every user for a superuser, paged by skip and limit', async () => {
      const all = await testApp
        .http()
        .get('/api/v1/users/?limit=1000')
        .set(...bearer(root))
        .expect(200);
      const ids = all.body.map((user: { id: number }) => user.id);
      expect(ids).toEqual(expect.arrayContaining([root.id, adminA.id, userA.id, adminB.id, userB.id]));
      expect(Object.keys(all.body[0]).sort()).toEqual(USER_FIELDS);
      expectNoPasswordMaterial(all.text);
      const page = await testApp
        .http()
        .get('/api/v1/users/?skip=1&limit=2')
        .set(...bearer(root))
        .expect(200);
      expect(page.body.map((user: { id: number }) => user.id)).toEqual(ids.slice(1, 3));
    });

    it('returns at most 100 users by default', async () => {
      const response = await testApp
        .http()
        .get('/api/v1/users/')
        .set(...bearer(root))
        .expect(200);
      expect(response.body.length).toBeGreaterThan(0);
      expect(response.body.length).toBeLessThanOrEqual(100);
    });

    it('refuses admins and users with 403', async () => {
      await testApp
        .http()
        .get('/api/v1/users/')
        .set(...bearer(adminA))
        .expect(403);
      await testApp
        .http()
        .get('/api/v1/users/')
        .set(...bearer(userA))
        .expect(403);
    });

    it('refuses a limit outside 1–1000 and a negative skip with 400', async () => {
      await testApp
        .http()
        .get('/api/v1/users/?limit=0')
        .set(...bearer(root))
        .expect(400);
      await testApp
        .http()
        .get('/api/v1/users/?limit=1001')
        .set(...bearer(root))
        .expect(400);
      await testApp
        .http()
        .get('/api/v1/users/?skip=-1')
        .set(...bearer(root))
        .expect(400);
    });

    it('requires authentication', async () => {
      await testApp.http().get('/api/v1/users/').expect(401);
    });
  });

  describe('GET /users/me', () => {
    it('returns the authenticated user', async () => {
      const response = await testApp
        .http()
        .get('/api/v1/users/me')
        .set(...bearer(userA))
        .expect(200);
      expect(Object.keys(response.body).sort()).toEqual(USER_FIELDS);
      expect(response.body).toMatchObject({ id: userA.id, username: userA.username, organization_id: orgA });
      expectNoPasswordMaterial(response.text);
    });

    it('requires authentication', async () => {
      await testApp.http().get('/api/v1/users/me').expect(401);
    });
  });

  describe('GET /users/{user_id}', () => {
    it('lets users read themselves', async () => {
      const response = await getAs(userA, userA.id).expect(200);
      expect(response.body).toMatchObject({ id: userA.id, username: userA.username });
      expectNoPasswordMaterial(response.text);
    });

    it('lets an admin read users of their organization', async () => {
      const response = await getAs(adminA, userA.id).expect(200);
      expect(response.body.id).toBe(userA.id);
    });

    it('lets a superuser read anyone', async () => {
      await getAs(root, userB.id).expect(200);
      await getAs(root, adminA.id).expect(200);
    });

    it('refuses an admin reading a user of another organization with 403', async () => {
      await getAs(adminA, userB.id).expect(403);
    });

    it('refuses a user reading someone else, even in their organization, with 403', async () => {
      await getAs(userA, adminA.id).expect(403);
      await getAs(userA, userB.id).expect(403);
    });

    it('answers 404 for an unknown user', async () => {
      const missing = await getAs(root, 999999).expect(404);
      expect(missing.body.detail).toEqual(expect.any(String));
    });

    it.each(['abc', '0', '-1', '1.5', '99999999999'])(
      'refuses the malformed id "%s" with 400',
      async (id) => {
        const response = await testApp
          .http()
          .get(`/api/v1/users/${id}`)
          .set(...bearer(root))
          .expect(400);
        expect(response.body.detail).toEqual(expect.any(String));
      },
    );
  });

  describe('PATCH /users/{user_id}', () => {
    it('lets users change their own email', async () => {
      const alice = await createMember(testApp, root, orgA);
      const response = await patchAs(alice, alice.id, { email: `new-${alice.username}@example.com` }).expect(
        200,
      );
      expect(response.body.email).toBe(`new-${alice.username}@example.com`);
      expectNoPasswordMaterial(response.text);
      expect((await stored(alice.id)).email).toBe(`new-${alice.username}@example.com`);
    });

    it('requires current_password when users change their own password', async () => {
      const alice = await createMember(testApp, root, orgA);
      const newPassword = 'a brand new passphrase';
      await patchAs(alice, alice.id, { password: newPassword }).expect(403);
      await patchAs(alice, alice.id, { password: newPassword, current_password: 'not my password' }).expect(
        403,
      );
      await login(testApp, alice.username);
      const response = await patchAs(alice, alice.id, {
        password: newPassword,
        current_password: TEST_PASSWORD,
      });
      expect(response.status).toBe(200);
      expectNoPasswordMaterial(response.text, newPassword);
      await login(testApp, alice.username, newPassword);
      await testApp
        .http()
        .post('/api/v1/auth/token')
        .type('form')
        .send({ username: alice.username, password: TEST_PASSWORD })
        .expect(401);
    });

    it.each([
      ['role', { role: 'admin' }],
      ['is_active', { is_active: false }],
      ['organization_id', { organization_id: null }],
      ['a capability flag', { can_create_ca: true }],
    ])('refuses users changing their own %s with 403', async (_name, body) => {
      const alice = await createMember(testApp, root, orgA);
      const before = await stored(alice.id);
      await patchAs(alice, alice.id, body).expect(403);
      expect(await stored(alice.id)).toEqual(before);
    });

    it('refuses a request mixing an allowed and a forbidden field, and changes nothing', async () => {
      const alice = await createMember(testApp, root, orgA);
      const before = await stored(alice.id);
      await patchAs(alice, alice.id, { email: 'sneaky@example.com', role: 'superuser' }).expect(403);
      expect(await stored(alice.id)).toEqual(before);
    });

    it('lets an admin change email and password of a user in their organization without current_password', async () => {
      const alice = await createMember(testApp, root, orgA);
      const newPassword = 'reset by the admin';
      const response = await patchAs(adminA, alice.id, {
        email: `reset-${alice.username}@example.com`,
        password: newPassword,
      }).expect(200);
      expect(response.body.email).toBe(`reset-${alice.username}@example.com`);
      expectNoPasswordMaterial(response.text, newPassword);
      await login(testApp, alice.username, newPassword);
    });

    it('lets an admin set capability flags of a user in their organization', async () => {
      const alice = await createMember(testApp, root, orgA);
      const response = await patchAs(adminA, alice.id, {
        can_create_cert: true,
        can_revoke_cert: true,
      }).expect(200);
      expect(response.body).toMatchObject({
        can_create_cert: true,
        can_revoke_cert: true,
        can_create_ca: false,
      });
      expect(await stored(alice.id)).toMatchObject({ can_create_cert: true, can_revoke_cert: true });
    });

    it.each([
      ['role', { role: 'admin' }],
      ['is_active', { is_active: false }],
      ['organization_id', { organization_id: null }],
    ])('refuses an admin changing %s with 403', async (_name, body) => {
      const alice = await createMember(testApp, root, orgA);
      const before = await stored(alice.id);
      await patchAs(adminA, alice.id, body).expect(403);
      expect(await stored(alice.id)).toEqual(before);
    });

    it('refuses an admin changing a user of another organization with 403', async () => {
      const before = await stored(userB.id);
      await patchAs(adminA, userB.id, { email: 'taken-over@example.com' }).expect(403);
      await patchAs(adminA, userB.id, { can_create_ca: true }).expect(403);
      expect(await stored(userB.id)).toEqual(before);
    });

    it('refuses an admin changing a superuser of their organization with 403', async () => {
      const superuser = await createUser(testApp, root, { role: 'superuser', organization_id: orgA });
      await patchAs(adminA, superuser.id, { email: 'demoted@example.com' }).expect(403);
      await patchAs(adminA, superuser.id, { can_create_ca: true }).expect(403);
    });

    it('refuses a user changing someone else with 403, even with an empty body', async () => {
      const before = await stored(adminA.id);
      const response = await patchAs(userA, adminA.id, {}).expect(403);
      expect(response.body).not.toHaveProperty('username');
      await patchAs(userA, adminA.id, { email: 'mine@example.com' }).expect(403);
      expect(await stored(adminA.id)).toEqual(before);
    });

    it('lets a superuser change role, is_active, organization_id, capabilities, email and password', async () => {
      const alice = await createMember(testApp, root, orgA);
      const changes = {
        role: 'admin',
        is_active: false,
        organization_id: orgB,
        can_delete_ca: true,
        email: `moved-${alice.username}@example.com`,
      };
      const response = await patchAs(root, alice.id, { ...changes, password: 'set by the superuser' }).expect(
        200,
      );
      expect(response.body).toMatchObject(changes);
      expect(await stored(alice.id)).toMatchObject(changes);
      await patchAs(root, alice.id, { is_active: true, organization_id: null }).expect(200);
      expect((await stored(alice.id)).organization_id).toBeNull();
      await login(testApp, alice.username, 'set by the superuser');
    });

    it('refuses a duplicate email, a short password and a null for a required field with 400', async () => {
      const alice = await createMember(testApp, root, orgA);
      const before = await stored(alice.id);
      const taken = (await stored(userA.id)).email as string;
      await patchAs(root, alice.id, { email: taken }).expect(400);
      await patchAs(root, alice.id, { password: 'short' }).expect(400);
      for (const field of ['email', 'password', 'role', 'is_active', 'can_create_ca']) {
        await patchAs(root, alice.id, { [field]: null }).expect(400);
      }
      expect(await stored(alice.id)).toEqual(before);
    });

    it('refuses moving a user to an organization that does not exist with 400', async () => {
      const alice = await createUser(testApp, root, {});
      await patchAs(root, alice.id, { organization_id: 999999 }).expect(400);
    });

    it('answers 404 for an unknown user', async () => {
      await patchAs(root, 999999, { email: 'ghost@example.com' }).expect(404);
    });
  });

  describe('DELETE /users/{user_id}', () => {
    it('lets a superuser delete a user: it is gone and its tokens are refused', async () => {
      const alice = await createMember(testApp, root, orgA);
      const response = await testApp
        .http()
        .delete(`/api/v1/users/${alice.id}`)
        .set(...bearer(root))
        .expect(204);
      expect(response.text).toBe('');
      await getAs(root, alice.id).expect(404);
      await testApp
        .http()
        .get('/api/v1/users/me')
        .set(...bearer(alice))
        .expect(401);
    });

    it('refuses a superuser deleting themselves with 400', async () => {
      const response = await testApp
        .http()
        .delete(`/api/v1/users/${root.id}`)
        .set(...bearer(root))
        .expect(400);
      expect(response.body.detail).toEqual(expect.any(String));
      await getAs(root, root.id).expect(200);
    });

    it('answers 404 for an unknown user', async () => {
      await testApp
        .http()
        .delete('/api/v1/users/999999')
        .set(...bearer(root))
        .expect(404);
    });

    it('refuses admins and users with 403, even in their own organization', async () => {
      const alice = await createMember(testApp, root, orgA);
      await testApp
        .http()
        .delete(`/api/v1/users/${alice.id}`)
        .set(...bearer(adminA))
        .expect(403);
      await testApp
        .http()
        .delete(`/api/v1/users/${alice.id}`)
        .set(...bearer(userA))
        .expect(403);
      await getAs(root, alice.id).expect(200);
    });

    it('requires authentication', async () => {
      await testApp.http().delete(`/api/v1/users/${userA.id}`).expect(401);
    });
  });
});
