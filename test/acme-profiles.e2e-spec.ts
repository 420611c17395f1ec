import { acmeFixture, createAcmeProfile } from './support/acme';
import { createIntermediate } from './support/fixtures';
import { CaBody } from './support/pki';
import { bearer, startTestApp, TestApp, TestUser } from './support/test-app';

/** A profile's ACME fields (issue 18 item 1): the CA it issues from, and where its directory is. */
describe('ACME on a profile', () => {
  let testApp: TestApp;
  let superuser: TestUser;
  let root: CaBody;
  let issuing: CaBody;

  beforeAll(async () => {
    testApp = await startTestApp({ PUBLIC_BASE_URL: 'https://ca.example.test' });
    ({ superuser, root } = await acmeFixture(testApp));
    issuing = await createIntermediate(testApp, superuser, root, {
      name: 'ACME Issuing',
      key_type: 'ec',
      key_size: 256,
    });
  });
  afterAll(async () => testApp?.close());

  const create = (fields: Record<string, unknown>) =>
    testApp
      .http()
      .post('/api/v1/profiles')
      .set(...bearer(superuser))
      .send(fields);

  it('shows the directory URL under PUBLIC_BASE_URL, by the CA slug rule, only while ACME is enabled', async () => {
    const profile = await createAcmeProfile(testApp, superuser, issuing, { name: 'Web Servers' });
    expect(profile).toMatchObject({ acme_enabled: true, acme_eab_required: true });
    expect(profile.acme_directory_url).toBe(
      `https://ca.example.test/acme/web-servers-${profile.id}/directory`,
    );
    const directory = await testApp.http().get(`/acme/web-servers-${profile.id}/directory`);
    expect(directory.status).toBe(200);
    expect(directory.body).toMatchObject({
      newNonce: `https://ca.example.test/acme/web-servers-${profile.id}/new-nonce`,
      newAccount: `https://ca.example.test/acme/web-servers-${profile.id}/new-account`,
      newOrder: `https://ca.example.test/acme/web-servers-${profile.id}/new-order`,
      revokeCert: `https://ca.example.test/acme/web-servers-${profile.id}/revoke-cert`,
      keyChange: `https://ca.example.test/acme/web-servers-${profile.id}/key-change`,
      renewalInfo: `https://ca.example.test/acme/web-servers-${profile.id}/renewal-info`,
      meta: { externalAccountRequired: true },
    });
    expect(directory.headers['replay-nonce']).toMatch(/^[A-Za-z0-9_-]{22}$/);

    const disabled = await testApp
      .http()
      .patch(`/api/v1/profiles/${profile.id}`)
      .set(...bearer(superuser))
      .send({ acme_enabled: false });
    expect(disabled.status).toBe(200);
    expect(disabled.body.acme_directory_url).toBeNull();
    const gone = await testApp.http().get(`/acme/web-servers-${profile.id}/directory`);
    expect(gone.status).toBe(404);
    expect(gone.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(gone.body.type).toBe('urn:ietf:params:acme:error:malformed');
  });

  it('keeps serving a renamed profile under its former slug (the id decides), answering in the slug asked', async () => {
    const profile = await createAcmeProfile(testApp, superuser, issuing, { name: 'Before' });
    const renamed = await testApp
      .http()
      .patch(`/api/v1/profiles/${profile.id}`)
      .set(...bearer(superuser))
      .send({ name: 'After' });
    expect(renamed.body.acme_directory_url).toBe(
      `https://ca.example.test/acme/after-${profile.id}/directory`,
    );
    const former = await testApp.http().get(`/acme/before-${profile.id}/directory`);
    expect(former.status).toBe(200);
    expect(former.body.newAccount).toBe(`https://ca.example.test/acme/before-${profile.id}/new-account`);
    expect((await testApp.http().get(`/acme/after-${profile.id}/directory`)).status).toBe(200);
    expect((await testApp.http().get(`/acme/before-999999/directory`)).status).toBe(404);
  });

  it('needs one CA to issue from: acme_ca_id, or a single CA in ca_ids', async () => {
    const none = await create({ name: 'no ca', acme_enabled: true });
    expect(none.status).toBe(400);
    expect(none.body.detail).toContain('acme_enabled needs acme_ca_id');
    const several = await create({ name: 'several', acme_enabled: true, ca_ids: [root.id, issuing.id] });
    expect(several.status).toBe(400);
    expect(several.body.detail).toContain('ca_ids lists 2 CAs');
    const chosen = await create({
      name: 'chosen',
      acme_enabled: true,
      ca_ids: [root.id, issuing.id],
      acme_ca_id: issuing.id,
    });
    expect(chosen.status).toBe(201);
    expect(chosen.body.acme_ca_id).toBe(issuing.id);
    const outside = await create({
      name: 'outside',
      acme_enabled: true,
      ca_ids: [root.id],
      acme_ca_id: issuing.id,
    });
    expect(outside.status).toBe(400);
    expect(outside.body.detail).toBe(`acme_ca_id ${issuing.id} is not one of ca_ids (${root.id})`);
    const unknown = await create({ name: 'unknown', acme_enabled: true, acme_ca_id: 999_999 });
    expect(unknown.status).toBe(400);
    expect(unknown.body.detail).toContain('acme_ca_id 999999 is not a CA');
    const wrongType = await create({ name: 'wrong type', acme_enabled: 'yes', acme_ca_id: issuing.id });
    expect(wrongType.status).toBe(400);
  });
});
