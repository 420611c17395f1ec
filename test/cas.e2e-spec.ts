import {
  createAdmin,
  createIntermediate,
  createMember,
  createRootCa,
  createSuperuser,
} from './support/fixtures';
import { OpensslWorkspace } from './support/openssl';
import {
  auditRows,
  CaBody,
  issueCertificate,
  publicKeyOf,
  revokeCertificate,
  x509Extension,
  x509Field,
  withoutPrivateKey,
  x509Text,
} from './support/pki';
import {
  bearer,
  createOrganization,
  EVERY_CAPABILITY,
  startTestApp,
  TestApp,
  TestUser,
} from './support/test-app';

describe('certificate authorities: every endpoint, status code and permission rule', () => {
  let testApp: TestApp;
  const ssl = new OpensslWorkspace();
  let superuser: TestUser;
  let orgA: number;
  let orgB: number;
  /** Organization A: an admin, a member per capability flag, and a member with none. */
  let adminA: TestUser;
  let caCreatorA: TestUser;
  let certCreatorA: TestUser;
  let exporterA: TestUser;
  let deleterA: TestUser;
  let plainA: TestUser;
  /** Organization B: an admin and a member holding every flag. */
  let adminB: TestUser;
  let everyFlagB: TestUser;
  /** No organization, every flag. */
  let unaffiliated: TestUser;

  beforeAll(async () => {
    testApp = await startTestApp();
    superuser = await createSuperuser(testApp);
    orgA = await createOrganization(testApp, superuser, 'Org A');
    orgB = await createOrganization(testApp, superuser, 'Org B');
    adminA = await createAdmin(testApp, superuser, orgA);
    caCreatorA = await createMember(testApp, superuser, orgA, { can_create_ca: true });
    certCreatorA = await createMember(testApp, superuser, orgA, { can_create_cert: true });
    exporterA = await createMember(testApp, superuser, orgA, { can_export_private_key: true });
    deleterA = await createMember(testApp, superuser, orgA, { can_delete_ca: true });
    plainA = await createMember(testApp, superuser, orgA);
    adminB = await createAdmin(testApp, superuser, orgB);
    everyFlagB = await createMember(testApp, superuser, orgB, { ...EVERY_CAPABILITY });
    unaffiliated = await createMember(testApp, superuser, null, EVERY_CAPABILITY);
  });

  afterAll(async () => {
    await testApp.close();
    ssl.dispose();
  });

  async function caCount(): Promise<number> {
    const [row]: { count: string }[] = await testApp.dataSource.query(
      'SELECT count(*) AS count FROM certificate_authorities',
    );
    return Number(row.count);
  }

  async function getCa(user: TestUser, id: number): Promise<CaBody> {
    const response = await testApp
      .http()
      .get(`/api/v1/cas/${id}`)
      .set(...bearer(user))
      .expect(200);
    return response.body;
  }

  describe('POST /cas/ (root CAs)', () => {
    it('creates an RSA root of CA_KEY_SIZE bits by default, returns its private key and audits ca_create', async () => {
      const response = await testApp
        .http()
        .post('/api/v1/cas/')
        .set(...bearer(caCreatorA))
        .send({
          name: 'Default Root',
          subject_dn: 'CN=Default Root,O=Acme,C=US',
          description: 'the first one',
        })
        .expect(201);
      const ca: CaBody = response.body;
      expect(ca).toMatchObject({
        id: expect.any(Number),
        name: 'Default Root',
        description: 'the first one',
        subject_dn: 'CN=Default Root,O=Acme,C=US',
        key_type: 'rsa',
        key_size: 2048,
        valid_days: 3650,
        status: 'active',
        organization_id: orgA,
        created_by_user_id: caCreatorA.id,
        parent_ca_id: null,
        path_length: null,
        allow_leaf_certs: true,
        is_root: true,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect(ca.certificate).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
      expect(ca.private_key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);

      const text = x509Text(ssl, ca.certificate);
      expect(text).toContain('Public-Key: (2048 bit)');
      expect(text).toContain('Signature Algorithm: sha256WithRSAEncryption');
      expect(x509Extension(text, 'X509v3 Basic Constraints')).toEqual({ critical: true, value: 'CA:TRUE' });
      expect(x509Field(ssl, ca.certificate, 'subject', ['-nameopt', 'RFC2253'])).toBe(
        'subject=CN=Default Root,O=Acme,C=US',
      );
      const days = (Date.parse(ca.not_after) - Date.parse(ca.not_before)) / 86_400_000;
      expect(days).toBe(3650);
      ssl.write('default-root.pem', ca.certificate);
      expect(ssl.run(['verify', '-CAfile', 'default-root.pem', 'default-root.pem']).ok).toBe(true);
      expect(publicKeyOf(ssl, ca.private_key ?? '')).toBe(publicKeyOf(ssl, ca.certificate));

      const [row] = await testApp.dataSource.query(
        'SELECT key_type, key_size, organization_id, created_by_user_id FROM certificate_authorities WHERE id = $1',
        [ca.id],
      );
      expect(row).toEqual({
        key_type: 'rsa',
        key_size: 2048,
        organization_id: orgA,
        created_by_user_id: caCreatorA.id,
      });
      expect(await auditRows(testApp, 'ca_create', ca.id)).toEqual([
        {
          action: 'ca_create',
          user_id: caCreatorA.id,
          organization_id: orgA,
          resource_type: 'certificate_authority',
          resource_id: ca.id,
          detail: expect.objectContaining({ name: 'Default Root', key_type: 'rsa', key_size: 2048 }),
        },
      ]);
    });

    it.each([
      [{ key_type: 'ec' }, 'ec', 256, 'ASN1 OID: prime256v1', 'ecdsa-with-SHA256'],
      [{ key_type: 'ec', key_size: 256 }, 'ec', 256, 'ASN1 OID: prime256v1', 'ecdsa-with-SHA256'],
      [{ key_type: 'ec', key_size: 384 }, 'ec', 384, 'ASN1 OID: secp384r1', 'ecdsa-with-SHA384'],
      [{ key_type: 'ed25519' }, 'ed25519', 256, 'ED25519 Public-Key', 'ED25519'],
    ])('creates a root with %j', async (keyFields, keyType, keySize, keyText, signatureAlgorithm) => {
      const name = `Root ${keyType} ${keySize} ${Object.keys(keyFields).length}`;
      const ca = await createRootCa(testApp, adminA, { name, ...keyFields });
      expect(ca).toMatchObject({ key_type: keyType, key_size: keySize, is_root: true });
      const text = x509Text(ssl, ca.certificate);
      expect(text).toContain(keyText);
      expect(text).toContain(`Signature Algorithm: ${signatureAlgorithm}`);
      expect(publicKeyOf(ssl, ca.private_key ?? '')).toBe(publicKeyOf(ssl, ca.certificate));
    });

    it.each([
      [{ key_type: 'rsa', key_size: 1024 }, 'RSA key size'],
      [{ key_type: 'rsa', key_size: 256 }, 'RSA key size'],
      [{ key_size: 384 }, 'RSA key size'],
      [{ key_type: 'ec', key_size: 521 }, 'EC key size'],
      [{ key_type: 'ec', key_size: 2048 }, 'EC key size'],
      [{ key_type: 'ed25519', key_size: 2048 }, 'Ed25519'],
      [{ key_type: 'dsa' }, 'key_type'],
      [{ key_type: 'rsa', key_size: '2048' }, 'key_size'],
    ])('refuses the key combination %j with 400', async (keyFields, message) => {
      const before = await caCount();
      const response = await testApp
        .http()
        .post('/api/v1/cas/')
        .set(...bearer(adminA))
        .send({ name: 'Bad key', subject_dn: 'CN=Bad key', ...keyFields })
        .expect(400);
      expect(response.body.detail).toContain(message);
      expect(await caCount()).toBe(before);
    });

    it.each([
      ['not a dn', 'missing "="'],
      ['CN=', 'The value of CN is empty'],
      ['XX=foo', 'Unknown distinguished name attribute "XX"'],
      ['C=USA,CN=x', 'two-letter country code'],
      ['CN=a;O=b', 'unescaped ";"'],
      ['', 'subject_dn'],
    ])('refuses the malformed subject_dn %j with 400 and a message', async (subjectDn, message) => {
      const before = await caCount();
      const response = await testApp
        .http()
        .post('/api/v1/cas/')
        .set(...bearer(adminA))
        .send({ name: 'Bad DN', subject_dn: subjectDn, key_type: 'ec' })
        .expect(400);
      expect(response.body.detail).toContain(message);
      expect(await caCount()).toBe(before);
    });

    it('accepts the /C=…/O=…/CN=… form and stores the RFC 4514 form', async () => {
      const ca = await createRootCa(testApp, adminA, {
        name: 'Slash Form',
        subject_dn: '/C=US/O=Acme/CN=Slash Root',
        key_type: 'ec',
      });
      expect(ca.subject_dn).toBe('CN=Slash Root,O=Acme,C=US');
      expect(x509Field(ssl, ca.certificate, 'subject', ['-nameopt', 'RFC2253'])).toBe(
        'subject=CN=Slash Root,O=Acme,C=US',
      );
    });

    it('refuses a CA name already used in the organization with 400, and accepts it in another organization', async () => {
      await createRootCa(testApp, caCreatorA, { name: 'Shared Name', key_type: 'ec' });
      const before = await caCount();
      const duplicate = await testApp
        .http()
        .post('/api/v1/cas/')
        .set(...bearer(adminA))
        .send({ name: 'Shared Name', subject_dn: 'CN=Other', key_type: 'ec' })
        .expect(400);
      expect(duplicate.body.detail).toContain('already exists');
      expect(await caCount()).toBe(before);
      const elsewhere = await createRootCa(testApp, everyFlagB, { name: 'Shared Name', key_type: 'ec' });
      expect(elsewhere.organization_id).toBe(orgB);
    });

    it('refuses out-of-range and unknown fields with 400', async () => {
      const cases = [
        { valid_days: 0 },
        { path_length: -1 },
        { allow_leaf_certs: 'yes' },
        { is_root: false },
        { name: '  ' },
      ];
      for (const fields of cases) {
        const response = await testApp
          .http()
          .post('/api/v1/cas/')
          .set(...bearer(adminA))
          .send({ name: 'Field checks', subject_dn: 'CN=Field checks', key_type: 'ec', ...fields });
        expect({ fields, status: response.status }).toEqual({ fields, status: 400 });
        expect(response.body.detail).toEqual(expect.any(String));
      }
    });

    it('refuses a request without a token with 401', async () => {
      await testApp
        .http()
        .post('/api/v1/cas/')
        .send({ name: 'Anonymous', subject_dn: 'CN=Anonymous' })
        .expect(401);
    });

    it('refuses a member without can_create_ca with 403 and creates nothing', async () => {
      const before = await caCount();
      for (const user of [plainA, certCreatorA, exporterA, deleterA]) {
        const response = await testApp
          .http()
          .post('/api/v1/cas/')
          .set(...bearer(user))
          .send({ name: 'Not allowed', subject_dn: 'CN=Not allowed', key_type: 'ec' })
          .expect(403);
        expect(response.body.detail).toContain('can_create_ca');
      }
      expect(await caCount()).toBe(before);
      expect((await auditRows(testApp, 'ca_create')).every((row) => row.user_id !== plainA.id)).toBe(true);
    });

    it('lets an admin create a CA in their organization without the capability flag', async () => {
      const ca = await createRootCa(testApp, adminB, { name: 'Admin B Root', key_type: 'ec' });
      expect(ca).toMatchObject({ organization_id: orgB, created_by_user_id: adminB.id });
    });

    it('refuses a user without an organization with 403, even with can_create_ca', async () => {
      await testApp
        .http()
        .post('/api/v1/cas/')
        .set(...bearer(unaffiliated))
        .send({ name: 'Orphan', subject_dn: 'CN=Orphan', key_type: 'ec' })
        .expect(403);
    });
  });

  describe('POST /cas/ with parent_ca_id (intermediates)', () => {
    it('creates an intermediate signed by its parent, in the parent organization', async () => {
      const root = await createRootCa(testApp, adminA, { name: 'Chain Root', key_size: 2048 });
      const intermediate = await createIntermediate(testApp, superuser, root, {
        name: 'Chain Intermediate',
        key_type: 'ec',
      });
      expect(intermediate).toMatchObject({
        parent_ca_id: root.id,
        is_root: false,
        organization_id: orgA,
        created_by_user_id: superuser.id,
        path_length: null,
        allow_leaf_certs: true,
      });
      ssl.write('chain-root.pem', root.certificate);
      ssl.write('chain-intermediate.pem', intermediate.certificate);
      expect(ssl.run(['verify', '-CAfile', 'chain-root.pem', 'chain-intermediate.pem'])).toEqual({
        ok: true,
        output: expect.stringContaining('OK'),
      });
      const rootText = x509Text(ssl, root.certificate);
      const text = x509Text(ssl, intermediate.certificate);
      expect(x509Field(ssl, intermediate.certificate, 'issuer', ['-nameopt', 'RFC2253'])).toBe(
        'issuer=CN=Chain Root,O=Acme',
      );
      expect(x509Extension(text, 'X509v3 Authority Key Identifier')?.value).toContain(
        x509Extension(rootText, 'X509v3 Subject Key Identifier')?.value,
      );
      expect(await auditRows(testApp, 'ca_create', intermediate.id)).toEqual([
        expect.objectContaining({
          user_id: superuser.id,
          organization_id: orgA,
          detail: expect.objectContaining({ parent_ca_id: root.id }),
        }),
      ]);
    });

    it('answers 404 for an unknown parent', async () => {
      const response = await testApp
        .http()
        .post('/api/v1/cas/')
        .set(...bearer(superuser))
        .send({ name: 'Lost', subject_dn: 'CN=Lost', key_type: 'ec', parent_ca_id: 999999 })
        .expect(404);
      expect(response.body.detail).toContain('999999');
    });

    it('refuses an intermediate under another organization CA with 403, even with can_create_ca', async () => {
      const root = await createRootCa(testApp, adminA, { name: 'Guarded Root', key_type: 'ec' });
      for (const user of [everyFlagB, adminB, unaffiliated, plainA]) {
        await testApp
          .http()
          .post('/api/v1/cas/')
          .set(...bearer(user))
          .send({ name: 'Intruder', subject_dn: 'CN=Intruder', key_type: 'ec', parent_ca_id: root.id })
          .expect(403);
      }
      expect(await getCa(adminA, root.id)).toMatchObject({ allow_leaf_certs: true });
    });

    it('gives an intermediate without path_length its parent pathLen minus one, down to 0', async () => {
      const root = await createRootCa(testApp, adminA, {
        name: 'PathLen Root',
        key_type: 'ec',
        path_length: 2,
      });
      expect(root.path_length).toBe(2);
      expect(x509Extension(x509Text(ssl, root.certificate), 'X509v3 Basic Constraints')?.value).toBe(
        'CA:TRUE, pathlen:2',
      );
      const child = await createIntermediate(testApp, adminA, root, {
        name: 'PathLen Child',
        key_type: 'ec',
      });
      expect(child.path_length).toBe(1);
      const grandchild = await createIntermediate(testApp, adminA, child, {
        name: 'PathLen Grandchild',
        key_type: 'ec',
      });
      expect(grandchild.path_length).toBe(0);
      expect(x509Extension(x509Text(ssl, grandchild.certificate), 'X509v3 Basic Constraints')).toEqual({
        critical: true,
        value: 'CA:TRUE, pathlen:0',
      });
      ssl.write('pl-root.pem', root.certificate);
      ssl.write('pl-child.pem', child.certificate);
      ssl.write('pl-grandchild.pem', grandchild.certificate);
      expect(
        ssl.run(['verify', '-CAfile', 'pl-root.pem', '-untrusted', 'pl-child.pem', 'pl-grandchild.pem']).ok,
      ).toBe(true);

      const before = await caCount();
      const underZero = await testApp
        .http()
        .post('/api/v1/cas/')
        .set(...bearer(adminA))
        .send({ name: 'Too Deep', subject_dn: 'CN=Too Deep', key_type: 'ec', parent_ca_id: grandchild.id })
        .expect(400);
      expect(underZero.body.detail).toContain('path length 0');
      const explicitUnderZero = await testApp
        .http()
        .post('/api/v1/cas/')
        .set(...bearer(superuser))
        .send({
          name: 'Too Deep',
          subject_dn: 'CN=Too Deep',
          key_type: 'ec',
          parent_ca_id: grandchild.id,
          path_length: 0,
        })
        .expect(400);
      expect(explicitUnderZero.body.detail).toContain('path length 0');
      expect(await caCount()).toBe(before);
      expect(await getCa(adminA, grandchild.id)).toMatchObject({ allow_leaf_certs: true });
    });

    it('refuses a path_length above the parent pathLen minus one with 400', async () => {
      const root = await createRootCa(testApp, adminA, {
        name: 'Bounded Root',
        key_type: 'ec',
        path_length: 2,
      });
      const before = await caCount();
      for (const pathLength of [2, 5]) {
        const response = await testApp
          .http()
          .post('/api/v1/cas/')
          .set(...bearer(adminA))
          .send({
            name: 'Greedy',
            subject_dn: 'CN=Greedy',
            key_type: 'ec',
            parent_ca_id: root.id,
            path_length: pathLength,
          })
          .expect(400);
        expect(response.body.detail).toContain('at most 1');
      }
      expect(await caCount()).toBe(before);
      const lower = await createIntermediate(testApp, adminA, root, {
        name: 'Modest',
        key_type: 'ec',
        path_length: 0,
      });
      expect(lower.path_length).toBe(0);
    });

    it('keeps a requested path_length under a parent without one, and leaves it unlimited when unset', async () => {
      const root = await createRootCa(testApp, adminA, { name: 'Open Root', key_type: 'ec' });
      const bounded = await createIntermediate(testApp, adminA, root, {
        name: 'Open Bounded',
        key_type: 'ec',
        path_length: 3,
      });
      expect(bounded.path_length).toBe(3);
      const open = await createIntermediate(testApp, adminA, root, {
        name: 'Open Child',
        key_type: 'ec',
      });
      expect(open.path_length).toBeNull();
      expect(x509Extension(x509Text(ssl, open.certificate), 'X509v3 Basic Constraints')?.value).toBe(
        'CA:TRUE',
      );
    });

    it("clamps an intermediate's notAfter to its parent's", async () => {
      const root = await createRootCa(testApp, adminA, {
        name: 'Short Root',
        key_type: 'ec',
        valid_days: 30,
      });
      const child = await createIntermediate(testApp, adminA, root, {
        name: 'Long Child',
        key_type: 'ec',
        valid_days: 3650,
      });
      expect(child.not_after).toBe(root.not_after);
      expect(x509Field(ssl, child.certificate, 'enddate')).toBe(x509Field(ssl, root.certificate, 'enddate'));
      expect(await auditRows(testApp, 'ca_create', child.id)).toEqual([
        expect.objectContaining({ detail: expect.objectContaining({ validity_clamped: true }) }),
      ]);
    });
  });

  describe('allow_leaf_certs', () => {
    it('stops allowing leaves when a CA gets a child CA, and allows them again when its last child is deleted', async () => {
      const root = await createRootCa(testApp, adminA, { name: 'Auto Leaf Root', key_type: 'ec' });
      expect(root.allow_leaf_certs).toBe(true);
      await issueCertificate(testApp, adminA, root.id, {
        common_name: 'before.example.com',
        certificate_type: 'server',
        key_type: 'ec',
      });

      const first = await createIntermediate(testApp, adminA, root, {
        name: 'Auto Leaf Child 1',
        key_type: 'ec',
      });
      expect(first.allow_leaf_certs).toBe(true);
      expect(await getCa(adminA, root.id)).toMatchObject({ allow_leaf_certs: false });
      const refused = await testApp
        .http()
        .post(`/api/v1/certificates/?ca_id=${root.id}`)
        .set(...bearer(adminA))
        .send({
          common_name: 'after.example.com',
          subject_dn: 'O=Acme',
          certificate_type: 'server',
          key_type: 'ec',
        })
        .expect(400);
      expect(refused.body.detail).toContain('allow_leaf_certs');

      const second = await createIntermediate(testApp, adminA, root, {
        name: 'Auto Leaf Child 2',
        key_type: 'ec',
      });
      await testApp
        .http()
        .delete(`/api/v1/cas/${first.id}`)
        .set(...bearer(adminA))
        .expect(204);
      expect(await getCa(adminA, root.id)).toMatchObject({ allow_leaf_certs: false });
      await testApp
        .http()
        .delete(`/api/v1/cas/${second.id}`)
        .set(...bearer(adminA))
        .expect(204);
      expect(await getCa(adminA, root.id)).toMatchObject({ allow_leaf_certs: true });
      await issueCertificate(testApp, adminA, root.id, {
        common_name: 'again.example.com',
        certificate_type: 'server',
        key_type: 'ec',
      });
    });

    it('lets an explicit allow_leaf_certs=true win over the automatic rule', async () => {
      const root = await createRootCa(testApp, adminA, {
        name: 'Explicit Yes Root',
        key_type: 'ec',
        allow_leaf_certs: true,
      });
      await createIntermediate(testApp, adminA, root, { name: 'Explicit Yes Child', key_type: 'ec' });
      expect(await getCa(adminA, root.id)).toMatchObject({ allow_leaf_certs: true });
      await issueCertificate(testApp, adminA, root.id, {
        common_name: 'still.example.com',
        certificate_type: 'server',
        key_type: 'ec',
      });
    });

    it('lets an explicit allow_leaf_certs=false win, with and without children', async () => {
      const root = await createRootCa(testApp, adminA, {
        name: 'Explicit No Root',
        key_type: 'ec',
        allow_leaf_certs: false,
      });
      expect(root.allow_leaf_certs).toBe(false);
      const refused = await testApp
        .http()
        .post(`/api/v1/certificates/?ca_id=${root.id}`)
        .set(...bearer(adminA))
        .send({
          common_name: 'never.example.com',
          subject_dn: 'O=Acme',
          certificate_type: 'client',
          key_type: 'ec',
        })
        .expect(400);
      expect(refused.body.detail).toContain('allow_leaf_certs=false');
      const child = await createIntermediate(testApp, adminA, root, {
        name: 'Explicit No Child',
        key_type: 'ec',
      });
      await testApp
        .http()
        .delete(`/api/v1/cas/${child.id}`)
        .set(...bearer(adminA))
        .expect(204);
      expect(await getCa(adminA, root.id)).toMatchObject({ allow_leaf_certs: false });
    });
  });

  describe('GET /cas/ (list)', () => {
    async function listIds(user: TestUser): Promise<number[]> {
      const response = await testApp
        .http()
        .get('/api/v1/cas/')
        .set(...bearer(user))
        .expect(200);
      const items: CaBody[] = response.body;
      for (const item of items) expect(item).not.toHaveProperty('private_key');
      return items.map((item) => item.id).sort((a, b) => a - b);
    }

    async function idsWhere(condition: string, parameters: unknown[]): Promise<number[]> {
      const rows: { id: number }[] = await testApp.dataSource.query(
        `SELECT id FROM certificate_authorities WHERE ${condition} ORDER BY id`,
        parameters,
      );
      return rows.map((row) => row.id);
    }

    it('shows a superuser every CA', async () => {
      const all = await idsWhere('true', []);
      expect(all.length).toBeGreaterThan(5);
      expect(await listIds(superuser)).toEqual(all);
    });

    it("shows admins and members only their organization's CAs", async () => {
      const inA = await idsWhere('organization_id = $1', [orgA]);
      const inB = await idsWhere('organization_id = $1', [orgB]);
      expect(inA.length).toBeGreaterThan(0);
      expect(inB.length).toBeGreaterThan(0);
      expect(await listIds(adminA)).toEqual(inA);
      expect(await listIds(plainA)).toEqual(inA);
      expect(await listIds(adminB)).toEqual(inB);
      expect(await listIds(everyFlagB)).toEqual(inB);
    });

    it('shows a user without an organization only the CAs they created', async () => {
      expect(await listIds(unaffiliated)).toEqual([]);
      const leaver = await createMember(testApp, superuser, orgA, { can_create_ca: true });
      const own = await createRootCa(testApp, leaver, { name: 'Leaver Root', key_type: 'ec' });
      await testApp
        .http()
        .delete(`/api/v1/organizations/${orgA}/users/${leaver.id}`)
        .set(...bearer(superuser))
        .expect(200);
      expect(await listIds(leaver)).toEqual([own.id]);
      expect((await getCa(leaver, own.id)).id).toBe(own.id);
      const [otherInA] = await idsWhere('organization_id = $1 AND id <> $2', [orgA, own.id]);
      await testApp
        .http()
        .get(`/api/v1/cas/${otherInA}`)
        .set(...bearer(leaver))
        .expect(403);
    });

    it('refuses a request without a token with 401', async () => {
      await testApp.http().get('/api/v1/cas/').expect(401);
    });
  });

  describe('GET /cas/{id}', () => {
    let ca: CaBody;

    beforeAll(async () => {
      ca = await createRootCa(testApp, caCreatorA, {
        name: 'Readable Root',
        key_type: 'ec',
        description: 'read me',
      });
    });

    it('returns the CA object without a private key to any member of its organization', async () => {
      for (const user of [plainA, adminA, caCreatorA, superuser]) {
        const body = await getCa(user, ca.id);
        const expected = withoutPrivateKey(ca);
        expect(body).toEqual({ ...expected, updated_at: expect.any(String) });
        expect(body).not.toHaveProperty('private_key');
      }
    });

    it('refuses other organizations and users without one with 403', async () => {
      for (const user of [adminB, everyFlagB, unaffiliated]) {
        const response = await testApp
          .http()
          .get(`/api/v1/cas/${ca.id}`)
          .set(...bearer(user))
          .expect(403);
        expect(response.body.detail).toContain('may not view');
      }
    });

    it('answers 404 for an unknown CA and 400 for an id that is not a number', async () => {
      await testApp
        .http()
        .get('/api/v1/cas/999999')
        .set(...bearer(superuser))
        .expect(404);
      await testApp
        .http()
        .get('/api/v1/cas/abc')
        .set(...bearer(superuser))
        .expect(400);
    });
  });

  describe('GET /cas/{id}/private-key', () => {
    let ca: CaBody;

    beforeAll(async () => {
      ca = await createRootCa(testApp, caCreatorA, { name: 'Key Export Root', key_type: 'ec' });
    });

    it('returns the CA detail with its key to the export capability, an admin of the organization, the creator and a superuser, auditing each', async () => {
      for (const user of [exporterA, adminA, caCreatorA, superuser]) {
        const before = (await auditRows(testApp, 'ca_export_private_key', ca.id)).length;
        const response = await testApp
          .http()
          .get(`/api/v1/cas/${ca.id}/private-key`)
          .set(...bearer(user))
          .expect(200);
        expect(response.body).toMatchObject({ id: ca.id, name: ca.name, certificate: ca.certificate });
        expect(response.body.private_key).toBe(ca.private_key);
        const rows = await auditRows(testApp, 'ca_export_private_key', ca.id);
        expect(rows).toHaveLength(before + 1);
        expect(rows[rows.length - 1]).toEqual({
          action: 'ca_export_private_key',
          user_id: user.id,
          organization_id: orgA,
          resource_type: 'certificate_authority',
          resource_id: ca.id,
          detail: null,
        });
      }
      expect(publicKeyOf(ssl, ca.private_key ?? '')).toBe(publicKeyOf(ssl, ca.certificate));
    });

    it('refuses members without the capability and other organizations with 403, without an audit row', async () => {
      const before = (await auditRows(testApp, 'ca_export_private_key', ca.id)).length;
      for (const user of [plainA, deleterA, certCreatorA, everyFlagB, adminB, unaffiliated]) {
        const response = await testApp
          .http()
          .get(`/api/v1/cas/${ca.id}/private-key`)
          .set(...bearer(user))
          .expect(403);
        expect(response.body).not.toHaveProperty('private_key');
        expect(response.text).not.toContain('PRIVATE KEY');
      }
      expect(await auditRows(testApp, 'ca_export_private_key', ca.id)).toHaveLength(before);
    });

    it('answers 404 for an unknown CA', async () => {
      await testApp
        .http()
        .get('/api/v1/cas/999999/private-key')
        .set(...bearer(superuser))
        .expect(404);
    });
  });

  describe('GET /cas/{id}/chain and /children', () => {
    let root: CaBody;
    let child: CaBody;
    let sibling: CaBody;
    let grandchild: CaBody;

    beforeAll(async () => {
      root = await createRootCa(testApp, adminA, { name: 'Family Root', key_type: 'ec' });
      child = await createIntermediate(testApp, adminA, root, {
        name: 'Family Child',
        key_type: 'ec',
      });
      sibling = await createIntermediate(testApp, adminA, root, {
        name: 'Family Sibling',
        key_type: 'ec',
      });
      grandchild = await createIntermediate(testApp, adminA, child, {
        name: 'Family Grandchild',
        key_type: 'ec',
      });
    });

    it('returns the chain from the CA up to its root, without private keys', async () => {
      const response = await testApp
        .http()
        .get(`/api/v1/cas/${grandchild.id}/chain`)
        .set(...bearer(plainA))
        .expect(200);
      const chain: CaBody[] = response.body;
      expect(chain.map((item) => item.id)).toEqual([grandchild.id, child.id, root.id]);
      expect(chain.map((item) => item.certificate)).toEqual([
        grandchild.certificate,
        child.certificate,
        root.certificate,
      ]);
      for (const item of chain) expect(item).not.toHaveProperty('private_key');
      const rootChain = await testApp
        .http()
        .get(`/api/v1/cas/${root.id}/chain`)
        .set(...bearer(plainA))
        .expect(200);
      expect(rootChain.body.map((item: CaBody) => item.id)).toEqual([root.id]);
    });

    it('returns only the direct children of a CA', async () => {
      const response = await testApp
        .http()
        .get(`/api/v1/cas/${root.id}/children`)
        .set(...bearer(plainA))
        .expect(200);
      const children: CaBody[] = response.body;
      expect(children.map((item) => item.id).sort((a, b) => a - b)).toEqual([child.id, sibling.id]);
      for (const item of children) expect(item).not.toHaveProperty('private_key');
      const fromChild = await testApp
        .http()
        .get(`/api/v1/cas/${child.id}/children`)
        .set(...bearer(plainA))
        .expect(200);
      expect(fromChild.body.map((item: CaBody) => item.id)).toEqual([grandchild.id]);
      const none = await testApp
        .http()
        .get(`/api/v1/cas/${grandchild.id}/children`)
        .set(...bearer(plainA))
        .expect(200);
      expect(none.body).toEqual([]);
    });

    it('refuses other organizations with 403 and answers 404 for an unknown CA', async () => {
      for (const path of ['chain', 'children']) {
        await testApp
          .http()
          .get(`/api/v1/cas/${child.id}/${path}`)
          .set(...bearer(everyFlagB))
          .expect(403);
        await testApp
          .http()
          .get(`/api/v1/cas/${child.id}/${path}`)
          .set(...bearer(unaffiliated))
          .expect(403);
        await testApp
          .http()
          .get(`/api/v1/cas/999999/${path}`)
          .set(...bearer(superuser))
          .expect(404);
      }
    });
  });

  describe('DELETE /cas/{id}', () => {
    it('refuses a CA with child CAs with 409 and deletes nothing', async () => {
      const root = await createRootCa(testApp, adminA, { name: 'Parent To Keep', key_type: 'ec' });
      const child = await createIntermediate(testApp, adminA, root, {
        name: 'Child To Keep',
        key_type: 'ec',
      });
      const response = await testApp
        .http()
        .delete(`/api/v1/cas/${root.id}`)
        .set(...bearer(superuser))
        .expect(409);
      expect(response.body.detail).toContain('child CAs');
      await getCa(adminA, root.id);
      await getCa(adminA, child.id);
      expect(await auditRows(testApp, 'ca_delete', root.id)).toEqual([]);
    });

    it('refuses members without can_delete_ca and other organizations with 403', async () => {
      const ca = await createRootCa(testApp, caCreatorA, { name: 'Not Yours To Delete', key_type: 'ec' });
      for (const user of [plainA, exporterA, certCreatorA, everyFlagB, adminB, unaffiliated]) {
        const response = await testApp
          .http()
          .delete(`/api/v1/cas/${ca.id}`)
          .set(...bearer(user))
          .expect(403);
        expect(response.body.detail).toContain('can_delete_ca');
      }
      await getCa(adminA, ca.id);
      expect(await auditRows(testApp, 'ca_delete', ca.id)).toEqual([]);
    });

    it('deletes a CA with its certificates and CRL state for a member with can_delete_ca, and audits ca_delete', async () => {
      const ca = await createRootCa(testApp, caCreatorA, { name: 'Doomed Root', key_type: 'ec' });
      const first = await issueCertificate(testApp, adminA, ca.id, {
        common_name: 'one.example.com',
        certificate_type: 'server',
        key_type: 'ec',
      });
      await issueCertificate(testApp, adminA, ca.id, {
        common_name: 'two.example.com',
        certificate_type: 'server',
        key_type: 'ec',
      });
      await revokeCertificate(testApp, adminA, first.id, { reason: 'superseded' });
      await testApp
        .http()
        .get(`/api/v1/cas/${ca.id}/crl`)
        .set(...bearer(adminA))
        .expect(200);
      const [{ count: certificatesBefore }] = await testApp.dataSource.query(
        'SELECT count(*)::integer AS count FROM certificates WHERE issuer_id = $1',
        [ca.id],
      );
      expect(certificatesBefore).toBe(2);

      await testApp
        .http()
        .delete(`/api/v1/cas/${ca.id}`)
        .set(...bearer(deleterA))
        .expect(204);

      await testApp
        .http()
        .get(`/api/v1/cas/${ca.id}`)
        .set(...bearer(adminA))
        .expect(404);
      await testApp
        .http()
        .get(`/api/v1/certificates/${first.id}`)
        .set(...bearer(adminA))
        .expect(404);
      const [{ count: certificatesAfter }] = await testApp.dataSource.query(
        'SELECT count(*)::integer AS count FROM certificates WHERE issuer_id = $1',
        [ca.id],
      );
      expect(certificatesAfter).toBe(0);
      expect(await testApp.dataSource.query('SELECT ca_id FROM crl_state WHERE ca_id = $1', [ca.id])).toEqual(
        [],
      );
      expect(await auditRows(testApp, 'ca_delete', ca.id)).toEqual([
        {
          action: 'ca_delete',
          user_id: deleterA.id,
          organization_id: orgA,
          resource_type: 'certificate_authority',
          resource_id: ca.id,
          detail: { name: 'Doomed Root' },
        },
      ]);
    });

    it('lets an admin of the organization and a superuser delete without the flag', async () => {
      const byAdmin = await createRootCa(testApp, caCreatorA, { name: 'Admin Deletes', key_type: 'ec' });
      const bySuperuser = await createRootCa(testApp, everyFlagB, {
        name: 'Superuser Deletes',
        key_type: 'ec',
      });
      await testApp
        .http()
        .delete(`/api/v1/cas/${byAdmin.id}`)
        .set(...bearer(adminA))
        .expect(204);
      await testApp
        .http()
        .delete(`/api/v1/cas/${bySuperuser.id}`)
        .set(...bearer(superuser))
        .expect(204);
      expect(await auditRows(testApp, 'ca_delete', byAdmin.id)).toEqual([
        expect.objectContaining({ user_id: adminA.id }),
      ]);
      expect(await auditRows(testApp, 'ca_delete', bySuperuser.id)).toEqual([
        expect.objectContaining({ user_id: superuser.id, organization_id: orgB }),
      ]);
    });

    it('answers 404 for an unknown CA, and 404 for a CA already deleted', async () => {
      await testApp
        .http()
        .delete('/api/v1/cas/999999')
        .set(...bearer(superuser))
        .expect(404);
      const ca = await createRootCa(testApp, adminA, { name: 'Deleted Twice', key_type: 'ec' });
      await testApp
        .http()
        .delete(`/api/v1/cas/${ca.id}`)
        .set(...bearer(adminA))
        .expect(204);
      await testApp
        .http()
        .delete(`/api/v1/cas/${ca.id}`)
        .set(...bearer(adminA))
        .expect(404);
    });
  });
});
