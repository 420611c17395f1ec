import { bearer, createUser, startTestApp, createOrganization } from './support/test-app';
it('probe', async () => {
  const t = await startTestApp();
  const root = await createUser(t, null, { username: 'root' });
  const a = await createUser(t, root);
  const b = await createUser(t, root);
  for (const body of [{}, { email: null }, { password: null }, { role: null }, { is_active: null }, { can_create_ca: null }, { organization_id: null }]) {
    const r = await t.http().patch(`/api/v1/users/${b.id}`).set(...bearer(a)).send(body);
    const s = await t.http().patch(`/api/v1/users/${b.id}`).set(...bearer(root)).send(body);
    console.log(JSON.stringify(body), 'as user', r.status, 'as root', s.status, JSON.stringify(s.body).slice(0, 100));
  }
  const org = await createOrganization(t, root);
  for (const body of [{ name: null }, { description: null }, {}, { name: ' x ' }]) {
    const s = await t.http().put(`/api/v1/organizations/${org}`).set(...bearer(root)).send(body);
    console.log('org', JSON.stringify(body), s.status, JSON.stringify(s.body).slice(0, 100));
  }
  const s = await t.http().post(`/api/v1/organizations/`).set(...bearer(root)).send({ name: 'n', description: null });
  console.log('org create desc null', s.status);
  const n = await t.http().post(`/api/v1/users/`).set(...bearer(root)).send({ username: 'nn', email: 'nn@x.io', password: 'abcdefgh', role: null, can_create_ca: null });
  console.log('user create nulls', n.status, n.body);
  const l = await t.http().post('/api/v1/auth/logout').set(...bearer(a)).send({ refresh_token: null });
  console.log('logout null', l.status);
  await t.close();
});
