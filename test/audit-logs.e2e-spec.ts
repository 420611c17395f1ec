import { createAdmin, createMember, createSuperuser } from './support/fixtures';
import {
  bearer,
  createOrganization,
  createUser,
  login,
  startTestApp,
  TEST_PASSWORD,
  TestApp,
  TestUser,
} from './support/test-app';

interface AuditRow {
  id: number;
  created_at: string;
  action: string;
  user_id: number | null;
  username: string | null;
  organization_id: number | null;
  resource_type: string | null;
  resource_id: number | null;
  detail: Record<string, unknown> | null;
}

const AUDIT_FIELDS = [
  'action',
  'created_at',
  'detail',
  'id',
  'organization_id',
  'resource_id',
  'resource_type',
  'user_id',
  'username',
];

const WRONG_PASSWORD = 'wrong-password-never-logged';
const CHANGED_PASSWORD = 'changed-password-never-logged';

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('audit logs', () => {
  let testApp: TestApp;
  let root: TestUser;
  let orgA: number;
  let orgB: number;
  let adminA: TestUser;
  let userA: TestUser;
  let adminB: TestUser;
  let userB: TestUser;
  let departed: TestUser;
  let temporaryOrg: number;
  let boundary: Date;
  const secrets: string[] = [TEST_PASSWORD, WRONG_PASSWORD, CHANGED_PASSWORD];
  /** What each action's row must say, filled in by the scenario below. */
  const expected: Record<string, Partial<AuditRow>> = {};

  const api = () => testApp.http();
  const remember = (...users: TestUser[]) =>
    users.forEach((user) => secrets.push(user.token, user.refreshToken));

  async function logs(actor: TestUser, query = ''): Promise<AuditRow[]> {
    const response = await api()
      .get(`/api/v1/audit-logs/${query}`)
      .set(...bearer(actor))
      .expect(200);
    return response.body;
  }

  beforeAll(async () => {
    testApp = await startTestApp();
    root = await createSuperuser(testApp);
    expected.user_create = {
      user_id: root.id,
      resource_type: 'user',
      resource_id: root.id,
      organization_id: null,
    };
    expected.login_success = { user_id: root.id, resource_type: 'user', resource_id: root.id };

    orgA = await createOrganization(testApp, root, 'Audited A');
    orgB = await createOrganization(testApp, root, 'Audited B');
    expected.org_create = {
      user_id: root.id,
      resource_type: 'organization',
      resource_id: orgA,
      organization_id: orgA,
    };
    adminA = await createAdmin(testApp, root, orgA);
    userA = await createMember(testApp, root, orgA);
    adminB = await createAdmin(testApp, root, orgB);
    userB = await createMember(testApp, root, orgB);
    remember(root, adminA, userA, adminB, userB);

    await api()
      .post('/api/v1/auth/token')
      .type('form')
      .send({ username: userA.username, password: WRONG_PASSWORD })
      .expect(401);
    expected.login_failure = { resource_type: 'user', resource_id: userA.id, organization_id: orgA };

    await api()
      .put(`/api/v1/organizations/${orgA}`)
      .set(...bearer(adminA))
      .send({ description: 'audited' })
      .expect(200);
    expected.org_update = {
      user_id: adminA.id,
      resource_type: 'organization',
      resource_id: orgA,
      organization_id: orgA,
    };

    await api()
      .patch(`/api/v1/users/${userA.id}`)
      .set(...bearer(adminA))
      .send({ password: CHANGED_PASSWORD, can_create_cert: true })
      .expect(200);
    expected.user_update = {
      user_id: adminA.id,
      resource_type: 'user',
      resource_id: userA.id,
      organization_id: orgA,
    };

    departed = await createUser(testApp, root);
    remember(departed);
    await api()
      .post(`/api/v1/organizations/${orgA}/users/${departed.id}`)
      .set(...bearer(adminA))
      .expect(200);
    expected.org_add_user = {
      user_id: adminA.id,
      resource_type: 'organization',
      resource_id: orgA,
      organization_id: orgA,
    };
    await api()
      .delete(`/api/v1/organizations/${orgA}/users/${departed.id}`)
      .set(...bearer(adminA))
      .expect(200);
    expected.org_remove_user = {
      user_id: adminA.id,
      resource_type: 'organization',
      resource_id: orgA,
      organization_id: orgA,
    };
    await api()
      .delete(`/api/v1/users/${departed.id}`)
      .set(...bearer(root))
      .expect(204);
    expected.user_delete = { user_id: root.id, resource_type: 'user', resource_id: departed.id };

    temporaryOrg = await createOrganization(testApp, root);
    await api()
      .delete(`/api/v1/organizations/${temporaryOrg}`)
      .set(...bearer(root))
      .expect(204);
    expected.org_delete = {
      user_id: root.id,
      resource_type: 'organization',
      resource_id: temporaryOrg,
      organization_id: temporaryOrg,
    };

    const session = await login(testApp, userA.username, CHANGED_PASSWORD);
    const rotated = await api()
      .post('/api/v1/auth/refresh')
      .send({ refresh_token: session.refreshToken })
      .expect(200);
    remember(session);
    secrets.push(rotated.body.access_token, rotated.body.refresh_token);
    expected.token_refresh = {
      user_id: userA.id,
      resource_type: 'user',
      resource_id: userA.id,
      organization_id: orgA,
    };
    await api()
      .post('/api/v1/auth/logout')
      .set('Authorization', `Bearer ${rotated.body.access_token}`)
      .send({ refresh_token: rotated.body.refresh_token })
      .expect(204);
    expected.logout = {
      user_id: userA.id,
      resource_type: 'user',
      resource_id: userA.id,
      organization_id: orgA,
    };

    const another = await login(testApp, userB.username);
    remember(another);
    await api()
      .post('/api/v1/auth/invalidate')
      .set(...bearer(another))
      .expect(204);
    expected.token_invalidate = {
      user_id: userB.id,
      resource_type: 'user',
      resource_id: userB.id,
      organization_id: orgB,
    };

    await pause(50);
    boundary = new Date();
    await pause(50);
    await api()
      .put(`/api/v1/organizations/${orgB}`)
      .set(...bearer(root))
      .send({ description: 'after the boundary' })
      .expect(200);
  });

  afterAll(() => testApp.close());

  describe('rows written', () => {
    it.each([
      'login_success',
      'login_failure',
      'logout',
      'token_refresh',
      'token_invalidate',
      'user_create',
      'user_update',
      'user_delete',
      'org_create',
      'org_update',
      'org_delete',
      'org_add_user',
      'org_remove_user',
    ])('records %s with its actor, resource and organization', async (action) => {
      const rows = await logs(root, `?action=${action}&limit=1000`);
      expect(rows).toContainEqual(expect.objectContaining({ action, ...expected[action] }));
    });

    it('names the username tried in a login failure, even when no such user exists', async () => {
      await api()
        .post('/api/v1/auth/token')
        .type('form')
        .send({ username: 'no-such-user', password: WRONG_PASSWORD })
        .expect(401);
      const rows = await logs(root, '?action=login_failure');
      expect(rows[0]).toMatchObject({ resource_id: null, organization_id: null });
      expect(rows[0].detail).toMatchObject({ username: 'no-such-user' });
    });

    it('names the changed fields of a user update, not their values', async () => {
      const rows = await logs(root, `?action=user_update&resource_id=${userA.id}`);
      expect(rows[0].detail).toEqual({ fields: expect.arrayContaining(['password', 'can_create_cert']) });
    });

    it('records the acting username beside the user id', async () => {
      const rows = await logs(root, `?action=org_update&user_id=${adminA.id}`);
      expect(rows[0].username).toBe(adminA.username);
    });

    it('returns audit log objects with the documented fields', async () => {
      const rows = await logs(root);
      for (const row of rows) expect(Object.keys(row)).toEqual(expect.arrayContaining(AUDIT_FIELDS));
      expect(new Date(rows[0].created_at).toISOString()).toBe(rows[0].created_at);
    });

    it('never records a password or token in any row', async () => {
      const response = await api()
        .get('/api/v1/audit-logs/?limit=1000')
        .set(...bearer(root))
        .expect(200);
      for (const secret of secrets) expect(response.text).not.toContain(secret);
      expect(response.text).not.toMatch(/\$2[aby]\$\d{2}\$/);
      for (const row of response.body as AuditRow[]) {
        for (const key of Object.keys(row.detail ?? {}))
          expect(key).not.toMatch(/password|token|secret|hash|key/i);
      }
    });
  });

  describe('who may read', () => {
    it('shows a superuser every organization and rows without one', async () => {
      const rows = await logs(root, '?limit=1000');
      const organizations = new Set(rows.map((row) => row.organization_id));
      expect(organizations).toEqual(new Set([null, orgA, orgB, temporaryOrg]));
    });

    it('scopes an admin to their own organization', async () => {
      const rowsA = await logs(adminA, '?limit=1000');
      expect(rowsA.length).toBeGreaterThan(0);
      expect(rowsA.every((row) => row.organization_id === orgA)).toBe(true);
      expect(rowsA).toContainEqual(expect.objectContaining({ action: 'org_update', user_id: adminA.id }));
      const rowsB = await logs(adminB, '?limit=1000');
      expect(rowsB.every((row) => row.organization_id === orgB)).toBe(true);
      expect(rowsB).toContainEqual(
        expect.objectContaining({ action: 'token_invalidate', user_id: userB.id }),
      );
    });

    it("does not let an admin's filters reach beyond their organization", async () => {
      expect(await logs(adminA, `?user_id=${userB.id}`)).toEqual([]);
      expect(await logs(adminA, `?resource_type=organization&resource_id=${orgB}`)).toEqual([]);
    });

    it('refuses plain users with 403', async () => {
      const plain = await createMember(testApp, root, orgB);
      const response = await api()
        .get('/api/v1/audit-logs/')
        .set(...bearer(plain))
        .expect(403);
      expect(response.body.detail).toEqual(expect.any(String));
    });

    it('requires authentication', async () => {
      await api().get('/api/v1/audit-logs/').expect(401);
    });
  });

  describe('filters and order', () => {
    it('returns the newest first', async () => {
      const rows = await logs(root, '?limit=1000');
      expect(rows.length).toBeGreaterThan(10);
      for (let index = 1; index < rows.length; index += 1) {
        expect(rows[index - 1].id).toBeGreaterThan(rows[index].id);
        expect(Date.parse(rows[index - 1].created_at)).toBeGreaterThanOrEqual(
          Date.parse(rows[index].created_at),
        );
      }
    });

    it('filters by action', async () => {
      const rows = await logs(root, '?action=org_create');
      expect(rows.length).toBeGreaterThanOrEqual(3);
      expect(rows.every((row) => row.action === 'org_create')).toBe(true);
    });

    it('filters by acting user', async () => {
      const rows = await logs(root, `?user_id=${adminA.id}`);
      expect(rows.map((row) => row.action)).toEqual(
        expect.arrayContaining(['org_update', 'user_update', 'org_add_user', 'org_remove_user']),
      );
      expect(rows.every((row) => row.user_id === adminA.id)).toBe(true);
    });

    it('filters by resource type', async () => {
      const rows = await logs(root, '?resource_type=organization');
      expect(rows.length).toBeGreaterThan(0);
      expect(rows.every((row) => row.resource_type === 'organization')).toBe(true);
    });

    it('filters by resource id', async () => {
      const rows = await logs(root, `?resource_type=user&resource_id=${userA.id}`);
      expect(rows.map((row) => row.action)).toEqual(expect.arrayContaining(['user_create', 'user_update']));
      expect(rows.every((row) => row.resource_type === 'user' && row.resource_id === userA.id)).toBe(true);
      const byIdOnly = await logs(root, `?resource_id=${orgB}`);
      expect(byIdOnly.every((row) => row.resource_id === orgB)).toBe(true);
    });

    it('combines filters', async () => {
      const rows = await logs(root, `?action=org_update&user_id=${root.id}`);
      expect(rows).toHaveLength(1);
      expect(rows[0]).toMatchObject({ action: 'org_update', user_id: root.id, resource_id: orgB });
    });

    it('filters by since and until', async () => {
      const since = await logs(root, `?since=${encodeURIComponent(boundary.toISOString())}`);
      expect(since.length).toBeGreaterThan(0);
      expect(since.every((row) => Date.parse(row.created_at) >= boundary.getTime())).toBe(true);
      expect(since).toContainEqual(expect.objectContaining({ action: 'org_update', resource_id: orgB }));

      const until = await logs(root, `?limit=1000&until=${encodeURIComponent(boundary.toISOString())}`);
      expect(until.every((row) => Date.parse(row.created_at) <= boundary.getTime())).toBe(true);
      expect(until).toContainEqual(expect.objectContaining({ action: 'org_update', resource_id: orgA }));
      expect(until).not.toContainEqual(expect.objectContaining({ action: 'org_update', resource_id: orgB }));

      const window = await logs(
        root,
        `?since=${encodeURIComponent(new Date(boundary.getTime() - 3_600_000).toISOString())}` +
          `&until=${encodeURIComponent(boundary.toISOString())}&limit=1000`,
      );
      expect(window.map((row) => row.id)).toEqual(until.map((row) => row.id));
    });

    it('pages with skip and limit', async () => {
      const all = await logs(root, '?limit=1000');
      const page = await logs(root, '?skip=2&limit=3');
      expect(page.map((row) => row.id)).toEqual(all.slice(2, 5).map((row) => row.id));
      expect(await logs(root, '?limit=1')).toHaveLength(1);
      expect(await logs(root, `?skip=${all.length}`)).toEqual([]);
    });

    it('accepts a limit of 1000', async () => {
      await api()
        .get('/api/v1/audit-logs/?limit=1000')
        .set(...bearer(root))
        .expect(200);
    });

    it.each([
      ['a limit of 0', '?limit=0'],
      ['a limit of 1001', '?limit=1001'],
      ['a negative skip', '?skip=-1'],
      ['an unknown action', '?action=format_disk'],
      ['a non-numeric user_id', '?user_id=abc'],
      ['a non-numeric resource_id', '?resource_id=abc'],
      ['a since that is not a date', '?since=yesterday-ish'],
      ['an until that is not a date', '?until=not-a-date'],
    ])('refuses %s with 400', async (_case, query) => {
      const response = await api()
        .get(`/api/v1/audit-logs/${query}`)
        .set(...bearer(root))
        .expect(400);
      expect(response.body.detail).toEqual(expect.any(String));
    });
  });
});
