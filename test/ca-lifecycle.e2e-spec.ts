import {
  createAdmin,
  createIntermediate,
  createMember,
  createRootCa,
  createSuperuser,
} from './support/fixtures';
import {
  auditEntries,
  caExtensions,
  createPendingCa,
  crlReason,
  crlSerials,
  EC_P256,
  getText,
  leafExtensions,
  LifecycleCaBody,
  metricValue,
  normalSerial,
  OutsideCa,
  outsideIssuer,
  outsideRoot,
  opensslVerify,
  patchCa,
  signOutside,
  submitRequest,
  writePem,
} from './support/notary';
import { OpensslWorkspace } from './support/openssl';
import {
  CaBody,
  fetchCrl,
  issueCertificate,
  publicKeyOf,
  x509Extension,
  x509Field,
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

describe('CA lifecycle: pending CAs, signing, upload, enable/disable, revocation', () => {
  let testApp: TestApp;
  const ssl = new OpensslWorkspace();
  let superuser: TestUser;
  let orgA: number;
  let orgB: number;
  let adminA: TestUser;
  let caCreatorA: TestUser;
  let certCreatorA: TestUser;
  let revokerA: TestUser;
  let plainA: TestUser;
  let adminB: TestUser;
  let everyFlagB: TestUser;
  /** Org A: a root with path length 2; org B: a root. */
  let rootA: CaBody;
  let rootB: CaBody;
  let outside: OutsideCa;
  let impostor: OutsideCa;
  let csrCounter = 0;

  beforeAll(async () => {
    testApp = await startTestApp();
    superuser = await createSuperuser(testApp);
    orgA = await createOrganization(testApp, superuser, 'Lifecycle Org A');
    orgB = await createOrganization(testApp, superuser, 'Lifecycle Org B');
    adminA = await createAdmin(testApp, superuser, orgA);
    caCreatorA = await createMember(testApp, superuser, orgA, { can_create_ca: true });
    certCreatorA = await createMember(testApp, superuser, orgA, { can_create_cert: true });
    revokerA = await createMember(testApp, superuser, orgA, { can_revoke_cert: true });
    plainA = await createMember(testApp, superuser, orgA);
    adminB = await createAdmin(testApp, superuser, orgB);
    everyFlagB = await createMember(testApp, superuser, orgB, { ...EVERY_CAPABILITY });
    rootA = await createRootCa(testApp, adminA, { name: 'Lifecycle Root A', key_type: 'ec', path_length: 2 });
    rootB = await createRootCa(testApp, adminB, { name: 'Lifecycle Root B', key_type: 'ec' });
    outside = outsideRoot(ssl, '/O=Elsewhere/CN=Lifecycle Outside Root');
    impostor = outsideRoot(ssl, '/O=Elsewhere/CN=Lifecycle Outside Root');
  });

  afterAll(async () => {
    await testApp.close();
    ssl.dispose();
  });

  async function getCa(user: TestUser, id: number): Promise<LifecycleCaBody> {
    const response = await testApp
      .http()
      .get(`/api/v1/cas/${id}`)
      .set(...bearer(user))
      .expect(200);
    return response.body;
  }

  async function caCount(): Promise<number> {
    const [row]: { count: number }[] = await testApp.dataSource.query(
      'SELECT count(*)::integer AS count FROM certificate_authorities',
    );
    return row.count;
  }

  async function certificateCount(): Promise<number> {
    const [row]: { count: number }[] = await testApp.dataSource.query(
      'SELECT count(*)::integer AS count FROM certificates',
    );
    return row.count;
  }

  async function audit(action: string, resourceId: number) {
    return auditEntries(testApp, superuser, action, resourceId);
  }

  function auditRow(action: string, user: TestUser, resourceId: number) {
    return {
      action,
      user_id: user.id,
      organization_id: orgA,
      resource_type: 'certificate_authority',
      resource_id: resourceId,
    };
  }

  /** Calls a CA endpoint and expects `status`; returns the response body. */
  async function call(
    user: TestUser,
    method: 'get' | 'post' | 'patch',
    path: string,
    status: number,
    body?: Record<string, unknown>,
  ): Promise<{ detail?: string } & Partial<LifecycleCaBody>> {
    const url = `/api/v1/${path}`;
    const started =
      method === 'get'
        ? testApp.http().get(url)
        : method === 'post'
          ? testApp.http().post(url)
          : testApp.http().patch(url);
    started.set(...bearer(user));
    const response = body === undefined ? await started : await started.send(body);
    expect({ user: user.username, method, path, body, status: response.status }).toEqual({
      user: user.username,
      method,
      path,
      body,
      status,
    });
    if (status >= 400) expect(response.body.detail).toEqual(expect.any(String));
    return response.body;
  }

  async function detailOf(
    user: TestUser,
    method: 'get' | 'post' | 'patch',
    path: string,
    status: number,
    body?: Record<string, unknown>,
  ): Promise<string> {
    return String((await call(user, method, path, status, body)).detail);
  }

  function newCsr(host: string): string {
    csrCounter += 1;
    return ssl.csr(`lifecycle-${csrCounter}`, EC_P256, `/O=Acme/CN=${host}`, [`subjectAltName=DNS:${host}`])
      .csr;
  }

  /** The refusals of every way to have `ca` sign something, each 400 with `message`. */
  async function expectSignsNothing(ca: { id: number }, message: RegExp): Promise<void> {
    const certificatesBefore = await certificateCount();
    const issue = await detailOf(adminA, 'post', `certificates/?ca_id=${ca.id}`, 400, {
      common_name: 'refused.acme.example',
      subject_dn: 'O=Acme',
      certificate_type: 'server',
      key_type: 'ec',
    });
    expect({ via: 'issue', issue }).toEqual({ via: 'issue', issue: expect.stringMatching(message) });
    const signCsr = await detailOf(adminA, 'post', 'certificates/sign-csr', 400, {
      csr: newCsr('refused-csr.acme.example'),
      ca_id: ca.id,
      certificate_type: 'server',
    });
    expect({ via: 'sign-csr', signCsr }).toEqual({
      via: 'sign-csr',
      signCsr: expect.stringMatching(message),
    });
    const request = await submitRequest(testApp, adminA, { csr: newCsr('refused-request.acme.example') });
    const requestSign = await detailOf(adminA, 'post', `certificate-requests/${request.id}/sign`, 400, {
      ca_id: ca.id,
    });
    expect({ via: 'request sign', requestSign }).toEqual({
      via: 'request sign',
      requestSign: expect.stringMatching(message),
    });
    const child = await createPendingCa(testApp, adminA, { name: `Refused Child ${csrCounter}` });
    const childSign = await detailOf(adminA, 'post', `cas/${child.id}/sign`, 400, { parent_ca_id: ca.id });
    expect({ via: 'pending child', childSign }).toEqual({
      via: 'pending child',
      childSign: expect.stringMatching(message),
    });
    expect(await certificateCount()).toBe(certificatesBefore);
    expect((await getCa(adminA, child.id)).status).toBe('pending');
  }

  describe('POST /cas/ with pending: true', () => {
    it('creates a pending CA: status pending, a CSR for a CA, its private key, no certificate', async () => {
      const response = await testApp
        .http()
        .post('/api/v1/cas/')
        .set(...bearer(caCreatorA))
        .send({
          name: 'Pending Alpha',
          subject_dn: 'CN=Pending Alpha,O=Acme,C=US',
          key_type: 'ec',
          path_length: 0,
          description: 'awaiting a signature',
          pending: true,
        })
        .expect(201);
      const ca: LifecycleCaBody = response.body;
      expect(ca).toMatchObject({
        name: 'Pending Alpha',
        description: 'awaiting a signature',
        subject_dn: 'CN=Pending Alpha,O=Acme,C=US',
        key_type: 'ec',
        key_size: 256,
        status: 'pending',
        certificate: null,
        serial_number: null,
        not_before: null,
        not_after: null,
        is_root: false,
        parent_ca_id: null,
        path_length: 0,
        organization_id: orgA,
        created_by_user_id: caCreatorA.id,
      });
      expect(ca.csr).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n/);
      expect(ca.private_key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      const csr = ca.csr ?? '';
      const file = writePem(ssl, csr, 'pending-csr');
      const text = ssl.run(['req', '-in', file, '-noout', '-text', '-verify']);
      expect(text.ok).toBe(true);
      expect(text.output).toContain('verify OK');
      expect(x509Extension(text.output, 'X509v3 Basic Constraints')?.value).toBe('CA:TRUE, pathlen:0');
      expect(x509Extension(text.output, 'X509v3 Key Usage')?.value).toMatch(/Certificate Sign, CRL Sign/);
      expect(ssl.run(['req', '-in', file, '-noout', '-subject', '-nameopt', 'RFC2253']).output.trim()).toBe(
        'subject=CN=Pending Alpha,O=Acme,C=US',
      );
      expect(publicKeyOf(ssl, csr)).toBe(publicKeyOf(ssl, ca.private_key ?? ''));

      const fetched = await getCa(plainA, ca.id);
      expect(fetched).toMatchObject({ status: 'pending', certificate: null });
      expect(fetched).not.toHaveProperty('private_key');
      const download = await getText(testApp, `/api/v1/cas/${ca.id}/csr`, plainA);
      expect(download.status).toBe(200);
      expect(download.text.trim()).toBe(csr.trim());
    });

    it('creates a pending RSA CA whose CSR says CA:TRUE without a path length', async () => {
      const ca = await createPendingCa(testApp, adminA, {
        name: 'Pending RSA',
        key_type: 'rsa',
        key_size: 2048,
      });
      expect(ca).toMatchObject({ status: 'pending', key_type: 'rsa', key_size: 2048, path_length: null });
      const text = ssl.run(['req', '-in', writePem(ssl, ca.csr ?? '', 'rsa-csr'), '-noout', '-text']).output;
      expect(text).toContain('Public-Key: (2048 bit)');
      expect(x509Extension(text, 'X509v3 Basic Constraints')?.value).toBe('CA:TRUE');
    });

    it('refuses pending together with parent_ca_id with 400 and creates nothing', async () => {
      const before = await caCount();
      await detailOf(adminA, 'post', 'cas/', 400, {
        name: 'Pending With Parent',
        subject_dn: 'CN=Pending With Parent',
        key_type: 'ec',
        pending: true,
        parent_ca_id: rootA.id,
      });
      await detailOf(adminA, 'post', 'cas/', 400, {
        name: 'Pending Wrong Type',
        subject_dn: 'CN=Pending Wrong Type',
        key_type: 'ec',
        pending: 'yes',
      });
      expect(await caCount()).toBe(before);
    });

    it('answers 404 for the CSR of a CA created directly or unknown, and 403 to other organizations', async () => {
      const pending = await createPendingCa(testApp, adminA, { name: 'Pending Private CSR' });
      expect((await getText(testApp, `/api/v1/cas/${rootA.id}/csr`, adminA)).status).toBe(404);
      expect((await getText(testApp, '/api/v1/cas/999999/csr', superuser)).status).toBe(404);
      for (const user of [everyFlagB, adminB]) {
        expect((await getText(testApp, `/api/v1/cas/${pending.id}/csr`, user)).status).toBe(403);
      }
      expect((await getText(testApp, `/api/v1/cas/${pending.id}/csr`)).status).toBe(401);
    });

    it('answers refusals of the CA CSR download as JSON {"detail": …}, like every other error', async () => {
      const pending = await createPendingCa(testApp, adminA, { name: 'Pending JSON Errors' });
      for (const [user, path, status] of [
        [superuser, '/api/v1/cas/999999/csr', 404],
        [adminA, `/api/v1/cas/${rootA.id}/csr`, 404],
        [adminB, `/api/v1/cas/${pending.id}/csr`, 403],
      ] as const) {
        const response = await testApp
          .http()
          .get(path)
          .set(...bearer(user));
        expect({ path, status: response.status, contentType: response.headers['content-type'] }).toEqual({
          path,
          status,
          contentType: expect.stringMatching(/^application\/json/),
        });
        expect(response.body).toEqual({ detail: expect.any(String) });
      }
    });

    it('lists a pending CA with its status and no certificate, without its private key', async () => {
      const pending = await createPendingCa(testApp, adminA, { name: 'Pending Listed' });
      const response = await testApp
        .http()
        .get('/api/v1/cas/')
        .set(...bearer(plainA))
        .expect(200);
      const listed = (response.body as LifecycleCaBody[]).find((item) => item.id === pending.id);
      expect(listed).toMatchObject({ status: 'pending', certificate: null });
      expect(listed).not.toHaveProperty('private_key');
      expect(response.text).not.toContain('PRIVATE KEY');
    });

    it('refuses to issue, sign a CSR, sign a request or sign a child under a pending CA (400), and publishes nothing', async () => {
      const pending = await createPendingCa(testApp, adminA, { name: 'Pending Silent' });
      await expectSignsNothing(pending, new RegExp(`CA ${pending.id} is pending`));
      await detailOf(adminA, 'post', 'cas/', 400, {
        name: 'Under Pending',
        subject_dn: 'CN=Under Pending',
        key_type: 'ec',
        parent_ca_id: pending.id,
      });
      const crlPath = new URL(pending.crl_url).pathname;
      const certificatePath = new URL(pending.certificate_url).pathname;
      for (const path of [
        crlPath,
        `${crlPath}.pem`,
        certificatePath,
        certificatePath.replace(/\.crt$/, '.pem'),
      ]) {
        expect({ path, status: (await getText(testApp, path)).status }).toEqual({ path, status: 404 });
      }
      const crl = await getText(testApp, `/api/v1/cas/${pending.id}/crl`, adminA);
      expect([404, 409]).toContain(crl.status);
      expect(crl.text).not.toContain('BEGIN X509 CRL');
    });
  });

  describe('POST /cas/{id}/sign (a pending CA signed by one of ours)', () => {
    let rootP0: CaBody;
    let rootP1: CaBody;

    beforeAll(async () => {
      rootP0 = await createRootCa(testApp, adminA, {
        name: 'Path Zero Root',
        key_type: 'ec',
        path_length: 0,
      });
      rootP1 = await createRootCa(testApp, adminA, { name: 'Path One Root', key_type: 'ec', path_length: 1 });
    });

    it('signs a pending CA with its parent: active, parent_ca_id set, openssl verifies it, and it issues', async () => {
      const pending = await createPendingCa(testApp, caCreatorA, {
        name: 'Signed Child',
        subject_dn: 'CN=Signed Child,O=Acme',
        path_length: 0,
      });
      const response = await testApp
        .http()
        .post(`/api/v1/cas/${pending.id}/sign`)
        .set(...bearer(caCreatorA))
        .send({ parent_ca_id: rootA.id, valid_days: 400 })
        .expect(200);
      const signed: LifecycleCaBody = response.body;
      expect(signed).toMatchObject({
        id: pending.id,
        status: 'active',
        parent_ca_id: rootA.id,
        is_root: false,
        path_length: 0,
        serial_number: expect.stringMatching(/^[0-9a-f]+$/),
        not_before: expect.any(String),
        not_after: expect.any(String),
        revoked_at: null,
      });
      const certificate = signed.certificate ?? '';
      expect(certificate).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
      expect((Date.parse(signed.not_after ?? '') - Date.parse(signed.not_before ?? '')) / 86_400_000).toBe(
        400,
      );
      expect(opensslVerify(ssl, rootA.certificate, certificate)).toEqual({
        ok: true,
        output: expect.stringContaining('OK'),
      });
      const text = x509Text(ssl, certificate);
      expect(x509Extension(text, 'X509v3 Basic Constraints')).toEqual({
        critical: true,
        value: 'CA:TRUE, pathlen:0',
      });
      expect(x509Field(ssl, certificate, 'issuer', ['-nameopt', 'RFC2253'])).toBe(
        'issuer=CN=Lifecycle Root A,O=Acme',
      );
      expect(x509Field(ssl, certificate, 'subject', ['-nameopt', 'RFC2253'])).toBe(
        'subject=CN=Signed Child,O=Acme',
      );
      expect(publicKeyOf(ssl, certificate)).toBe(publicKeyOf(ssl, pending.private_key ?? ''));
      expect(normalSerial(x509Field(ssl, certificate, 'serial'))).toBe(
        normalSerial(signed.serial_number ?? ''),
      );
      expect(await getCa(plainA, pending.id)).toMatchObject({
        status: 'active',
        parent_ca_id: rootA.id,
        certificate,
      });

      const chain = await testApp
        .http()
        .get(`/api/v1/cas/${pending.id}/chain`)
        .set(...bearer(plainA))
        .expect(200);
      expect(chain.body.map((item: CaBody) => item.id)).toEqual([pending.id, rootA.id]);
      expect((await getText(testApp, new URL(signed.crl_url).pathname)).status).toBe(200);
      const leaf = await issueCertificate(testApp, adminA, pending.id, {
        common_name: 'under-signed-child.acme.example',
        certificate_type: 'server',
        key_type: 'ec',
      });
      expect(opensslVerify(ssl, rootA.certificate, leaf.certificate, certificate).ok).toBe(true);
      expect(await audit('ca_sign', pending.id)).toEqual([auditRow('ca_sign', caCreatorA, pending.id)]);

      expect(
        await detailOf(caCreatorA, 'post', `cas/${pending.id}/sign`, 409, { parent_ca_id: rootA.id }),
      ).toMatch(/\bactive\b/);
      expect(
        await detailOf(adminA, 'post', `cas/${rootA.id}/sign`, 409, { parent_ca_id: rootP1.id }),
      ).toMatch(/\bactive\b/);
      expect(await audit('ca_sign', pending.id)).toHaveLength(1);
    });

    it('lets exactly one of two concurrent signatures of a pending CA succeed', async () => {
      const pending = await createPendingCa(testApp, adminA, { name: 'Raced Pending', path_length: 0 });
      const attempts = await Promise.all(
        [adminA, caCreatorA].map((user) =>
          testApp
            .http()
            .post(`/api/v1/cas/${pending.id}/sign`)
            .set(...bearer(user))
            .send({ parent_ca_id: rootA.id }),
        ),
      );
      expect(attempts.map((attempt) => attempt.status).sort()).toEqual([200, 409]);
      const winner = attempts.find((attempt) => attempt.status === 200)?.body as LifecycleCaBody;
      expect((await getCa(adminA, pending.id)).serial_number).toBe(winner.serial_number);
      expect(await audit('ca_sign', pending.id)).toHaveLength(1);
    });

    it("clamps the signed CA's notAfter to its parent's notAfter", async () => {
      const shortRoot = await createRootCa(testApp, adminA, {
        name: 'Short Root',
        key_type: 'ec',
        valid_days: 30,
      });
      const pending = await createPendingCa(testApp, adminA, { name: 'Long Child' });
      const signed = await call(adminA, 'post', `cas/${pending.id}/sign`, 200, {
        parent_ca_id: shortRoot.id,
        valid_days: 400,
      });
      expect(Date.parse(signed.not_after ?? '')).toBeLessThanOrEqual(Date.parse(shortRoot.not_after));
      expect(opensslVerify(ssl, shortRoot.certificate, signed.certificate ?? '').ok).toBe(true);
    });

    it('deletes a pending CA like any other (204, then 404)', async () => {
      const pending = await createPendingCa(testApp, adminA, { name: 'Pending Deleted' });
      await testApp
        .http()
        .delete(`/api/v1/cas/${pending.id}`)
        .set(...bearer(adminA))
        .expect(204);
      await testApp
        .http()
        .get(`/api/v1/cas/${pending.id}`)
        .set(...bearer(adminA))
        .expect(404);
      expect((await getText(testApp, `/api/v1/cas/${pending.id}/csr`, adminA)).status).toBe(404);
    });

    it('answers 404 for an unknown parent or CA and 400 for a bad body', async () => {
      const pending = await createPendingCa(testApp, adminA, { name: 'Sign Not Found' });
      expect(
        await detailOf(adminA, 'post', `cas/${pending.id}/sign`, 404, { parent_ca_id: 999999 }),
      ).toContain('999999');
      await detailOf(adminA, 'post', 'cas/999999/sign', 404, { parent_ca_id: rootA.id });
      for (const body of [{}, { parent_ca_id: 'one' }, { parent_ca_id: rootA.id, valid_days: 'ten' }]) {
        await detailOf(adminA, 'post', `cas/${pending.id}/sign`, 400, body);
      }
      expect(await getCa(adminA, pending.id)).toMatchObject({ status: 'pending', certificate: null });
    });

    it('refuses callers without can_create_ca on the parent or the CA with 403', async () => {
      const pending = await createPendingCa(testApp, adminA, { name: 'Sign Forbidden' });
      for (const user of [certCreatorA, revokerA, plainA, everyFlagB, adminB]) {
        await detailOf(user, 'post', `cas/${pending.id}/sign`, 403, { parent_ca_id: rootA.id });
      }
      await detailOf(caCreatorA, 'post', `cas/${pending.id}/sign`, 403, { parent_ca_id: rootB.id });
      await detailOf(everyFlagB, 'post', `cas/${pending.id}/sign`, 403, { parent_ca_id: rootB.id });
      expect(await getCa(adminA, pending.id)).toMatchObject({
        status: 'pending',
        certificate: null,
        parent_ca_id: null,
      });
      expect(await audit('ca_sign', pending.id)).toEqual([]);
    });

    it('refuses a parent in another organization with 400, even for a superuser, and the CA stays pending', async () => {
      const pending = await createPendingCa(testApp, adminA, { name: 'Cross Organization Pending' });
      expect(
        await detailOf(superuser, 'post', `cas/${pending.id}/sign`, 400, { parent_ca_id: rootB.id }),
      ).toMatch(/another organization/);
      expect(await getCa(adminA, pending.id)).toMatchObject({
        status: 'pending',
        certificate: null,
        parent_ca_id: null,
      });
      expect(await audit('ca_sign', pending.id)).toEqual([]);
      expect(crlSerials(ssl, await fetchCrl(testApp, adminB, rootB.id))).toEqual([]);
      // The same superuser may sign it with a parent of its own organization.
      const signed = await call(superuser, 'post', `cas/${pending.id}/sign`, 200, { parent_ca_id: rootA.id });
      expect(signed).toMatchObject({ status: 'active', parent_ca_id: rootA.id });
    });

    it('refuses a disabled or pending parent with 400', async () => {
      const pending = await createPendingCa(testApp, adminA, { name: 'Sign Inactive Parent' });
      const disabled = await createRootCa(testApp, adminA, { name: 'Disabled Parent', key_type: 'ec' });
      await patchCa(testApp, adminA, disabled.id, { enabled: false });
      expect(
        await detailOf(adminA, 'post', `cas/${pending.id}/sign`, 400, { parent_ca_id: disabled.id }),
      ).toMatch(/disabled/);
      const pendingParent = await createPendingCa(testApp, adminA, { name: 'Pending Parent' });
      expect(
        await detailOf(adminA, 'post', `cas/${pending.id}/sign`, 400, { parent_ca_id: pendingParent.id }),
      ).toMatch(/pending/);
      expect(await getCa(adminA, pending.id)).toMatchObject({ status: 'pending', certificate: null });
    });

    it('refuses what the path length rules forbid with 400, and signs what they allow', async () => {
      const leafOnly = await createPendingCa(testApp, adminA, { name: 'Under Path Zero', path_length: 0 });
      await detailOf(adminA, 'post', `cas/${leafOnly.id}/sign`, 400, { parent_ca_id: rootP0.id });
      for (const pathLength of [1, 2]) {
        const tooDeep = await createPendingCa(testApp, adminA, {
          name: `Too Deep ${pathLength}`,
          path_length: pathLength,
        });
        await detailOf(adminA, 'post', `cas/${tooDeep.id}/sign`, 400, { parent_ca_id: rootP1.id });
        expect((await getCa(adminA, tooDeep.id)).status).toBe('pending');
      }
      const allowed = await call(adminA, 'post', `cas/${leafOnly.id}/sign`, 200, { parent_ca_id: rootP1.id });
      expect(allowed).toMatchObject({ status: 'active', parent_ca_id: rootP1.id, path_length: 0 });
    });
  });

  describe('POST /cas/{id}/certificate (a pending CA signed outside)', () => {
    it('accepts a CA certificate and its issuer: active, signed externally, fields from the certificate, audited', async () => {
      const pending = await createPendingCa(testApp, caCreatorA, { name: 'Uploaded CA' });
      const csr = (await getText(testApp, `/api/v1/cas/${pending.id}/csr`, caCreatorA)).text;
      const certificate = signOutside(ssl, outside, csr, caExtensions(1), 200).certificate;
      const chain = certificate + outside.certificate;
      const uploaded = await call(caCreatorA, 'post', `cas/${pending.id}/certificate`, 200, {
        certificate_chain: chain,
      });
      expect(uploaded).toMatchObject({
        id: pending.id,
        status: 'active',
        signed_externally: true,
        path_length: 1,
        parent_ca_id: null,
        revoked_at: null,
      });
      expect(uploaded.certificate?.trim()).toBe(certificate.trim());
      expect(uploaded.issuer_chain?.trim()).toBe(outside.certificate.trim());
      expect(normalSerial(uploaded.serial_number ?? '')).toBe(
        normalSerial(x509Field(ssl, certificate, 'serial')),
      );
      expect(Date.parse(uploaded.not_after ?? '')).toBe(
        Date.parse(x509Field(ssl, certificate, 'enddate').replace('notAfter=', '')),
      );
      expect(Date.parse(uploaded.not_before ?? '')).toBe(
        Date.parse(x509Field(ssl, certificate, 'startdate').replace('notBefore=', '')),
      );
      const fingerprint = x509Field(ssl, certificate, 'fingerprint', ['-sha256']).split('=')[1];
      expect((uploaded.fingerprint_sha256 ?? '').replace(/:/g, '').toLowerCase()).toBe(
        fingerprint.replace(/:/g, '').toLowerCase(),
      );
      expect(await getCa(plainA, pending.id)).toMatchObject({
        status: 'active',
        certificate: uploaded.certificate,
      });
      expect(await audit('ca_upload_certificate', pending.id)).toEqual([
        auditRow('ca_upload_certificate', caCreatorA, pending.id),
      ]);
      expect(
        await detailOf(caCreatorA, 'post', `cas/${pending.id}/certificate`, 409, {
          certificate_chain: chain,
        }),
      ).toMatch(/\bactive\b/);
      expect(
        await detailOf(adminA, 'post', `cas/${rootA.id}/certificate`, 409, {
          certificate_chain: rootA.certificate,
        }),
      ).toMatch(/\bactive\b/);

      // The path length read from the uploaded certificate governs the CAs under it.
      const child = await createIntermediate(testApp, caCreatorA, pending, {
        name: 'Under Uploaded',
        key_type: 'ec',
      });
      expect(child.path_length).toBe(0);
      expect(opensslVerify(ssl, outside.certificate, child.certificate, certificate).ok).toBe(true);
      await detailOf(caCreatorA, 'post', 'cas/', 400, {
        name: 'Too Deep Under Uploaded',
        subject_dn: 'CN=Too Deep Under Uploaded',
        key_type: 'ec',
        parent_ca_id: pending.id,
        path_length: 1,
      });
    });

    it('refuses another key, a certificate that is not a CA, a broken chain, an expired certificate and non-certificates with 400', async () => {
      const pending = await createPendingCa(testApp, adminA, { name: 'Upload Refusals' });
      const csr = pending.csr ?? '';
      const good = signOutside(ssl, outside, csr, caExtensions()).certificate;
      const other = await createPendingCa(testApp, adminA, { name: 'Upload Other Key' });
      const otherKey = signOutside(ssl, outside, other.csr ?? '', caExtensions()).certificate;
      // The private key came back at creation, so the same key can be certified as a leaf outside.
      const notCa = signOutside(ssl, outside, csr, leafExtensions('not-a-ca.acme.example')).certificate;
      const expired = signOutside(ssl, outside, csr, caExtensions(), -1).certificate;
      // Never echoed back: a line from the middle of the private key.
      const keyLine = (pending.private_key ?? '').split('\n')[2];
      const cases: [string, string][] = [
        ['a certificate for another key', otherKey + outside.certificate],
        ['a certificate without cA=TRUE', notCa + outside.certificate],
        ['an impostor issuer with the same name', good + impostor.certificate],
        ['an unrelated issuer', good + rootA.certificate],
        ['the issuer first', outside.certificate + good],
        ['an expired certificate', expired + outside.certificate],
        ['a private key after the certificate', good + (pending.private_key ?? '')],
        ['a CSR after the certificate', good + csr],
        ['garbage', 'not a chain at all'],
        ['an empty chain', ''],
      ];
      for (const [label, chain] of cases) {
        const response = await testApp
          .http()
          .post(`/api/v1/cas/${pending.id}/certificate`)
          .set(...bearer(adminA))
          .send({ certificate_chain: chain });
        expect({ label, status: response.status }).toEqual({ label, status: 400 });
        expect(response.body.detail).toEqual(expect.any(String));
        expect(response.text).not.toContain('-----BEGIN PRIVATE KEY-----');
        expect(response.text).not.toContain(keyLine);
      }
      for (const body of [{}, { certificate_chain: 5 }]) {
        await detailOf(adminA, 'post', `cas/${pending.id}/certificate`, 400, body);
      }
      expect(await getCa(adminA, pending.id)).toMatchObject({ status: 'pending', certificate: null });
      expect(await audit('ca_upload_certificate', pending.id)).toEqual([]);
      const accepted = await call(adminA, 'post', `cas/${pending.id}/certificate`, 200, {
        certificate_chain: good + outside.certificate,
      });
      expect(accepted.status).toBe('active');
    });

    /** Uploads `chain` for `pending`, expects 400 and returns the detail; the CA must stay pending. */
    async function refusedUpload(pending: LifecycleCaBody, label: string, chain: string): Promise<string> {
      const response = await testApp
        .http()
        .post(`/api/v1/cas/${pending.id}/certificate`)
        .set(...bearer(adminA))
        .send({ certificate_chain: chain });
      expect({ label, status: response.status }).toEqual({ label, status: 400 });
      expect(response.body).toEqual({ detail: expect.any(String) });
      expect(await getCa(adminA, pending.id)).toMatchObject({ status: 'pending', certificate: null });
      return String(response.body.detail);
    }

    it('refuses a CA certificate under an outside intermediate with pathlen:0 with 400 naming pathLenConstraint', async () => {
      const pending = await createPendingCa(testApp, adminA, { name: 'Under Outside Path Zero' });
      const pathZero = outsideIssuer(
        ssl,
        outside,
        '/O=Elsewhere/CN=Lifecycle Outside Path Zero',
        caExtensions(0),
      );
      const certificate = signOutside(ssl, pathZero, pending.csr ?? '', caExtensions()).certificate;
      // openssl agrees that nothing the CA would sign validates: a leaf under it breaks the path length.
      const ownKey = writePem(ssl, pending.private_key ?? '', 'path-zero-key');
      const leaf = signOutside(
        ssl,
        { certificate, certPath: writePem(ssl, certificate, 'path-zero-ca'), keyPath: ownKey },
        newCsr('under-path-zero.acme.example'),
        leafExtensions('under-path-zero.acme.example'),
      ).certificate;
      const verified = opensslVerify(ssl, outside.certificate, leaf, certificate + pathZero.certificate);
      expect(verified.ok).toBe(false);
      expect(verified.output).toMatch(/path length constraint exceeded/);

      for (const [label, chain] of [
        ['with the outside root', certificate + pathZero.certificate + outside.certificate],
        ['without the outside root', certificate + pathZero.certificate],
      ]) {
        expect({ label, detail: await refusedUpload(pending, label, chain) }).toEqual({
          label,
          detail: expect.stringMatching(/pathLenConstraint/),
        });
      }
      expect(await audit('ca_upload_certificate', pending.id)).toEqual([]);
    });

    it('refuses a CA certificate whose keyUsage lacks keyCertSign or cRLSign with 400', async () => {
      const pending = await createPendingCa(testApp, adminA, { name: 'Upload Key Usage' });
      const withUsage = (usage: string) =>
        signOutside(ssl, outside, pending.csr ?? '', [
          'basicConstraints=critical,CA:TRUE',
          `keyUsage=critical,${usage}`,
          'subjectKeyIdentifier=hash',
          'authorityKeyIdentifier=keyid',
        ]).certificate;
      for (const [label, certificate] of [
        ['no keyCertSign', withUsage('digitalSignature,cRLSign')],
        ['no cRLSign', withUsage('digitalSignature,keyCertSign')],
      ]) {
        expect(x509Extension(x509Text(ssl, certificate), 'X509v3 Basic Constraints')?.value).toBe('CA:TRUE');
        expect({
          label,
          detail: await refusedUpload(pending, label, certificate + outside.certificate),
        }).toEqual({ label, detail: expect.stringMatching(/keyUsage/) });
      }
      expect(await audit('ca_upload_certificate', pending.id)).toEqual([]);
      const accepted = await call(adminA, 'post', `cas/${pending.id}/certificate`, 200, {
        certificate_chain: withUsage('keyCertSign,cRLSign') + outside.certificate,
      });
      expect(accepted.status).toBe('active');
    });

    it('refuses a chain in which an issuer is not a CA or may not sign certificates with 400', async () => {
      const pending = await createPendingCa(testApp, adminA, { name: 'Upload Issuer Not CA' });
      const posing = outsideIssuer(
        ssl,
        outside,
        '/O=Elsewhere/CN=Lifecycle Posing Issuer',
        leafExtensions('posing.elsewhere.example'),
      );
      const underPosing = signOutside(ssl, posing, pending.csr ?? '', caExtensions()).certificate;
      for (const [label, chain] of [
        ['a CA:FALSE issuer and its root', underPosing + posing.certificate + outside.certificate],
        ['a CA:FALSE issuer alone', underPosing + posing.certificate],
      ]) {
        expect({ label, detail: await refusedUpload(pending, label, chain) }).toEqual({
          label,
          detail: expect.stringMatching(/certificate 2 is not a CA certificate/i),
        });
      }
      const signsCrlsOnly = outsideIssuer(ssl, outside, '/O=Elsewhere/CN=Lifecycle CRL Signer', [
        'basicConstraints=critical,CA:TRUE',
        'keyUsage=critical,digitalSignature,cRLSign',
      ]);
      const underCrlSigner = signOutside(ssl, signsCrlsOnly, pending.csr ?? '', caExtensions()).certificate;
      expect(
        await refusedUpload(
          pending,
          'an issuer without keyCertSign',
          underCrlSigner + signsCrlsOnly.certificate + outside.certificate,
        ),
      ).toMatch(/certificate 2 may not sign certificates/i);
      expect(await audit('ca_upload_certificate', pending.id)).toEqual([]);
    });

    it('refuses members without the right and other organizations with 403, and 404 for an unknown CA', async () => {
      const pending = await createPendingCa(testApp, adminA, { name: 'Upload Forbidden' });
      const chain =
        signOutside(ssl, outside, pending.csr ?? '', caExtensions()).certificate + outside.certificate;
      for (const user of [plainA, everyFlagB, adminB]) {
        await detailOf(user, 'post', `cas/${pending.id}/certificate`, 403, { certificate_chain: chain });
      }
      await detailOf(adminA, 'post', 'cas/999999/certificate', 404, { certificate_chain: chain });
      expect((await getCa(adminA, pending.id)).status).toBe('pending');
    });
  });

  describe('PATCH /cas/{id} (enable, disable, description, allow_leaf_certs)', () => {
    it('disables a CA, which then signs nothing but still publishes its CRL and certificate, and re-enables it', async () => {
      const ca = await createRootCa(testApp, caCreatorA, { name: 'Switchable', key_type: 'ec' });
      const disabled = await patchCa(testApp, caCreatorA, ca.id, { enabled: false });
      expect(disabled).toMatchObject({ id: ca.id, status: 'disabled', certificate: ca.certificate });
      expect((await getCa(plainA, ca.id)).status).toBe('disabled');
      expect(await audit('ca_disable', ca.id)).toEqual([auditRow('ca_disable', caCreatorA, ca.id)]);

      await expectSignsNothing(ca, new RegExp(`CA ${ca.id} is disabled`));
      await detailOf(adminA, 'post', 'cas/', 400, {
        name: 'Under Disabled',
        subject_dn: 'CN=Under Disabled',
        key_type: 'ec',
        parent_ca_id: ca.id,
      });

      const crlPath = new URL(ca.crl_url).pathname;
      const crl = await getText(testApp, `${crlPath}.pem`);
      expect(crl.status).toBe(200);
      expect(crl.text).toContain('BEGIN X509 CRL');
      expect((await getText(testApp, crlPath)).status).toBe(200);
      expect(crlSerials(ssl, await fetchCrl(testApp, plainA, ca.id))).toEqual([]);
      const certificatePath = new URL(ca.certificate_url).pathname;
      expect((await getText(testApp, certificatePath)).status).toBe(200);
      expect((await getText(testApp, certificatePath.replace(/\.crt$/, '.pem'))).text).toBe(ca.certificate);

      const enabled = await patchCa(testApp, caCreatorA, ca.id, { enabled: true });
      expect(enabled.status).toBe('active');
      expect(await audit('ca_enable', ca.id)).toEqual([auditRow('ca_enable', caCreatorA, ca.id)]);
      const leaf = await issueCertificate(testApp, certCreatorA, ca.id, {
        common_name: 'after-enable.acme.example',
        certificate_type: 'server',
        key_type: 'ec',
      });
      expect(opensslVerify(ssl, ca.certificate, leaf.certificate).ok).toBe(true);
    });

    it('lets an admin and a superuser enable and disable; refuses members without can_create_ca and other organizations with 403', async () => {
      const ca = await createRootCa(testApp, adminA, { name: 'Guarded Switch', key_type: 'ec' });
      for (const user of [plainA, certCreatorA, revokerA, everyFlagB, adminB]) {
        for (const body of [{ enabled: false }, { description: 'hijacked' }, { allow_leaf_certs: false }]) {
          await detailOf(user, 'patch', `cas/${ca.id}`, 403, body);
        }
      }
      expect(await getCa(adminA, ca.id)).toMatchObject({
        status: 'active',
        description: null,
        allow_leaf_certs: true,
      });
      expect(await audit('ca_disable', ca.id)).toEqual([]);
      expect((await patchCa(testApp, adminA, ca.id, { enabled: false })).status).toBe('disabled');
      expect((await patchCa(testApp, superuser, ca.id, { enabled: true })).status).toBe('active');
      expect((await patchCa(testApp, caCreatorA, ca.id, { enabled: false })).status).toBe('disabled');
    });

    it('still revokes certificates of a disabled CA and publishes them on its CRL', async () => {
      const ca = await createRootCa(testApp, adminA, { name: 'Disabled Publisher', key_type: 'ec' });
      const leaf = await issueCertificate(testApp, adminA, ca.id, {
        common_name: 'revoked-while-disabled.acme.example',
        certificate_type: 'server',
        key_type: 'ec',
      });
      await patchCa(testApp, adminA, ca.id, { enabled: false });
      await testApp
        .http()
        .post(`/api/v1/certificates/${leaf.id}/revoke`)
        .set(...bearer(revokerA))
        .send({ reason: 'superseded' })
        .expect(200);
      const crl = await getText(testApp, `${new URL(ca.crl_url).pathname}.pem`);
      expect(crl.status).toBe(200);
      expect(crlSerials(ssl, crl.text)).toContain(normalSerial(leaf.serial_number));
      expect((await getCa(adminA, ca.id)).status).toBe('disabled');
    });

    it('refuses to enable or disable a pending CA with 409', async () => {
      const pending = await createPendingCa(testApp, adminA, { name: 'Pending Switch' });
      for (const enabled of [true, false]) {
        expect(await detailOf(adminA, 'patch', `cas/${pending.id}`, 409, { enabled })).toMatch(/pending/);
      }
      expect((await getCa(adminA, pending.id)).status).toBe('pending');
    });

    it('updates the description and allow_leaf_certs, audited as ca_update', async () => {
      const ca = await createRootCa(testApp, caCreatorA, { name: 'Describable', key_type: 'ec' });
      expect((await patchCa(testApp, caCreatorA, ca.id, { description: 'new words' })).description).toBe(
        'new words',
      );
      expect((await getCa(plainA, ca.id)).description).toBe('new words');
      expect((await patchCa(testApp, adminA, ca.id, { description: null })).description).toBeNull();
      expect(await audit('ca_update', ca.id)).toEqual([
        auditRow('ca_update', caCreatorA, ca.id),
        auditRow('ca_update', adminA, ca.id),
      ]);
      expect((await patchCa(testApp, adminA, ca.id, { allow_leaf_certs: false })).allow_leaf_certs).toBe(
        false,
      );
      await detailOf(certCreatorA, 'post', `certificates/?ca_id=${ca.id}`, 400, {
        common_name: 'no-leaf.acme.example',
        subject_dn: 'O=Acme',
        certificate_type: 'server',
        key_type: 'ec',
      });
      expect((await patchCa(testApp, adminA, ca.id, { allow_leaf_certs: true })).allow_leaf_certs).toBe(true);
      await issueCertificate(testApp, certCreatorA, ca.id, {
        common_name: 'leaf-again.acme.example',
        certificate_type: 'server',
        key_type: 'ec',
      });
      expect(await audit('ca_update', ca.id)).toHaveLength(4);
      expect((await getCa(adminA, ca.id)).status).toBe('active');
    });

    it('answers 200 unchanged for an empty body, 400 for wrong types, 404 for an unknown CA, 401 without a token', async () => {
      const ca = await createRootCa(testApp, adminA, {
        name: 'Unchanged',
        key_type: 'ec',
        description: 'as it was',
      });
      const before = await getCa(adminA, ca.id);
      const same = await patchCa(testApp, adminA, ca.id, {});
      expect(same).toEqual({ ...before, updated_at: expect.any(String) });
      for (const body of [
        { enabled: 'yes' },
        { enabled: 1 },
        { description: 5 },
        { allow_leaf_certs: 'no' },
        { enabled: false, description: 7 },
      ]) {
        await detailOf(adminA, 'patch', `cas/${ca.id}`, 400, body);
      }
      expect(await getCa(adminA, ca.id)).toEqual({ ...before, updated_at: expect.any(String) });
      await detailOf(adminA, 'patch', 'cas/999999', 404, { enabled: false });
      await detailOf(adminA, 'patch', 'cas/abc', 400, { enabled: false });
      await testApp.http().patch(`/api/v1/cas/${ca.id}`).send({ enabled: false }).expect(401);
      expect(await audit('ca_update', ca.id)).toEqual([]);
    });
  });

  describe('POST /cas/{id}/revoke', () => {
    it("revokes an intermediate: status revoked, its serial on the parent's CRL, openssl refuses its leaves, it signs nothing", async () => {
      const root = await createRootCa(testApp, adminA, { name: 'Revocation Root', key_type: 'ec' });
      const intermediate = await createIntermediate(testApp, adminA, root, {
        name: 'Revoked Intermediate',
        key_type: 'ec',
      });
      const leaf = await issueCertificate(testApp, adminA, intermediate.id, {
        common_name: 'under-revoked.acme.example',
        certificate_type: 'server',
        key_type: 'ec',
      });
      const intermediateCrl = writePem(ssl, await fetchCrl(testApp, adminA, intermediate.id), 'int-crl');
      const crlCheck = (rootCrlPem: string) =>
        opensslVerify(ssl, root.certificate, leaf.certificate, intermediate.certificate, [
          '-crl_check_all',
          '-CRLfile',
          writePem(ssl, rootCrlPem, 'root-crl'),
          '-CRLfile',
          intermediateCrl,
        ]);
      expect(crlCheck(await fetchCrl(testApp, adminA, root.id)).ok).toBe(true);

      const revoked = await call(revokerA, 'post', `cas/${intermediate.id}/revoke`, 200, {
        reason: 'keyCompromise',
      });
      expect(revoked).toMatchObject({
        id: intermediate.id,
        status: 'revoked',
        revoked_at: expect.any(String),
      });
      expect(await getCa(plainA, intermediate.id)).toMatchObject({
        status: 'revoked',
        revoked_at: expect.any(String),
      });
      const rootCrl = await fetchCrl(testApp, adminA, root.id);
      expect(crlSerials(ssl, rootCrl)).toContain(normalSerial(intermediate.serial_number));
      const refused = crlCheck(rootCrl);
      expect(refused.ok).toBe(false);
      expect(refused.output).toMatch(/certificate revoked/);
      expect(await audit('ca_revoke', intermediate.id)).toEqual([
        auditRow('ca_revoke', revokerA, intermediate.id),
      ]);

      await expectSignsNothing(intermediate, /revoked/);
      expect(await detailOf(revokerA, 'post', `cas/${intermediate.id}/revoke`, 409, {})).toMatch(/revoked/);
      for (const enabled of [true, false]) {
        expect(await detailOf(adminA, 'patch', `cas/${intermediate.id}`, 409, { enabled })).toMatch(
          /revoked/,
        );
      }
      expect((await getCa(adminA, intermediate.id)).status).toBe('revoked');
      expect(await audit('ca_revoke', intermediate.id)).toHaveLength(1);
    });

    it('revokes an intermediate signed through POST /cas/{id}/sign, by an admin', async () => {
      const pending = await createPendingCa(testApp, caCreatorA, {
        name: 'Signed Then Revoked',
        path_length: 0,
      });
      const signed = await call(caCreatorA, 'post', `cas/${pending.id}/sign`, 200, {
        parent_ca_id: rootA.id,
      });
      const revoked = await call(adminA, 'post', `cas/${pending.id}/revoke`, 200, {});
      expect(revoked).toMatchObject({ status: 'revoked', revoked_at: expect.any(String) });
      expect(crlSerials(ssl, await fetchCrl(testApp, adminA, rootA.id))).toContain(
        normalSerial(signed.serial_number ?? ''),
      );
    });

    it("puts the reason_code given on the parent's CRL entry", async () => {
      const intermediate = await createIntermediate(testApp, adminA, rootA, {
        name: 'Compromised Intermediate',
        key_type: 'ec',
      });
      await call(revokerA, 'post', `cas/${intermediate.id}/revoke`, 200, { reason_code: 2 });
      expect(crlReason(ssl, await fetchCrl(testApp, adminA, rootA.id), intermediate.serial_number)).toBe(
        'CA Compromise',
      );
    });

    it('refuses a root, a pending CA and an externally signed CA with 409', async () => {
      const root = await createRootCa(testApp, adminA, { name: 'Unrevocable Root', key_type: 'ec' });
      await detailOf(adminA, 'post', `cas/${root.id}/revoke`, 409, {});
      const pending = await createPendingCa(testApp, adminA, { name: 'Unrevocable Pending' });
      await detailOf(adminA, 'post', `cas/${pending.id}/revoke`, 409, {});
      const external = await createPendingCa(testApp, adminA, { name: 'Unrevocable External' });
      const certificate = signOutside(ssl, outside, external.csr ?? '', caExtensions()).certificate;
      await call(adminA, 'post', `cas/${external.id}/certificate`, 200, {
        certificate_chain: certificate + outside.certificate,
      });
      await detailOf(adminA, 'post', `cas/${external.id}/revoke`, 409, {});
      for (const id of [root.id, external.id]) expect((await getCa(adminA, id)).status).toBe('active');
      expect((await getCa(adminA, pending.id)).status).toBe('pending');
    });

    it("refuses to delete a revoked, unexpired intermediate with 409, keeping its serial on the parent's CRL", async () => {
      const root = await createRootCa(testApp, adminA, {
        name: 'Undeletable Revocation Root',
        key_type: 'ec',
      });
      const intermediate = await createIntermediate(testApp, adminA, root, {
        name: 'Undeletable Revoked Intermediate',
        key_type: 'ec',
      });
      await call(revokerA, 'post', `cas/${intermediate.id}/revoke`, 200, { reason_code: 1 });
      const serial = normalSerial(intermediate.serial_number);
      expect(crlSerials(ssl, await fetchCrl(testApp, adminA, root.id))).toContain(serial);

      const response = await testApp
        .http()
        .delete(`/api/v1/cas/${intermediate.id}`)
        .set(...bearer(adminA));
      expect({ status: response.status, body: response.body }).toEqual({
        status: 409,
        body: { detail: expect.stringMatching(/revoked/) },
      });
      expect(await getCa(adminA, intermediate.id)).toMatchObject({
        status: 'revoked',
        serial_number: intermediate.serial_number,
      });
      const rootCrl = await fetchCrl(testApp, adminA, root.id);
      expect(crlSerials(ssl, rootCrl)).toContain(serial);
      expect(crlReason(ssl, rootCrl, intermediate.serial_number)).toBe('Key Compromise');
      const published = await getText(testApp, `${new URL(root.crl_url).pathname}.pem`);
      expect(crlSerials(ssl, published.text)).toContain(serial);
      expect(await audit('ca_delete', intermediate.id)).toEqual([]);
    });

    it('refuses members without can_revoke_cert and other organizations with 403, and 404 for an unknown CA', async () => {
      const intermediate = await createIntermediate(testApp, adminA, rootA, {
        name: 'Guarded Intermediate',
        key_type: 'ec',
      });
      for (const user of [plainA, certCreatorA, caCreatorA, everyFlagB, adminB]) {
        await detailOf(user, 'post', `cas/${intermediate.id}/revoke`, 403, {});
      }
      expect(await getCa(adminA, intermediate.id)).toMatchObject({ status: 'active', revoked_at: null });
      expect(crlSerials(ssl, await fetchCrl(testApp, adminA, rootA.id))).not.toContain(
        normalSerial(intermediate.serial_number),
      );
      expect(await audit('ca_revoke', intermediate.id)).toEqual([]);
      await detailOf(superuser, 'post', 'cas/999999/revoke', 404, {});
      await detailOf(revokerA, 'post', `cas/${intermediate.id}/revoke`, 400, { reason_code: 'one' });
    });
  });

  describe('metrics', () => {
    it('reports CAs by every lifecycle status on /metrics', async () => {
      await new Promise((resolve) => setTimeout(resolve, 5100));
      const metrics = (await testApp.http().get('/metrics').expect(200)).text;
      const rows: { status: string; count: number }[] = await testApp.dataSource.query(
        `SELECT status, count(*)::integer AS count FROM certificate_authorities GROUP BY status`,
      );
      for (const status of ['pending', 'active', 'disabled', 'revoked']) {
        const expected = rows.find((row) => row.status === status)?.count ?? 0;
        expect(expected).toBeGreaterThan(0);
        expect({
          status,
          value: metricValue(metrics, `ca_certificate_authorities{status="${status}"}`),
        }).toEqual({
          status,
          value: expected,
        });
      }
    });
  });
});
