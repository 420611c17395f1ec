import { createAdmin, createMember, createSuperuser } from './support/fixtures';
import {
  bearer,
  createOrganization,
  createUser,
  expectNoPasswordMaterial,
  startTestApp,
  TestApp,
  TestUser,
} from './support/test-app';

const ORGANIZATION_FIELDS = ['created_at', 'description', 'id', 'name', 'updated_at'];

describe('organizations', () => {
  let testApp: TestApp;
  let root: TestUser;
  let orgA: number;
  let orgB: number;
  let adminA: TestUser;
  let userA: TestUser;
  let adminB: TestUser;
  let userB: TestUser;
  let loner: TestUser;

  beforeAll(async () => {
    testApp = await startTestApp();
    root = await createSuperuser(testApp);
    orgA = await createOrganization(testApp, root, 'Org A');
    orgB = await createOrganization(testApp, root, 'Org B');
    adminA = await createAdmin(testApp, root, orgA);
    userA = await createMember(testApp, root, orgA);
    adminB = await createAdmin(testApp, root, orgB);
    userB = await createMember(testApp, root, orgB);
    loner = await createUser(testApp, root);
  });

  afterAll(() => testApp.close());

  const api = () => testApp.http();
  const organization = async (id: number) =>
    (
      await api()
        .get(`/api/v1/organizations/${id}`)
        .set(...bearer(root))
        .expect(200)
    ).body;
  const organizationOf = async (user: TestUser) =>
    (
      await api()
        .get(`/api/v1/users/${user.id}`)
        .set(...bearer(root))
        .expect(200)
    ).body.organization_id;

  describe('POST /organizations/', () => {
    it('lets an admin create an organization', async () => {
      const response = await api()
        .post('/api/v1/organizations/')
        .set(...bearer(adminA))
        .send({ name: 'Made by an admin', description: 'for the test' })
        .expect(201);
      expect(Object.keys(response.body).sort()).toEqual(ORGANIZATION_FIELDS);
      expect(response.body).toMatchObject({ name: 'Made by an admin', description: 'for the test' });
      expect(await organization(response.body.id)).toMatchObject({ name: 'Made by an admin' });
    });

    it('lets a superuser create an organization without a description', async () => {
      const response = await api()
        .post('/api/v1/organizations/')
        .set(...bearer(root))
        .send({ name: 'No description' })
        .expect(201);
      expect(response.body.description).toBeNull();
    });

    it('refuses a plain user with 403 and creates nothing', async () => {
      await api()
        .post('/api/v1/organizations/')
        .set(...bearer(userA))
        .send({ name: 'Made by a user' })
        .expect(403);
      const all = await api()
        .get('/api/v1/organizations/')
        .set(...bearer(root))
        .expect(200);
      expect(all.body.map((org: { name: string }) => org.name)).not.toContain('Made by a user');
    });

    it('refuses a duplicate name with 400', async () => {
      const response = await api()
        .post('/api/v1/organizations/')
        .set(...bearer(root))
        .send({ name: 'Org A' })
        .expect(400);
      expect(response.body.detail).toContain('already exists');
    });

    it('refuses a duplicate that differs only by surrounding spaces with 400', async () => {
      await api()
        .post('/api/v1/organizations/')
        .set(...bearer(root))
        .send({ name: '  Org A ' })
        .expect(400);
    });

    it.each([
      ['an empty name', { name: '' }],
      ['a blank name', { name: '   ' }],
      ['a missing name', { description: 'nameless' }],
      ['a null name', { name: null }],
    ])('refuses %s with 400', async (_case, body) => {
      const response = await api()
        .post('/api/v1/organizations/')
        .set(...bearer(root))
        .send(body)
        .expect(400);
      expect(response.body.detail).toContain('name');
    });

    it('requires authentication', async () => {
      await api().post('/api/v1/organizations/').send({ name: 'Anonymous' }).expect(401);
    });
  });

  describe('GET /organizations/', () => {
    it('shows a superuser every organization', async () => {
      const response = await api()
        .get('/api/v1/organizations/')
        .set(...bearer(root))
        .expect(200);
      const ids = response.body.map((org: { id: number }) => org.id);
      expect(ids).toEqual(expect.arrayContaining([orgA, orgB]));
      expect(Object.keys(response.body[0]).sort()).toEqual(ORGANIZATION_FIELDS);
    });

    it('shows admins and users only their own organization', async () => {
      for (const [member, own] of [
        [adminA, orgA],
        [userA, orgA],
        [adminB, orgB],
        [userB, orgB],
      ] as const) {
        const response = await api()
          .get('/api/v1/organizations/')
          .set(...bearer(member))
          .expect(200);
        expect(response.body.map((org: { id: number }) => org.id)).toEqual([own]);
      }
    });

    it('shows a user without an organization nothing', async () => {
      const response = await api()
        .get('/api/v1/organizations/')
        .set(...bearer(loner))
        .expect(200);
      expect(response.body).toEqual([]);
    });

    it('requires authentication', async () => {
      await api().get('/api/v1/organizations/').expect(401);
    });
  });

  describe('GET /organizations/{organization_id}', () => {
    it('lets members and superusers read it', async () => {
      for (const reader of [adminA, userA, root]) {
        const response = await api()
          .get(`/api/v1/organizations/${orgA}`)
          .set(...bearer(reader))
          .expect(200);
        expect(response.body).toMatchObject({ id: orgA, name: 'Org A' });
      }
    });

    it('refuses members of another organization and users without one with 403', async () => {
      await api()
        .get(`/api/v1/organizations/${orgA}`)
        .set(...bearer(adminB))
        .expect(403);
      await api()
        .get(`/api/v1/organizations/${orgA}`)
        .set(...bearer(userB))
        .expect(403);
      await api()
        .get(`/api/v1/organizations/${orgA}`)
        .set(...bearer(loner))
        .expect(403);
    });

    it('answers 404 for an unknown organization and 400 for a malformed id', async () => {
      await api()
        .get('/api/v1/organizations/999999')
        .set(...bearer(root))
        .expect(404);
      await api()
        .get('/api/v1/organizations/abc')
        .set(...bearer(root))
        .expect(400);
    });
  });

  describe('PUT /organizations/{organization_id}', () => {
    let orgC: number;

    beforeAll(async () => {
      orgC = await createOrganization(testApp, root, 'Org C');
    });

    it('lets an admin of the organization rename it and change its description', async () => {
      const response = await api()
        .put(`/api/v1/organizations/${orgA}`)
        .set(...bearer(adminA))
        .send({ name: 'Org A renamed', description: 'now described' })
        .expect(200);
      expect(response.body).toMatchObject({ id: orgA, name: 'Org A renamed', description: 'now described' });
      expect(await organization(orgA)).toMatchObject({ name: 'Org A renamed', description: 'now described' });
      await api()
        .put(`/api/v1/organizations/${orgA}`)
        .set(...bearer(adminA))
        .send({ name: 'Org A' })
        .expect(200);
    });

    it('keeps the name when only the description is given', async () => {
      const response = await api()
        .put(`/api/v1/organizations/${orgB}`)
        .set(...bearer(root))
        .send({ description: 'changed by the superuser' })
        .expect(200);
      expect(response.body).toMatchObject({ name: 'Org B', description: 'changed by the superuser' });
    });

    it('refuses a member who is not an admin, and an admin of another organization, with 403', async () => {
      await api()
        .put(`/api/v1/organizations/${orgA}`)
        .set(...bearer(userA))
        .send({ name: 'Taken by a user' })
        .expect(403);
      await api()
        .put(`/api/v1/organizations/${orgA}`)
        .set(...bearer(adminB))
        .send({ name: 'Taken by B' })
        .expect(403);
      expect((await organization(orgA)).name).toBe('Org A');
    });

    it('refuses a name that another organization has with 400', async () => {
      await api()
        .put(`/api/v1/organizations/${orgC}`)
        .set(...bearer(root))
        .send({ name: 'Org B' })
        .expect(400);
      expect((await organization(orgC)).name).toBe('Org C');
    });

    it.each([
      ['an empty name', { name: '' }],
      ['a blank name', { name: '  ' }],
      ['a null name', { name: null }],
    ])('refuses %s with 400', async (_case, body) => {
      await api()
        .put(`/api/v1/organizations/${orgC}`)
        .set(...bearer(root))
        .send(body)
        .expect(400);
      expect((await organization(orgC)).name).toBe('Org C');
    });

    it('answers 404 for an unknown organization', async () => {
      await api()
        .put('/api/v1/organizations/999999')
        .set(...bearer(root))
        .send({ name: 'Ghost' })
        .expect(404);
    });
  });

  describe('DELETE /organizations/{organization_id}', () => {
    it('lets a superuser delete an organization without users', async () => {
      const empty = await createOrganization(testApp, root);
      const response = await api()
        .delete(`/api/v1/organizations/${empty}`)
        .set(...bearer(root))
        .expect(204);
      expect(response.text).toBe('');
      await api()
        .get(`/api/v1/organizations/${empty}`)
        .set(...bearer(root))
        .expect(404);
    });

    it('refuses to delete an organization that has users with 400', async () => {
      const response = await api()
        .delete(`/api/v1/organizations/${orgB}`)
        .set(...bearer(root))
        .expect(400);
      expect(response.body.detail).toEqual(expect.any(String));
      await organization(orgB);
    });

    it('refuses admins, even of the organization, with 403', async () => {
      const empty = await createOrganization(testApp, root);
      await api()
        .delete(`/api/v1/organizations/${orgA}`)
        .set(...bearer(adminA))
        .expect(403);
      await api()
        .delete(`/api/v1/organizations/${empty}`)
        .set(...bearer(adminA))
        .expect(403);
      await api()
        .delete(`/api/v1/organizations/${empty}`)
        .set(...bearer(userA))
        .expect(403);
      await organization(empty);
    });

    it('answers 404 for an unknown organization', async () => {
      await api()
        .delete('/api/v1/organizations/999999')
        .set(...bearer(root))
        .expect(404);
    });
  });

  describe('POST /organizations/{organization_id}/users/{user_id}', () => {
    it('lets an admin of the organization add a user without an organization', async () => {
      const newcomer = await createUser(testApp, root);
      const response = await api()
        .post(`/api/v1/organizations/${orgA}/users/${newcomer.id}`)
        .set(...bearer(adminA))
        .expect(200);
      expect(response.body).toMatchObject({ id: newcomer.id, organization_id: orgA });
      expectNoPasswordMaterial(response.text);
      expect(await organizationOf(newcomer)).toBe(orgA);
    });

    it('lets a superuser move a user from another organization', async () => {
      const mover = await createMember(testApp, root, orgB);
      const response = await api()
        .post(`/api/v1/organizations/${orgA}/users/${mover.id}`)
        .set(...bearer(root))
        .expect(200);
      expect(response.body.organization_id).toBe(orgA);
    });

    it('refuses an admin taking a user from another organization with 403', async () => {
      await api()
        .post(`/api/v1/organizations/${orgA}/users/${userB.id}`)
        .set(...bearer(adminA))
        .expect(403);
      expect(await organizationOf(userB)).toBe(orgB);
    });

    it('refuses an admin of another organization and a plain member with 403', async () => {
      const newcomer = await createUser(testApp, root);
      await api()
        .post(`/api/v1/organizations/${orgA}/users/${newcomer.id}`)
        .set(...bearer(adminB))
        .expect(403);
      await api()
        .post(`/api/v1/organizations/${orgA}/users/${newcomer.id}`)
        .set(...bearer(userA))
        .expect(403);
      expect(await organizationOf(newcomer)).toBeNull();
    });

    it('answers 404 for an unknown organization or user', async () => {
      await api()
        .post(`/api/v1/organizations/999999/users/${loner.id}`)
        .set(...bearer(root))
        .expect(404);
      await api()
        .post(`/api/v1/organizations/${orgA}/users/999999`)
        .set(...bearer(root))
        .expect(404);
      await api()
        .post(`/api/v1/organizations/${orgA}/users/999999`)
        .set(...bearer(adminA))
        .expect(404);
    });
  });

  describe('DELETE /organizations/{organization_id}/users/{user_id}', () => {
    it('lets an admin of the organization remove a member', async () => {
      const member = await createMember(testApp, root, orgA);
      const response = await api()
        .delete(`/api/v1/organizations/${orgA}/users/${member.id}`)
        .set(...bearer(adminA))
        .expect(200);
      expect(response.body).toMatchObject({ id: member.id, organization_id: null });
      expectNoPasswordMaterial(response.text);
      expect(await organizationOf(member)).toBeNull();
    });

    it('lets a superuser remove a member', async () => {
      const member = await createMember(testApp, root, orgB);
      await api()
        .delete(`/api/v1/organizations/${orgB}/users/${member.id}`)
        .set(...bearer(root))
        .expect(200);
      expect(await organizationOf(member)).toBeNull();
    });

    it('refuses an admin of another organization and a plain member with 403', async () => {
      const member = await createMember(testApp, root, orgA);
      await api()
        .delete(`/api/v1/organizations/${orgA}/users/${member.id}`)
        .set(...bearer(adminB))
        .expect(403);
      await api()
        .delete(`/api/v1/organizations/${orgA}/users/${member.id}`)
        .set(...bearer(userA))
        .expect(403);
      expect(await organizationOf(member)).toBe(orgA);
    });

    it('answers 404 for a user who is not a member, an unknown user or an unknown organization', async () => {
      await api()
        .delete(`/api/v1/organizations/${orgA}/users/${userB.id}`)
        .set(...bearer(root))
        .expect(404);
      expect(await organizationOf(userB)).toBe(orgB);
      await api()
        .delete(`/api/v1/organizations/${orgA}/users/999999`)
        .set(...bearer(root))
        .expect(404);
      await api()
        .delete(`/api/v1/organizations/999999/users/${userA.id}`)
        .set(...bearer(root))
        .expect(404);
    });
  });

  describe('GET /organizations/{organization_id}/users', () => {
    it('lists exactly the members for a member and for a superuser', async () => {
      const org = await createOrganization(testApp, root);
      const first = await createMember(testApp, root, org);
      const second = await createUser(testApp, root, { organization_id: org, role: 'admin' });
      for (const reader of [first, second, root]) {
        const response = await api()
          .get(`/api/v1/organizations/${org}/users`)
          .set(...bearer(reader))
          .expect(200);
        expect(response.body.map((user: { id: number }) => user.id).sort()).toEqual(
          [first.id, second.id].sort(),
        );
        expect(response.body[0]).toHaveProperty('username');
        expectNoPasswordMaterial(response.text);
      }
    });

    it('refuses members of another organization and users without one with 403', async () => {
      await api()
        .get(`/api/v1/organizations/${orgA}/users`)
        .set(...bearer(adminB))
        .expect(403);
      await api()
        .get(`/api/v1/organizations/${orgA}/users`)
        .set(...bearer(loner))
        .expect(403);
    });

    it('answers 404 for an unknown organization', async () => {
      await api()
        .get('/api/v1/organizations/999999/users')
        .set(...bearer(root))
        .expect(404);
    });
  });
});
