import { createAdmin, createMember, createRootCa, createSuperuser } from './support/fixtures';
import {
  auditEntries,
  caExtensions,
  CertificateRequestBody,
  corruptCsrSignature,
  createPendingCa,
  crlReason,
  crlSerials,
  EC_P256,
  getText,
  leafExtensions,
  metricValue,
  nestedJson,
  normalSerial,
  OutsideCa,
  opensslVerify,
  outsideIssuer,
  outsideRoot,
  patchCa,
  requestAction,
  RSA_2048,
  signOutside,
  submitRequest,
  writePem,
} from './support/notary';
import { OpensslWorkspace } from './support/openssl';
import {
  asReadBack,
  CaBody,
  CertificateBody,
  fetchCrl,
  publicKeyOf,
  x509Extension,
  x509Field,
  x509Text,
} from './support/pki';
import { bearer, createOrganization, createUser, startTestApp, TestApp, TestUser } from './support/test-app';

/** Every field of the certificate request object in the design. */
const REQUEST_FIELDS = [
  'id',
  'status',
  'csr',
  'subject_dn',
  'common_name',
  'san_dns_names',
  'san_ip_addresses',
  'san_email_addresses',
  'key_type',
  'key_size',
  'certificate_type',
  'comment',
  'organization_id',
  'submitted_by_user_id',
  'handled_by_user_id',
  'rejection_reason',
  'certificate_id',
  'issuer_id',
  'signed_externally',
  'certificate',
  'certificate_chain',
  'serial_number',
  'not_before',
  'not_after',
  'revoked_at',
  'created_at',
  'updated_at',
];

/** The certificate fields of a request that holds no certificate (outstanding, rejected). */
const NO_CERTIFICATE = {
  certificate_id: null,
  issuer_id: null,
  signed_externally: false,
  certificate: null,
  certificate_chain: null,
  serial_number: null,
  not_before: null,
  not_after: null,
  revoked_at: null,
};

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('certificate requests: submit, read, sign, reject, upload, remove, revoke, delete', () => {
  let testApp: TestApp;
  const ssl = new OpensslWorkspace();
  let superuser: TestUser;
  let orgA: number;
  let orgB: number;
  /** Organization A: an admin, a manager (can_create_cert), two requesters, a reader and a revoker. */
  let adminA: TestUser;
  let managerA: TestUser;
  let requesterA: TestUser;
  let requesterA2: TestUser;
  let readerA: TestUser;
  let revokerA: TestUser;
  /** Organization B: an admin, a manager who may also request, and a requester. */
  let adminB: TestUser;
  let managerB: TestUser;
  let requesterB: TestUser;
  /** A requester without an organization. */
  let loner: TestUser;
  let caA: CaBody;
  let noLeavesA: CaBody;
  let caB: CaBody;
  /** Every request this file created and has not deleted: its organization and submitter. */
  const tracked = new Map<number, { organizationId: number | null; submitterId: number }>();
  let submissions = 0;
  let csrCounter = 0;

  beforeAll(async () => {
    testApp = await startTestApp();
    superuser = await createSuperuser(testApp);
    orgA = await createOrganization(testApp, superuser, 'Requests Org A');
    orgB = await createOrganization(testApp, superuser, 'Requests Org B');
    adminA = await createAdmin(testApp, superuser, orgA);
    managerA = await createMember(testApp, superuser, orgA, { can_create_cert: true });
    requesterA = await createUser(testApp, superuser, { organization_id: orgA, can_request_cert: true });
    requesterA2 = await createUser(testApp, superuser, { organization_id: orgA, can_request_cert: true });
    readerA = await createMember(testApp, superuser, orgA);
    revokerA = await createMember(testApp, superuser, orgA, { can_revoke_cert: true });
    adminB = await createAdmin(testApp, superuser, orgB);
    managerB = await createUser(testApp, superuser, {
      organization_id: orgB,
      can_create_cert: true,
      can_request_cert: true,
    });
    requesterB = await createUser(testApp, superuser, { organization_id: orgB, can_request_cert: true });
    loner = await createUser(testApp, superuser, { can_request_cert: true });
    caA = await createRootCa(testApp, adminA, { name: 'Requests CA A', key_type: 'ec' });
    noLeavesA = await createRootCa(testApp, adminA, {
      name: 'Requests No Leaves A',
      key_type: 'ec',
      allow_leaf_certs: false,
    });
    caB = await createRootCa(testApp, adminB, { name: 'Requests CA B', key_type: 'ec' });
  });

  afterAll(async () => {
    await testApp.close();
    ssl.dispose();
  });

  /** A fresh key and CSR from `openssl req`. */
  function newCsr(
    commonName: string | null,
    sans: string[] = [],
    keyArgs: string[] = EC_P256,
  ): { csr: string; keyPath: string } {
    csrCounter += 1;
    const subject = commonName === null ? '/O=Acme/OU=Devices' : `/O=Acme/CN=${commonName}`;
    const extensions = sans.length > 0 ? [`subjectAltName=${sans.join(',')}`] : [];
    return ssl.csr(`request-${csrCounter}`, keyArgs, subject, extensions);
  }

  function track(body: CertificateRequestBody): CertificateRequestBody {
    tracked.set(body.id, { organizationId: body.organization_id, submitterId: body.submitted_by_user_id });
    submissions += 1;
    return body;
  }

  /** Submits a fresh EC CSR for `host` (DNS SAN) as `user`. */
  async function submit(
    user: TestUser,
    host: string,
    fields: Record<string, unknown> = {},
  ): Promise<CertificateRequestBody> {
    const { csr } = newCsr(host, [`DNS:${host}`]);
    return track(await submitRequest(testApp, user, { csr, ...fields }));
  }

  async function getRequest(user: TestUser, id: number): Promise<CertificateRequestBody> {
    const response = await testApp
      .http()
      .get(`/api/v1/certificate-requests/${id}`)
      .set(...bearer(user))
      .expect(200);
    return response.body;
  }

  async function getCertificate(id: number): Promise<CertificateBody> {
    const response = await testApp
      .http()
      .get(`/api/v1/certificates/${id}`)
      .set(...bearer(superuser))
      .expect(200);
    return response.body;
  }

  async function listRequests(user: TestUser, query = 'limit=1000'): Promise<CertificateRequestBody[]> {
    const response = await testApp
      .http()
      .get(`/api/v1/certificate-requests/?${query}`)
      .set(...bearer(user))
      .expect(200);
    return response.body;
  }

  async function requestCount(): Promise<number> {
    return (await listRequests(superuser)).length;
  }

  async function certificateCount(): Promise<number> {
    const [row]: { count: number }[] = await testApp.dataSource.query(
      'SELECT count(*)::integer AS count FROM certificates',
    );
    return row.count;
  }

  /** ca_certificate_request_events_total{action="revoke"} now (0 before the first revocation). */
  async function revokeEvents(): Promise<number> {
    const metrics = (await testApp.http().get('/metrics').expect(200)).text;
    const value = metricValue(metrics, 'ca_certificate_request_events_total{action="revoke"}');
    return Number.isNaN(value) ? 0 : value;
  }

  async function audit(action: string, resourceId?: number) {
    return auditEntries(testApp, superuser, action, resourceId);
  }

  function auditRow(action: string, user: TestUser, organizationId: number | null, resourceId: number) {
    return {
      action,
      user_id: user.id,
      organization_id: organizationId,
      resource_type: 'certificate_request',
      resource_id: resourceId,
    };
  }

  /** Signs a request with one of our CAs and fails loudly unless it answers 200. */
  async function sign(
    user: TestUser,
    id: number,
    caId: number,
    fields: Record<string, unknown> = {},
  ): Promise<CertificateRequestBody> {
    return requestAction(testApp, user, 'post', `${id}/sign`, { ca_id: caId, ...fields });
  }

  /** Expects a refusal with `status` and returns its detail. */
  async function refused(
    user: TestUser,
    method: 'get' | 'post' | 'delete',
    path: string,
    status: number,
    body?: Record<string, unknown>,
  ): Promise<string> {
    const url = `/api/v1/certificate-requests/${path}`;
    const call =
      method === 'get'
        ? testApp.http().get(url)
        : method === 'post'
          ? testApp.http().post(url)
          : testApp.http().delete(url);
    call.set(...bearer(user)).buffer(true);
    const response = body === undefined ? await call : await call.send(body);
    expect({ user: user.username, method, path, status: response.status }).toEqual({
      user: user.username,
      method,
      path,
      status,
    });
    // Read from the text: the content type of errors is asserted on its own below.
    const detail: unknown = (JSON.parse(response.text) as { detail?: unknown }).detail;
    expect(detail).toEqual(expect.any(String));
    return String(detail);
  }

  describe('POST /certificate-requests/ (submit)', () => {
    it('stores an RSA 2048 CSR made by openssl req with its subject, SANs, key type, submitter and organization', async () => {
      const started = Date.now();
      const { csr } = ssl.csr('rsa-submit', RSA_2048, '/C=US/O=Acme/OU=Web/CN=www.acme.example', [
        'subjectAltName=DNS:www.acme.example,DNS:acme.example,IP:10.0.0.7,email:web@acme.example',
      ]);
      const response = await testApp
        .http()
        .post('/api/v1/certificate-requests/')
        .set(...bearer(requesterA))
        .send({ csr, certificate_type: 'dual_purpose', comment: 'for the web farm' })
        .expect(201);
      const body = track(response.body);
      expect(Object.keys(body)).toEqual(expect.arrayContaining(REQUEST_FIELDS));
      expect(body).toMatchObject({
        id: expect.any(Number),
        status: 'outstanding',
        subject_dn: 'CN=www.acme.example,OU=Web,O=Acme,C=US',
        common_name: 'www.acme.example',
        san_dns_names: ['www.acme.example', 'acme.example'],
        san_ip_addresses: ['10.0.0.7'],
        san_email_addresses: ['web@acme.example'],
        key_type: 'rsa',
        key_size: 2048,
        certificate_type: 'dual_purpose',
        comment: 'for the web farm',
        organization_id: orgA,
        submitted_by_user_id: requesterA.id,
        handled_by_user_id: null,
        rejection_reason: null,
        ...NO_CERTIFICATE,
      });
      expect(body.csr.trim()).toBe(csr.trim());
      expect(Date.parse(body.created_at)).toBeGreaterThanOrEqual(started - 2000);
      expect(Date.parse(body.created_at)).toBeLessThanOrEqual(Date.now() + 2000);
      expect(Date.parse(body.updated_at)).toBeGreaterThanOrEqual(Date.parse(body.created_at));
      expect(response.text).not.toContain('PRIVATE KEY');
      expect(await audit('csr_submit', body.id)).toEqual([auditRow('csr_submit', requesterA, orgA, body.id)]);
    });

    it('stores an EC P-256 CSR as a server request without a comment by default', async () => {
      const { csr } = newCsr('ec.acme.example');
      const body = track(await submitRequest(testApp, requesterA2, { csr }));
      expect(body).toMatchObject({
        status: 'outstanding',
        subject_dn: 'CN=ec.acme.example,O=Acme',
        common_name: 'ec.acme.example',
        san_dns_names: [],
        san_ip_addresses: [],
        san_email_addresses: [],
        key_type: 'ec',
        key_size: 256,
        certificate_type: 'server',
        comment: null,
        organization_id: orgA,
        submitted_by_user_id: requesterA2.id,
        ...NO_CERTIFICATE,
      });
    });

    it('stores a CSR without a Common Name with common_name null and its SANs', async () => {
      // dual_purpose: a client certificate could not carry these DNS and IP names, so it is refused at submission.
      const { csr } = newCsr(null, ['DNS:device-7.acme.example', 'IP:192.0.2.7']);
      const body = track(await submitRequest(testApp, requesterA, { csr, certificate_type: 'dual_purpose' }));
      expect(body).toMatchObject({
        subject_dn: 'OU=Devices,O=Acme',
        common_name: null,
        san_dns_names: ['device-7.acme.example'],
        san_ip_addresses: ['192.0.2.7'],
        certificate_type: 'dual_purpose',
      });
    });

    it('lets an admin, a can_create_cert member, a superuser and a user without organization submit, each in their own organization', async () => {
      const cases: [TestUser, number | null][] = [
        [adminA, orgA],
        [managerA, orgA],
        [managerB, orgB],
        [requesterB, orgB],
        [superuser, null],
        [loner, null],
      ];
      for (const [user, organizationId] of cases) {
        const body = await submit(user, `${user.username.toLowerCase().replace(/_/g, '-')}.acme.example`);
        expect({ user: user.username, organization_id: body.organization_id }).toEqual({
          user: user.username,
          organization_id: organizationId,
        });
        expect(body.submitted_by_user_id).toBe(user.id);
      }
    });

    it('refuses members without can_request_cert or can_create_cert with 403 and stores nothing', async () => {
      const before = await requestCount();
      const { csr } = newCsr('refused.acme.example');
      for (const user of [readerA, revokerA]) {
        const response = await testApp
          .http()
          .post('/api/v1/certificate-requests/')
          .set(...bearer(user))
          .send({ csr })
          .expect(403);
        expect(response.body.detail).toEqual(expect.any(String));
      }
      expect(await requestCount()).toBe(before);
      const rows = await audit('csr_submit');
      expect(rows.filter((row) => row.user_id === readerA.id || row.user_id === revokerA.id)).toEqual([]);
    });

    it('refuses garbage, a certificate, a broken signature and an RSA 1024 key with 400 and stores nothing', async () => {
      const rsa = newCsr('rsa-corrupt.acme.example', [], RSA_2048).csr;
      const ec = newCsr('ec-corrupt.acme.example').csr;
      const weak = newCsr('weak.acme.example', [], ['-newkey', 'rsa:1024']).csr;
      const lines = ec.trim().split('\n');
      const truncated = [...lines.slice(0, 2), lines[lines.length - 1]].join('\n');
      const cases: [string, string, RegExp | null][] = [
        ['garbage', 'not a csr', null],
        ['an empty string', '', null],
        [
          'a PEM without a CSR inside',
          '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n',
          null,
        ],
        ['a truncated CSR', truncated, null],
        ['a certificate', caA.certificate, null],
        ['an RSA CSR with a broken signature', corruptCsrSignature(rsa), /signature/i],
        ['an EC CSR with a broken signature', corruptCsrSignature(ec), /signature/i],
        ['an RSA 1024 CSR', weak, /RSA|key/i],
      ];
      const before = await requestCount();
      for (const [label, csr, message] of cases) {
        const response = await testApp
          .http()
          .post('/api/v1/certificate-requests/')
          .set(...bearer(requesterA))
          .send({ csr });
        expect({ label, status: response.status }).toEqual({ label, status: 400 });
        expect(response.body.detail).toEqual(expect.any(String));
        if (message)
          expect({ label, detail: response.body.detail }).toEqual({
            label,
            detail: expect.stringMatching(message),
          });
      }
      expect(corruptCsrSignature(ec)).not.toBe(ec);
      expect(await requestCount()).toBe(before);
    });

    it('refuses a bad certificate_type, wrong types and a missing csr with 400', async () => {
      const { csr } = newCsr('fields.acme.example', ['DNS:fields.acme.example']);
      const cases: Record<string, unknown>[] = [
        { csr, certificate_type: 'ca' },
        { csr, certificate_type: 'bogus' },
        { csr, certificate_type: 7 },
        { csr, comment: 5 },
        { csr: 123 },
        { csr: null },
        { certificate_type: 'server' },
        {},
      ];
      const before = await requestCount();
      for (const body of cases) {
        const response = await testApp
          .http()
          .post('/api/v1/certificate-requests/')
          .set(...bearer(requesterA))
          .send(body);
        expect({ body, status: response.status }).toEqual({ body, status: 400 });
        expect(response.body.detail).toEqual(expect.any(String));
      }
      expect(await requestCount()).toBe(before);
    });

    it('refuses a request without a token with 401', async () => {
      await testApp
        .http()
        .post('/api/v1/certificate-requests/')
        .send({ csr: newCsr('anonymous.acme.example').csr })
        .expect(401);
    });
  });

  describe('GET /certificate-requests/ and /{id}: who sees what', () => {
    const idsOf = (items: { id: number }[]) => items.map((item) => item.id);
    const newestFirst = (ids: number[]) => [...ids].sort((a, b) => b - a);
    const trackedWhere = (keep: (entry: { organizationId: number | null; submitterId: number }) => boolean) =>
      newestFirst([...tracked.entries()].filter(([, entry]) => keep(entry)).map(([id]) => id));

    it('shows a superuser every request, newest first', async () => {
      expect(tracked.size).toBeGreaterThan(8);
      expect(idsOf(await listRequests(superuser))).toEqual(trackedWhere(() => true));
    });

    it('shows readers, managers and admins every request of their organization and nothing else', async () => {
      for (const user of [readerA, revokerA, managerA, adminA]) {
        const items = await listRequests(user);
        expect({ user: user.username, ids: idsOf(items) }).toEqual({
          user: user.username,
          ids: trackedWhere((entry) => entry.organizationId === orgA),
        });
        for (const item of items) expect(item).not.toHaveProperty('private_key');
      }
      for (const user of [adminB, managerB]) {
        expect({ user: user.username, ids: idsOf(await listRequests(user)) }).toEqual({
          user: user.username,
          ids: trackedWhere((entry) => entry.organizationId === orgB),
        });
      }
    });

    it('shows a requester, and a user without organization, only their own requests', async () => {
      for (const user of [requesterA, requesterA2, requesterB, loner]) {
        const ids = trackedWhere((entry) => entry.submitterId === user.id);
        expect(ids.length).toBeGreaterThan(0);
        expect({ user: user.username, ids: idsOf(await listRequests(user)) }).toEqual({
          user: user.username,
          ids,
        });
      }
    });

    it('filters by submitted_by_user_id within what the caller may read', async () => {
      const ofRequesterA = trackedWhere((entry) => entry.submitterId === requesterA.id);
      expect(idsOf(await listRequests(adminA, `submitted_by_user_id=${requesterA.id}`))).toEqual(
        ofRequesterA,
      );
      expect(idsOf(await listRequests(superuser, `submitted_by_user_id=${requesterA.id}`))).toEqual(
        ofRequesterA,
      );
      expect(await listRequests(requesterA2, `submitted_by_user_id=${requesterA.id}`)).toEqual([]);
      expect(await listRequests(adminB, `submitted_by_user_id=${requesterA.id}`)).toEqual([]);
    });

    it('pages with skip and limit', async () => {
      const all = idsOf(await listRequests(superuser));
      expect(idsOf(await listRequests(superuser, 'limit=2'))).toEqual(all.slice(0, 2));
      expect(idsOf(await listRequests(superuser, 'skip=1&limit=3'))).toEqual(all.slice(1, 4));
      expect(await listRequests(superuser, `skip=${all.length}`)).toEqual([]);
    });

    it('refuses bad query values with 400 and a missing token with 401', async () => {
      for (const query of [
        'status=pending',
        'status=valid',
        'limit=0',
        'skip=-1',
        'submitted_by_user_id=abc',
      ]) {
        const response = await testApp
          .http()
          .get(`/api/v1/certificate-requests/?${query}`)
          .set(...bearer(superuser));
        expect({ query, status: response.status }).toEqual({ query, status: 400 });
      }
      await testApp.http().get('/api/v1/certificate-requests/').expect(401);
    });

    it('shows can_request_cert on users, and a reader granted it by an admin becomes a requester who sees only their own', async () => {
      const member = await createMember(testApp, adminA, orgA);
      const before = await testApp
        .http()
        .get(`/api/v1/users/${member.id}`)
        .set(...bearer(adminA))
        .expect(200);
      expect(before.body.can_request_cert).toBe(false);
      expect((await listRequests(member)).length).toBe(
        trackedWhere((entry) => entry.organizationId === orgA).length,
      );
      await testApp
        .http()
        .patch(`/api/v1/users/${member.id}`)
        .set(...bearer(adminB))
        .send({ can_request_cert: true })
        .expect(403);
      const granted = await testApp
        .http()
        .patch(`/api/v1/users/${member.id}`)
        .set(...bearer(adminA))
        .send({ can_request_cert: true })
        .expect(200);
      expect(granted.body.can_request_cert).toBe(true);
      const me = await testApp
        .http()
        .get('/api/v1/users/me')
        .set(...bearer(member))
        .expect(200);
      expect(me.body.can_request_cert).toBe(true);
      expect(await listRequests(member)).toEqual([]);
      const own = await submit(member, 'granted.acme.example');
      expect((await listRequests(member)).map((item) => item.id)).toEqual([own.id]);
      await refused(member, 'get', String([...tracked.keys()].find((id) => id !== own.id)), 403);
    });

    it('returns a request to its submitter, readers, managers, admins and superusers of its organization', async () => {
      const submitted = await submit(requesterA, 'readable.acme.example', { comment: 'read me' });
      for (const user of [requesterA, readerA, revokerA, managerA, adminA, superuser]) {
        expect(await getRequest(user, submitted.id)).toEqual({
          ...submitted,
          updated_at: expect.any(String),
        });
      }
    });

    it('refuses another requester, other organizations and users without one with 403 "may not view"', async () => {
      const submitted = await submit(requesterA, 'private.acme.example');
      for (const user of [requesterA2, adminB, managerB, requesterB, loner]) {
        const detail = await refused(user, 'get', String(submitted.id), 403);
        expect(detail).toContain('may not view');
        expect(await refused(user, 'get', `${submitted.id}/csr`, 403)).toContain('may not view');
      }
      const lonely = await submit(loner, 'lonely.acme.example');
      expect((await getRequest(loner, lonely.id)).organization_id).toBeNull();
      expect((await getRequest(superuser, lonely.id)).id).toBe(lonely.id);
      for (const user of [adminA, readerA, managerA]) await refused(user, 'get', String(lonely.id), 403);
    });

    it('downloads the CSR exactly as submitted, and openssl verifies its signature', async () => {
      const { csr } = newCsr('download.acme.example', ['DNS:download.acme.example']);
      const submitted = track(await submitRequest(testApp, requesterA, { csr }));
      for (const user of [requesterA, readerA, adminA]) {
        const download = await getText(testApp, `/api/v1/certificate-requests/${submitted.id}/csr`, user);
        expect(download.status).toBe(200);
        expect(download.contentType).toMatch(/^application\/(pkcs10|x-pem-file)/);
        expect(download.text).toMatch(/^-----BEGIN CERTIFICATE REQUEST-----\n/);
        expect(download.text.trim()).toBe(csr.trim());
        const file = writePem(ssl, download.text, 'downloaded-csr');
        expect(ssl.run(['req', '-in', file, '-noout', '-verify'])).toEqual({
          ok: true,
          output: expect.stringContaining('verify OK'),
        });
        expect(publicKeyOf(ssl, download.text)).toBe(publicKeyOf(ssl, csr));
      }
    });

    it('answers refusals of the CSR download as JSON {"detail": …}, like every other error', async () => {
      const submitted = await submit(requesterA, 'json-errors.acme.example');
      for (const [user, path, status] of [
        [superuser, '999999/csr', 404],
        [adminB, `${submitted.id}/csr`, 403],
      ] as const) {
        const response = await testApp
          .http()
          .get(`/api/v1/certificate-requests/${path}`)
          .set(...bearer(user));
        expect({ path, status: response.status, contentType: response.headers['content-type'] }).toEqual({
          path,
          status,
          contentType: expect.stringMatching(/^application\/json/),
        });
        expect(response.body).toEqual({ detail: expect.any(String) });
      }
    });

    it('answers 404 for an unknown request and 400 for an id that is not a number', async () => {
      await refused(superuser, 'get', '999999', 404);
      await refused(superuser, 'get', '999999/csr', 404);
      await testApp
        .http()
        .get('/api/v1/certificate-requests/abc')
        .set(...bearer(superuser))
        .expect(400);
    });
  });

  describe('POST /certificate-requests/{id}/sign', () => {
    it('signs with one of our CAs: status active, a normal certificate row, openssl verifies it', async () => {
      const host = 'signed.acme.example';
      const { csr } = ssl.csr('sign-rsa', RSA_2048, `/O=Acme/OU=Ops/CN=${host}`, [
        `subjectAltName=DNS:${host},DNS:alt.acme.example,IP:10.1.1.1`,
      ]);
      const submitted = track(await submitRequest(testApp, requesterA, { csr }));
      const certificatesBefore = await certificateCount();
      const signed = await sign(managerA, submitted.id, caA.id);
      expect(signed).toMatchObject({
        id: submitted.id,
        status: 'active',
        certificate_id: expect.any(Number),
        issuer_id: caA.id,
        handled_by_user_id: managerA.id,
        signed_externally: false,
        certificate_chain: null,
        certificate_type: 'server',
        serial_number: expect.stringMatching(/^[0-9a-f]+$/),
        not_before: expect.any(String),
        not_after: expect.any(String),
        revoked_at: null,
        rejection_reason: null,
      });
      expect(signed.certificate).toMatch(/^-----BEGIN CERTIFICATE-----\n/);
      const pem = signed.certificate ?? '';
      expect(await certificateCount()).toBe(certificatesBefore + 1);

      const row = await getCertificate(signed.certificate_id ?? 0);
      expect(row).toMatchObject({
        id: signed.certificate_id,
        certificate: pem,
        issuer_id: caA.id,
        serial_number: signed.serial_number,
        status: 'valid',
        common_name: host,
        subject_dn: `CN=${host},OU=Ops,O=Acme`,
        certificate_type: 'server',
        key_type: 'rsa',
        key_size: 2048,
        organization_id: orgA,
        san_dns_names: [host, 'alt.acme.example'],
        san_ip_addresses: ['10.1.1.1'],
      });
      expect(Date.parse(signed.not_after ?? '')).toBe(Date.parse(row.not_after));
      const listed = await testApp
        .http()
        .get(`/api/v1/certificates/?ca_id=${caA.id}&limit=1000`)
        .set(...bearer(managerA))
        .expect(200);
      expect(listed.body.map((item: CertificateBody) => item.id)).toContain(signed.certificate_id);

      expect(opensslVerify(ssl, caA.certificate, pem)).toEqual({
        ok: true,
        output: expect.stringContaining('OK'),
      });
      expect(x509Field(ssl, pem, 'subject', ['-nameopt', 'RFC2253'])).toBe(
        `subject=CN=${host},OU=Ops,O=Acme`,
      );
      expect(x509Extension(x509Text(ssl, pem), 'X509v3 Subject Alternative Name')?.value).toBe(
        `DNS:${host}, DNS:alt.acme.example, IP Address:10.1.1.1`,
      );
      expect(normalSerial(x509Field(ssl, pem, 'serial'))).toBe(normalSerial(signed.serial_number ?? ''));
      expect(publicKeyOf(ssl, pem)).toBe(publicKeyOf(ssl, csr));

      expect(await getRequest(requesterA, submitted.id)).toEqual({
        ...asReadBack(signed),
        updated_at: expect.any(String),
      });
      expect(await audit('csr_sign', submitted.id)).toEqual([
        auditRow('csr_sign', managerA, orgA, submitted.id),
      ]);
    });

    it('uses the certificate_type and valid_days given when signing, keeping the requested type on the request', async () => {
      const submitted = await submit(requesterA, 'override.acme.example');
      const signed = await sign(adminA, submitted.id, caA.id, {
        certificate_type: 'dual_purpose',
        valid_days: 30,
      });
      expect(signed.certificate_type).toBe('server');
      const row = await getCertificate(signed.certificate_id ?? 0);
      expect(row.certificate_type).toBe('dual_purpose');
      expect((Date.parse(row.not_after) - Date.parse(row.not_before)) / 86_400_000).toBe(30);
      expect(Date.parse(signed.not_before ?? '')).toBe(Date.parse(row.not_before));
      expect(x509Extension(x509Text(ssl, signed.certificate ?? ''), 'X509v3 Extended Key Usage')?.value).toBe(
        'TLS Web Server Authentication, TLS Web Client Authentication',
      );
    });

    it('signs a client request as a client certificate with its email SAN', async () => {
      const { csr } = newCsr('alice', ['email:alice@acme.example']);
      const submitted = track(await submitRequest(testApp, requesterA, { csr, certificate_type: 'client' }));
      const signed = await sign(superuser, submitted.id, caA.id);
      const row = await getCertificate(signed.certificate_id ?? 0);
      expect(row).toMatchObject({ certificate_type: 'client', san_email_addresses: ['alice@acme.example'] });
      const text = x509Text(ssl, signed.certificate ?? '');
      expect(x509Extension(text, 'X509v3 Extended Key Usage')?.value).toBe('TLS Web Client Authentication');
      expect(x509Extension(text, 'X509v3 Subject Alternative Name')?.value).toBe('email:alice@acme.example');
    });

    it('lets a superuser sign a request of a user without organization, and nobody else', async () => {
      const lonely = await submit(loner, 'lonely-signed.acme.example');
      for (const user of [adminA, managerA, loner]) {
        await refused(user, 'post', `${lonely.id}/sign`, 403, { ca_id: caA.id });
      }
      const signed = await sign(superuser, lonely.id, caA.id);
      expect(signed).toMatchObject({ status: 'active', handled_by_user_id: superuser.id });
    });

    it('refuses requesters, readers, revokers and other organizations with 403, writing nothing', async () => {
      const submitted = await submit(requesterA, 'not-yours.acme.example');
      const certificatesBefore = await certificateCount();
      for (const user of [requesterA, requesterA2, readerA, revokerA, adminB, managerB, requesterB]) {
        await refused(user, 'post', `${submitted.id}/sign`, 403, { ca_id: caA.id });
      }
      expect(await getRequest(adminA, submitted.id)).toMatchObject({
        status: 'outstanding',
        ...NO_CERTIFICATE,
      });
      expect(await certificateCount()).toBe(certificatesBefore);
      expect(await audit('csr_sign', submitted.id)).toEqual([]);
    });

    it('refuses a CA the signer may not issue from with 403', async () => {
      const ofA = await submit(requesterA, 'wrong-ca.acme.example');
      await refused(managerA, 'post', `${ofA.id}/sign`, 403, { ca_id: caB.id });
      await refused(adminA, 'post', `${ofA.id}/sign`, 403, { ca_id: caB.id });
      const ofB = await submit(requesterB, 'wrong-ca.b.example');
      await refused(managerB, 'post', `${ofB.id}/sign`, 403, { ca_id: caA.id });
      for (const [user, id] of [
        [managerA, ofA.id],
        [managerB, ofB.id],
      ] as const) {
        expect(await getRequest(user, id)).toMatchObject({ status: 'outstanding', certificate_id: null });
      }
    });

    it('answers 404 for an unknown CA and an unknown request', async () => {
      const submitted = await submit(requesterA, 'unknown-ca.acme.example');
      expect(await refused(managerA, 'post', `${submitted.id}/sign`, 404, { ca_id: 999999 })).toContain(
        '999999',
      );
      await refused(managerA, 'post', '999999/sign', 404, { ca_id: caA.id });
      expect((await getRequest(managerA, submitted.id)).status).toBe('outstanding');
    });

    it('refuses a disabled CA, a pending CA and a CA without leaf certificates with 400, writing nothing', async () => {
      const disabled = await createRootCa(testApp, adminA, { name: 'Requests Disabled', key_type: 'ec' });
      expect((await patchCa(testApp, adminA, disabled.id, { enabled: false })).status).toBe('disabled');
      const pending = await createPendingCa(testApp, adminA, { name: 'Requests Pending' });
      const submitted = await submit(requesterA, 'refused-ca.acme.example');
      const certificatesBefore = await certificateCount();
      const auditBefore = await audit('csr_sign');
      const cases: [string, number, RegExp][] = [
        ['disabled', disabled.id, new RegExp(`CA ${disabled.id} is disabled`)],
        ['pending', pending.id, new RegExp(`CA ${pending.id} is pending`)],
        ['leafless', noLeavesA.id, /allow_leaf_certs|leaf/i],
      ];
      for (const [label, caId, message] of cases) {
        const detail = await refused(adminA, 'post', `${submitted.id}/sign`, 400, { ca_id: caId });
        expect({ label, detail }).toEqual({ label, detail: expect.stringMatching(message) });
      }
      expect(await getRequest(adminA, submitted.id)).toMatchObject({
        status: 'outstanding',
        handled_by_user_id: null,
        ...NO_CERTIFICATE,
      });
      expect(await certificateCount()).toBe(certificatesBefore);
      expect(await audit('csr_sign')).toEqual(auditBefore);
      expect((await patchCa(testApp, adminA, disabled.id, { enabled: true })).status).toBe('active');
      expect((await sign(adminA, submitted.id, disabled.id)).issuer_id).toBe(disabled.id);
    });

    it('refuses a bad body with 400', async () => {
      const submitted = await submit(requesterA, 'bad-sign-body.acme.example');
      for (const body of [
        {},
        { ca_id: 'one' },
        { ca_id: caA.id, certificate_type: 'bogus' },
        { ca_id: caA.id, certificate_type: 'ca' },
        { ca_id: caA.id, valid_days: 'ten' },
      ]) {
        await refused(managerA, 'post', `${submitted.id}/sign`, 400, body);
      }
      expect((await getRequest(managerA, submitted.id)).status).toBe('outstanding');
    });

    it('refuses a CA past its notAfter with 400 naming it expired', async () => {
      const expiring = await createRootCa(testApp, adminA, { name: 'Requests Expired', key_type: 'ec' });
      await testApp.dataSource.query(
        `UPDATE certificate_authorities SET not_after = now() - interval '1 day' WHERE id = $1`,
        [expiring.id],
      );
      const submitted = await submit(requesterA, 'expired-ca.acme.example');
      const certificatesBefore = await certificateCount();
      expect(await refused(adminA, 'post', `${submitted.id}/sign`, 400, { ca_id: expiring.id })).toMatch(
        new RegExp(`CA ${expiring.id} is expired`),
      );
      expect(await certificateCount()).toBe(certificatesBefore);
      expect((await getRequest(adminA, submitted.id)).status).toBe('outstanding');
    });

    it('lets exactly one of two concurrent signatures of a request succeed, issuing one certificate', async () => {
      const submitted = await submit(requesterA, 'raced.acme.example');
      const certificatesBefore = await certificateCount();
      const attempts = await Promise.all(
        [managerA, adminA].map((user) =>
          testApp
            .http()
            .post(`/api/v1/certificate-requests/${submitted.id}/sign`)
            .set(...bearer(user))
            .send({ ca_id: caA.id }),
        ),
      );
      expect(attempts.map((attempt) => attempt.status).sort()).toEqual([200, 409]);
      const winner = attempts.find((attempt) => attempt.status === 200)?.body as CertificateRequestBody;
      expect(await certificateCount()).toBe(certificatesBefore + 1);
      expect((await getRequest(adminA, submitted.id)).certificate_id).toBe(winner.certificate_id);
      expect(await audit('csr_sign', submitted.id)).toHaveLength(1);
    });

    it('refuses to sign a request that is active or rejected with 409 naming its state', async () => {
      const active = await submit(requesterA, 'twice.acme.example');
      const first = await sign(managerA, active.id, caA.id);
      const certificatesBefore = await certificateCount();
      expect(await refused(managerA, 'post', `${active.id}/sign`, 409, { ca_id: caA.id })).toMatch(
        /\bactive\b/,
      );
      expect((await getRequest(managerA, active.id)).certificate_id).toBe(first.certificate_id);
      const rejected = await submit(requesterA, 'rejected-then-signed.acme.example');
      await requestAction(testApp, managerA, 'post', `${rejected.id}/reject`, {});
      expect(await refused(managerA, 'post', `${rejected.id}/sign`, 409, { ca_id: caA.id })).toMatch(
        /\brejected\b/,
      );
      expect(await certificateCount()).toBe(certificatesBefore);
    });
  });

  describe('POST /certificate-requests/{id}/reject', () => {
    it('rejects with a reason: status rejected, rejection_reason, handled_by_user_id, audited', async () => {
      const submitted = await submit(requesterA, 'reject-me.acme.example');
      const rejected = await requestAction(testApp, managerA, 'post', `${submitted.id}/reject`, {
        reason: 'duplicate of an earlier request',
      });
      expect(rejected).toMatchObject({
        id: submitted.id,
        status: 'rejected',
        rejection_reason: 'duplicate of an earlier request',
        handled_by_user_id: managerA.id,
        ...NO_CERTIFICATE,
      });
      expect(await getRequest(requesterA, submitted.id)).toEqual({
        ...rejected,
        updated_at: expect.any(String),
      });
      expect(await audit('csr_reject', submitted.id)).toEqual([
        auditRow('csr_reject', managerA, orgA, submitted.id),
      ]);
    });

    it('rejects without a reason, leaving rejection_reason null', async () => {
      const submitted = await submit(requesterA2, 'reject-silently.acme.example');
      const rejected = await requestAction(testApp, adminA, 'post', `${submitted.id}/reject`, {});
      expect(rejected).toMatchObject({
        status: 'rejected',
        rejection_reason: null,
        handled_by_user_id: adminA.id,
      });
    });

    it('refuses to reject a rejected or active request with 409 naming its state', async () => {
      const rejected = await submit(requesterA, 'reject-twice.acme.example');
      await requestAction(testApp, managerA, 'post', `${rejected.id}/reject`, { reason: 'first' });
      expect(await refused(managerA, 'post', `${rejected.id}/reject`, 409, { reason: 'second' })).toMatch(
        /\brejected\b/,
      );
      expect((await getRequest(managerA, rejected.id)).rejection_reason).toBe('first');
      const active = await submit(requesterA, 'reject-active.acme.example');
      await sign(managerA, active.id, caA.id);
      expect(await refused(managerA, 'post', `${active.id}/reject`, 409, {})).toMatch(/\bactive\b/);
      expect((await getRequest(managerA, active.id)).status).toBe('active');
      expect(await audit('csr_reject', active.id)).toEqual([]);
    });

    it('refuses requesters, readers and other organizations with 403, 404 for unknown, 400 for a bad reason', async () => {
      const submitted = await submit(requesterA, 'reject-refused.acme.example');
      for (const user of [requesterA, requesterA2, readerA, revokerA, adminB, managerB]) {
        await refused(user, 'post', `${submitted.id}/reject`, 403, {});
      }
      await refused(managerA, 'post', `${submitted.id}/reject`, 400, { reason: 5 });
      await refused(managerA, 'post', '999999/reject', 404, {});
      expect((await getRequest(managerA, submitted.id)).status).toBe('outstanding');
      expect(await audit('csr_reject', submitted.id)).toEqual([]);
    });
  });

  describe('POST /certificate-requests/{id}/certificate (external chain)', () => {
    let outside: OutsideCa;
    let impostor: OutsideCa;
    let outsideIntermediate: OutsideCa;

    beforeAll(() => {
      outside = outsideRoot(ssl, '/O=Elsewhere/CN=Outside Notary Root');
      impostor = outsideRoot(ssl, '/O=Elsewhere/CN=Outside Notary Root');
      const intermediateCsr = ssl.csr('outside-intermediate', EC_P256, '/O=Elsewhere/CN=Outside Issuing');
      const signed = signOutside(ssl, outside, intermediateCsr.csr, caExtensions(0));
      outsideIntermediate = { ...signed, keyPath: intermediateCsr.keyPath };
    });

    /** A request and the certificate an outside CA made for its CSR. */
    async function requestSignedOutside(
      host: string,
      issuer: OutsideCa,
    ): Promise<{ request: CertificateRequestBody; leaf: string }> {
      const { csr } = newCsr(host, [`DNS:${host}`]);
      const request = track(await submitRequest(testApp, requesterA, { csr }));
      return { request, leaf: signOutside(ssl, issuer, csr, leafExtensions(host)).certificate };
    }

    it('accepts a chain made outside (leaf first, then its issuer): active, signed externally, no certificate row', async () => {
      const { request, leaf } = await requestSignedOutside('external.acme.example', outside);
      const chain = leaf + outside.certificate;
      const certificatesBefore = await certificateCount();
      const uploaded = await requestAction(testApp, managerA, 'post', `${request.id}/certificate`, {
        certificate_chain: chain,
      });
      expect(uploaded).toMatchObject({
        id: request.id,
        status: 'active',
        signed_externally: true,
        certificate_id: null,
        issuer_id: null,
        certificate_chain: chain,
        handled_by_user_id: managerA.id,
        revoked_at: null,
      });
      expect(uploaded.certificate?.trim()).toBe(leaf.trim());
      expect(normalSerial(uploaded.serial_number ?? '')).toBe(normalSerial(x509Field(ssl, leaf, 'serial')));
      expect(Date.parse(uploaded.not_after ?? '')).toBe(
        Date.parse(x509Field(ssl, leaf, 'enddate').replace('notAfter=', '')),
      );
      expect(Date.parse(uploaded.not_before ?? '')).toBe(
        Date.parse(x509Field(ssl, leaf, 'startdate').replace('notBefore=', '')),
      );
      expect(await certificateCount()).toBe(certificatesBefore);
      expect(await getRequest(requesterA, request.id)).toEqual({
        ...uploaded,
        updated_at: expect.any(String),
      });
      expect(await audit('csr_upload_certificate', request.id)).toEqual([
        auditRow('csr_upload_certificate', managerA, orgA, request.id),
      ]);
    });

    it('accepts a three-certificate chain: leaf, intermediate, root', async () => {
      const { request, leaf } = await requestSignedOutside('external-3.acme.example', outsideIntermediate);
      const chain = leaf + outsideIntermediate.certificate + outside.certificate;
      const uploaded = await requestAction(testApp, adminA, 'post', `${request.id}/certificate`, {
        certificate_chain: chain,
      });
      expect(uploaded).toMatchObject({ status: 'active', signed_externally: true, certificate_chain: chain });
    });

    it('refuses a chain whose leaf has another key, a chain that does not link, and blocks that are not certificates with 400', async () => {
      const { request, leaf } = await requestSignedOutside('refused-chain.acme.example', outside);
      const intermediateLeaf = signOutside(
        ssl,
        outsideIntermediate,
        request.csr,
        leafExtensions('x.acme.example'),
      ).certificate;
      const otherKeyLeaf = signOutside(
        ssl,
        outside,
        newCsr('other-key.acme.example').csr,
        leafExtensions('other-key.acme.example'),
      ).certificate;
      const csrBlock = newCsr('block.acme.example').csr;
      const keyBlock = ssl.run(['genpkey', '-algorithm', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']).output;
      expect(keyBlock).toContain('PRIVATE KEY');
      const cases: [string, string][] = [
        ['a leaf for another key', otherKeyLeaf + outside.certificate],
        ['the issuer first', outside.certificate + leaf],
        [
          'an intermediate chain in the wrong order',
          intermediateLeaf + outside.certificate + outsideIntermediate.certificate,
        ],
        ['an impostor issuer with the same name', leaf + impostor.certificate],
        ['an unrelated issuer', leaf + caA.certificate],
        ['a private key after the leaf', leaf + keyBlock],
        ['a CSR after the leaf', leaf + csrBlock],
        ['garbage', 'this is not a certificate chain'],
        ['an empty chain', ''],
        [
          'a certificate PEM without a certificate inside',
          '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n',
        ],
      ];
      for (const [label, chain] of cases) {
        const response = await testApp
          .http()
          .post(`/api/v1/certificate-requests/${request.id}/certificate`)
          .set(...bearer(managerA))
          .send({ certificate_chain: chain });
        expect({ label, status: response.status }).toEqual({ label, status: 400 });
        expect(response.body.detail).toEqual(expect.any(String));
      }
      for (const body of [{}, { certificate_chain: 5 }, { certificate_chain: null }]) {
        await refused(managerA, 'post', `${request.id}/certificate`, 400, body);
      }
      expect(await getRequest(managerA, request.id)).toMatchObject({
        status: 'outstanding',
        ...NO_CERTIFICATE,
      });
      expect(await audit('csr_upload_certificate', request.id)).toEqual([]);
      // The intact chain is still accepted afterwards.
      const uploaded = await requestAction(testApp, managerA, 'post', `${request.id}/certificate`, {
        certificate_chain: leaf + outside.certificate,
      });
      expect(uploaded.status).toBe('active');
    });

    it('refuses a leaf that is a CA certificate, and a chain whose second certificate is not a CA, with 400', async () => {
      const host = 'external-not-ca.acme.example';
      const { csr } = newCsr(host, [`DNS:${host}`]);
      const request = track(await submitRequest(testApp, requesterA, { csr }));
      const caLeaf = signOutside(ssl, outside, csr, caExtensions()).certificate;
      expect(x509Extension(x509Text(ssl, caLeaf), 'X509v3 Basic Constraints')?.value).toBe('CA:TRUE');
      expect(
        await refused(managerA, 'post', `${request.id}/certificate`, 400, {
          certificate_chain: caLeaf + outside.certificate,
        }),
      ).toMatch(/CA certificate/);

      const posing = outsideIssuer(
        ssl,
        outside,
        '/O=Elsewhere/CN=Outside Posing Issuer',
        leafExtensions('posing.elsewhere.example'),
      );
      const underPosing = signOutside(ssl, posing, csr, leafExtensions(host)).certificate;
      for (const [label, chain] of [
        ['with the outside root', underPosing + posing.certificate + outside.certificate],
        ['without the outside root', underPosing + posing.certificate],
      ]) {
        expect({
          label,
          detail: await refused(managerA, 'post', `${request.id}/certificate`, 400, {
            certificate_chain: chain,
          }),
        }).toEqual({ label, detail: expect.stringMatching(/certificate 2 is not a CA certificate/i) });
      }
      expect(await getRequest(managerA, request.id)).toMatchObject({
        status: 'outstanding',
        ...NO_CERTIFICATE,
      });
      expect(await audit('csr_upload_certificate', request.id)).toEqual([]);
      const proper = signOutside(ssl, outside, csr, leafExtensions(host)).certificate;
      const uploaded = await requestAction(testApp, managerA, 'post', `${request.id}/certificate`, {
        certificate_chain: proper + outside.certificate,
      });
      expect(uploaded.status).toBe('active');
    });

    it('refuses an upload to an active or rejected request with 409 naming its state', async () => {
      const { request, leaf } = await requestSignedOutside('upload-twice.acme.example', outside);
      const chain = leaf + outside.certificate;
      await requestAction(testApp, managerA, 'post', `${request.id}/certificate`, {
        certificate_chain: chain,
      });
      expect(
        await refused(managerA, 'post', `${request.id}/certificate`, 409, { certificate_chain: chain }),
      ).toMatch(/\bactive\b/);
      const signed = await submit(requesterA, 'upload-signed.acme.example');
      await sign(managerA, signed.id, caA.id);
      expect(
        await refused(managerA, 'post', `${signed.id}/certificate`, 409, { certificate_chain: chain }),
      ).toMatch(/\bactive\b/);
      const rejected = await requestSignedOutside('upload-rejected.acme.example', outside);
      await requestAction(testApp, managerA, 'post', `${rejected.request.id}/reject`, {});
      expect(
        await refused(managerA, 'post', `${rejected.request.id}/certificate`, 409, {
          certificate_chain: rejected.leaf + outside.certificate,
        }),
      ).toMatch(/\brejected\b/);
    });

    it('refuses requesters, readers and other organizations with 403', async () => {
      const { request, leaf } = await requestSignedOutside('upload-refused.acme.example', outside);
      for (const user of [requesterA, readerA, revokerA, adminB, managerB]) {
        await refused(user, 'post', `${request.id}/certificate`, 403, {
          certificate_chain: leaf + outside.certificate,
        });
      }
      expect((await getRequest(managerA, request.id)).status).toBe('outstanding');
    });
  });

  describe('DELETE /certificate-requests/{id}/certificate', () => {
    it('returns a request we signed to outstanding, leaves the certificate valid, and lets it be signed again', async () => {
      const submitted = await submit(requesterA, 'remove-ours.acme.example');
      const signed = await sign(managerA, submitted.id, caA.id);
      const removed = await requestAction(testApp, managerA, 'delete', `${submitted.id}/certificate`);
      expect(removed).toMatchObject({ id: submitted.id, status: 'outstanding', ...NO_CERTIFICATE });
      expect(await getRequest(requesterA, submitted.id)).toMatchObject({
        status: 'outstanding',
        ...NO_CERTIFICATE,
      });
      const kept = await getCertificate(signed.certificate_id ?? 0);
      expect(kept).toMatchObject({ status: 'valid', revoked_at: null, certificate: signed.certificate });
      expect(await audit('csr_remove_certificate', submitted.id)).toEqual([
        auditRow('csr_remove_certificate', managerA, orgA, submitted.id),
      ]);
      const again = await sign(managerA, submitted.id, caA.id);
      expect(again.status).toBe('active');
      expect(again.certificate_id).toEqual(expect.any(Number));
      expect(again.certificate_id).not.toBe(signed.certificate_id);
      expect(again.serial_number).not.toBe(signed.serial_number);
    });

    it('returns an externally signed request to outstanding, forgetting the uploaded chain', async () => {
      const outside = outsideRoot(ssl, '/CN=Removal Root');
      const { csr } = newCsr('remove-external.acme.example', ['DNS:remove-external.acme.example']);
      const submitted = track(await submitRequest(testApp, requesterA, { csr }));
      const leaf = signOutside(ssl, outside, csr, leafExtensions('remove-external.acme.example')).certificate;
      await requestAction(testApp, adminA, 'post', `${submitted.id}/certificate`, {
        certificate_chain: leaf + outside.certificate,
      });
      const removed = await requestAction(testApp, adminA, 'delete', `${submitted.id}/certificate`);
      expect(removed).toMatchObject({ status: 'outstanding', ...NO_CERTIFICATE });
    });

    it('refuses an outstanding or rejected request with 409 naming its state', async () => {
      const outstanding = await submit(requesterA, 'remove-nothing.acme.example');
      expect(await refused(managerA, 'delete', `${outstanding.id}/certificate`, 409)).toMatch(
        /\boutstanding\b/,
      );
      const rejected = await submit(requesterA, 'remove-rejected.acme.example');
      await requestAction(testApp, managerA, 'post', `${rejected.id}/reject`, {});
      expect(await refused(managerA, 'delete', `${rejected.id}/certificate`, 409)).toMatch(/\brejected\b/);
      expect(await audit('csr_remove_certificate', outstanding.id)).toEqual([]);
    });

    it('refuses requesters, readers, revokers and other organizations with 403', async () => {
      const submitted = await submit(requesterA, 'remove-refused.acme.example');
      const signed = await sign(managerA, submitted.id, caA.id);
      for (const user of [requesterA, readerA, revokerA, adminB, managerB]) {
        await refused(user, 'delete', `${submitted.id}/certificate`, 403);
      }
      expect((await getRequest(managerA, submitted.id)).certificate_id).toBe(signed.certificate_id);
      await refused(managerA, 'delete', '999999/certificate', 404);
    });
  });

  describe('POST /certificate-requests/{id}/revoke', () => {
    it('revokes a request we signed and its certificate, whose serial then appears on the CA CRL', async () => {
      const submitted = await submit(requesterA, 'revoke-ours.acme.example');
      const signed = await sign(managerA, submitted.id, caA.id);
      const serial = normalSerial(signed.serial_number ?? '');
      expect(crlSerials(ssl, await fetchCrl(testApp, adminA, caA.id))).not.toContain(serial);
      const revoked = await requestAction(testApp, revokerA, 'post', `${submitted.id}/revoke`, {
        reason: 'keyCompromise',
      });
      expect(revoked).toMatchObject({
        id: submitted.id,
        status: 'revoked',
        revoked_at: expect.any(String),
        handled_by_user_id: revokerA.id,
        certificate_id: signed.certificate_id,
        certificate: signed.certificate,
      });
      expect(await getRequest(requesterA, submitted.id)).toMatchObject({ status: 'revoked' });
      const row = await getCertificate(signed.certificate_id ?? 0);
      expect(row).toMatchObject({ status: 'revoked', revoked_at: expect.any(String) });
      expect(crlSerials(ssl, await fetchCrl(testApp, adminA, caA.id))).toContain(serial);
      expect(await audit('csr_revoke', submitted.id)).toEqual([
        auditRow('csr_revoke', revokerA, orgA, submitted.id),
      ]);
      // The certificate's own trail records the revocation too, pointing back at the request.
      const certificateRevocations = await testApp
        .http()
        .get(`/api/v1/audit-logs/?action=cert_revoke&resource_id=${signed.certificate_id}`)
        .set(...bearer(superuser))
        .expect(200);
      expect(certificateRevocations.body).toHaveLength(1);
      expect(certificateRevocations.body[0]).toMatchObject({
        user_id: revokerA.id,
        detail: expect.objectContaining({ certificate_request_id: submitted.id }),
      });
    });

    it('lets an admin and a superuser revoke, and refuses managers without can_revoke_cert, requesters, readers and other organizations with 403', async () => {
      const submitted = await submit(requesterA, 'revoke-refused.acme.example');
      const signed = await sign(managerA, submitted.id, caA.id);
      for (const user of [managerA, requesterA, requesterA2, readerA, adminB, managerB]) {
        await refused(user, 'post', `${submitted.id}/revoke`, 403, {});
      }
      expect(await getRequest(adminA, submitted.id)).toMatchObject({ status: 'active', revoked_at: null });
      expect((await getCertificate(signed.certificate_id ?? 0)).status).toBe('valid');
      expect(await audit('csr_revoke', submitted.id)).toEqual([]);
      const byAdmin = await requestAction(testApp, adminA, 'post', `${submitted.id}/revoke`, {});
      expect(byAdmin).toMatchObject({ status: 'revoked', handled_by_user_id: adminA.id });
      const other = await submit(requesterA, 'revoke-superuser.acme.example');
      await sign(managerA, other.id, caA.id);
      expect((await requestAction(testApp, superuser, 'post', `${other.id}/revoke`, {})).status).toBe(
        'revoked',
      );
    });

    it('puts the reason_code given on the CRL entry and the certificate row', async () => {
      const submitted = await submit(requesterA, 'revoke-reason.acme.example');
      const signed = await sign(managerA, submitted.id, caA.id);
      await requestAction(testApp, revokerA, 'post', `${submitted.id}/revoke`, {
        reason: 'the laptop was stolen',
        reason_code: 1,
      });
      expect(await getCertificate(signed.certificate_id ?? 0)).toMatchObject({
        status: 'revoked',
        revocation_reason_code: 1,
      });
      expect(crlReason(ssl, await fetchCrl(testApp, adminA, caA.id), signed.serial_number ?? '')).toBe(
        'Key Compromise',
      );
    });

    it('refuses a bad reason_code with 400, leaving the request active', async () => {
      const submitted = await submit(requesterA, 'revoke-bad-reason.acme.example');
      await sign(managerA, submitted.id, caA.id);
      for (const body of [{ reason_code: 'one' }, { reason_code: 99 }, { reason: 5 }]) {
        await refused(revokerA, 'post', `${submitted.id}/revoke`, 400, body);
      }
      expect((await getRequest(revokerA, submitted.id)).status).toBe('active');
    });

    it('refuses revoked, outstanding, rejected and externally signed requests with 409', async () => {
      const submitted = await submit(requesterA, 'revoke-twice.acme.example');
      await sign(managerA, submitted.id, caA.id);
      await requestAction(testApp, revokerA, 'post', `${submitted.id}/revoke`, {});
      expect(await refused(revokerA, 'post', `${submitted.id}/revoke`, 409, {})).toMatch(/\brevoked\b/);
      const outstanding = await submit(requesterA, 'revoke-outstanding.acme.example');
      expect(await refused(revokerA, 'post', `${outstanding.id}/revoke`, 409, {})).toMatch(/\boutstanding\b/);
      const rejected = await submit(requesterA, 'revoke-rejected.acme.example');
      await requestAction(testApp, managerA, 'post', `${rejected.id}/reject`, {});
      expect(await refused(revokerA, 'post', `${rejected.id}/revoke`, 409, {})).toMatch(/\brejected\b/);

      const outside = outsideRoot(ssl, '/CN=Revocation Outside Root');
      const { csr } = newCsr('revoke-external.acme.example', ['DNS:revoke-external.acme.example']);
      const external = track(await submitRequest(testApp, requesterA, { csr }));
      const leaf = signOutside(ssl, outside, csr, leafExtensions('revoke-external.acme.example')).certificate;
      await requestAction(testApp, managerA, 'post', `${external.id}/certificate`, {
        certificate_chain: leaf + outside.certificate,
      });
      expect(await refused(revokerA, 'post', `${external.id}/revoke`, 409, {})).toMatch(/outside/i);
      expect(await getRequest(revokerA, external.id)).toMatchObject({ status: 'active', revoked_at: null });
      await refused(revokerA, 'post', '999999/revoke', 404, {});
    });

    it('turns the request revoked when its certificate is revoked through /certificates/{id}/revoke', async () => {
      const submitted = await submit(requesterA, 'revoke-directly.acme.example');
      const signed = await sign(managerA, submitted.id, caA.id);
      await testApp
        .http()
        .post(`/api/v1/certificates/${signed.certificate_id}/revoke`)
        .set(...bearer(revokerA))
        .send({ reason: 'superseded' })
        .expect(200);
      expect(await getRequest(requesterA, submitted.id)).toMatchObject({
        status: 'revoked',
        revoked_at: expect.any(String),
      });
      expect(await refused(revokerA, 'post', `${submitted.id}/revoke`, 409, {})).toMatch(/\brevoked\b/);
    });

    it('names the revoker, audits csr_revoke and counts one revoke event when the certificate is revoked through /certificates/{id}/revoke', async () => {
      const submitted = await submit(requesterA, 'revoke-directly-audited.acme.example');
      const signed = await sign(managerA, submitted.id, caA.id);
      const eventsBefore = await revokeEvents();
      const response = await testApp
        .http()
        .post(`/api/v1/certificates/${signed.certificate_id}/revoke`)
        .set(...bearer(revokerA))
        .send({ reason: 'superseded' })
        .expect(200);
      const certificate: CertificateBody = response.body;
      expect(certificate.status).toBe('revoked');
      expect(await getRequest(requesterA, submitted.id)).toMatchObject({
        status: 'revoked',
        handled_by_user_id: revokerA.id,
        revoked_at: certificate.revoked_at,
      });
      expect(await audit('csr_revoke', submitted.id)).toEqual([
        auditRow('csr_revoke', revokerA, orgA, submitted.id),
      ]);
      expect(await revokeEvents()).toBe(eventsBefore + 1);
    });

    it('counts one revoke event when a request is revoked through its own route', async () => {
      const submitted = await submit(requesterA, 'revoke-counted-once.acme.example');
      await sign(managerA, submitted.id, caA.id);
      const eventsBefore = await revokeEvents();
      await requestAction(testApp, revokerA, 'post', `${submitted.id}/revoke`, {});
      expect(await revokeEvents()).toBe(eventsBefore + 1);
      expect(await audit('csr_revoke', submitted.id)).toHaveLength(1);
    });

    it('refuses every other transition out of revoked with 409', async () => {
      const submitted = await submit(requesterA, 'revoked-final.acme.example');
      await sign(managerA, submitted.id, caA.id);
      await requestAction(testApp, revokerA, 'post', `${submitted.id}/revoke`, {});
      expect(await refused(managerA, 'post', `${submitted.id}/sign`, 409, { ca_id: caA.id })).toMatch(
        /\brevoked\b/,
      );
      expect(await refused(managerA, 'post', `${submitted.id}/reject`, 409, {})).toMatch(/\brevoked\b/);
      expect(await refused(managerA, 'delete', `${submitted.id}/certificate`, 409)).toMatch(/\brevoked\b/);
      expect(
        await refused(managerA, 'post', `${submitted.id}/certificate`, 409, {
          certificate_chain: caA.certificate,
        }),
      ).toMatch(/\brevoked\b/);
    });
  });

  describe('a member who may both request and revoke', () => {
    let requestingRevokerA: TestUser;

    beforeAll(async () => {
      requestingRevokerA = await createUser(testApp, superuser, {
        organization_id: orgA,
        can_request_cert: true,
        can_revoke_cert: true,
      });
    });

    it("sees the organization's requests, those of other submitters included, and nothing of other organizations", async () => {
      const own = await submit(requestingRevokerA, 'requesting-revoker.acme.example');
      const others = await submit(requesterA, 'seen-by-requesting-revoker.acme.example');
      const ids = (await listRequests(requestingRevokerA)).map((item) => item.id);
      const orgAIds = [...tracked.entries()]
        .filter(([, entry]) => entry.organizationId === orgA)
        .map(([id]) => id)
        .sort((a, b) => b - a);
      expect(ids).toEqual(orgAIds);
      expect(ids).toEqual(expect.arrayContaining([own.id, others.id]));
      expect(ids.some((id) => tracked.get(id)?.submitterId !== requestingRevokerA.id)).toBe(true);
      expect((await getRequest(requestingRevokerA, others.id)).submitted_by_user_id).toBe(requesterA.id);
      const ofOrgB = [...tracked.entries()].find(([, entry]) => entry.organizationId === orgB);
      expect(ofOrgB).toBeDefined();
      await refused(requestingRevokerA, 'get', String(ofOrgB?.[0]), 403);
    });

    it("revokes another member's active request with 200", async () => {
      const submitted = await submit(requesterA, 'revoked-by-requesting-revoker.acme.example');
      const signed = await sign(managerA, submitted.id, caA.id);
      const revoked = await requestAction(testApp, requestingRevokerA, 'post', `${submitted.id}/revoke`, {
        reason: 'keyCompromise',
      });
      expect(revoked).toMatchObject({
        id: submitted.id,
        status: 'revoked',
        handled_by_user_id: requestingRevokerA.id,
      });
      expect((await getCertificate(signed.certificate_id ?? 0)).status).toBe('revoked');
      expect(crlSerials(ssl, await fetchCrl(testApp, adminA, caA.id))).toContain(
        normalSerial(signed.serial_number ?? ''),
      );
      expect(await audit('csr_revoke', submitted.id)).toEqual([
        auditRow('csr_revoke', requestingRevokerA, orgA, submitted.id),
      ]);
    });
  });

  describe('deeply nested JSON bodies', () => {
    /** POSTs `body` as JSON and returns the status, content type and parsed body. */
    async function postJson(
      user: TestUser,
      path: string,
      body: unknown,
    ): Promise<{ status: number; contentType: string; body: { detail?: unknown } }> {
      const response = await testApp
        .http()
        .post(path)
        .set(...bearer(user))
        .set('Content-Type', 'application/json')
        .send(JSON.stringify(body));
      return {
        status: response.status,
        contentType: String(response.headers['content-type'] ?? ''),
        body: response.body,
      };
    }

    it('refuses a body nested 100 levels deep with 400 JSON naming the depth, on reject and on certificate revoke', async () => {
      const outstanding = await submit(requesterA, 'deep-reject.acme.example');
      const active = await submit(requesterA, 'deep-revoke.acme.example');
      const signed = await sign(managerA, active.id, caA.id);
      const deep = { reason: nestedJson(99) };
      for (const [user, path] of [
        [managerA, `/api/v1/certificate-requests/${outstanding.id}/reject`],
        [revokerA, `/api/v1/certificates/${signed.certificate_id}/revoke`],
      ] as const) {
        expect({ path, ...(await postJson(user, path, deep)) }).toEqual({
          path,
          status: 400,
          contentType: expect.stringMatching(/^application\/json/),
          body: { detail: expect.stringMatching(/nests deeper/) },
        });
      }
      expect(await getRequest(managerA, outstanding.id)).toMatchObject({
        status: 'outstanding',
        rejection_reason: null,
      });
      expect(await getRequest(managerA, active.id)).toMatchObject({ status: 'active', revoked_at: null });
      expect((await getCertificate(signed.certificate_id ?? 0)).status).toBe('valid');
    });

    it('answers a body nested 20 levels deep in an unknown field normally, without the depth error', async () => {
      const outstanding = await submit(requesterA, 'shallow-reject.acme.example');
      const active = await submit(requesterA, 'shallow-revoke.acme.example');
      const signed = await sign(managerA, active.id, caA.id);
      const shallow = { reason: 'superseded', extra: nestedJson(19) };
      for (const [user, path] of [
        [managerA, `/api/v1/certificate-requests/${outstanding.id}/reject`],
        [revokerA, `/api/v1/certificates/${signed.certificate_id}/revoke`],
      ] as const) {
        const answer = await postJson(user, path, shallow);
        expect({ path, status: answer.status, contentType: answer.contentType }).toEqual({
          path,
          status: 400,
          contentType: expect.stringMatching(/^application\/json/),
        });
        expect(answer.body.detail).toEqual(expect.stringMatching(/extra/));
        expect(answer.body.detail).not.toMatch(/nests deeper/);
      }
      expect((await getRequest(managerA, outstanding.id)).status).toBe('outstanding');
      expect((await getCertificate(signed.certificate_id ?? 0)).status).toBe('valid');
    });
  });

  describe('DELETE /certificate-requests/{id}', () => {
    it('lets the submitter delete their own request: 204, then 404, audited csr_delete', async () => {
      const submitted = await submit(requesterA, 'delete-own.acme.example');
      await testApp
        .http()
        .delete(`/api/v1/certificate-requests/${submitted.id}`)
        .set(...bearer(requesterA))
        .expect(204);
      tracked.delete(submitted.id);
      await refused(requesterA, 'get', String(submitted.id), 404);
      await refused(superuser, 'get', `${submitted.id}/csr`, 404);
      await refused(requesterA, 'delete', String(submitted.id), 404);
      expect(await audit('csr_delete', submitted.id)).toEqual([
        auditRow('csr_delete', requesterA, orgA, submitted.id),
      ]);
    });

    it('refuses another requester, readers, revokers and other organizations with 403', async () => {
      const submitted = await submit(requesterA, 'delete-refused.acme.example');
      for (const user of [requesterA2, readerA, revokerA, adminB, managerB, loner]) {
        await refused(user, 'delete', String(submitted.id), 403);
      }
      expect((await getRequest(requesterA, submitted.id)).status).toBe('outstanding');
      expect(await audit('csr_delete', submitted.id)).toEqual([]);
    });

    it('lets a manager, an admin and a superuser delete in any state, keeping the certificate we issued', async () => {
      const active = await submit(requesterA, 'delete-active.acme.example');
      const signed = await sign(managerA, active.id, caA.id);
      const rejected = await submit(requesterA, 'delete-rejected.acme.example');
      await requestAction(testApp, managerA, 'post', `${rejected.id}/reject`, {});
      const revoked = await submit(requesterA, 'delete-revoked.acme.example');
      const revokedSigned = await sign(managerA, revoked.id, caA.id);
      await requestAction(testApp, revokerA, 'post', `${revoked.id}/revoke`, {});
      for (const [user, id] of [
        [managerA, active.id],
        [adminA, rejected.id],
        [superuser, revoked.id],
      ] as const) {
        await testApp
          .http()
          .delete(`/api/v1/certificate-requests/${id}`)
          .set(...bearer(user))
          .expect(204);
        tracked.delete(id);
        await refused(superuser, 'get', String(id), 404);
      }
      expect(await getCertificate(signed.certificate_id ?? 0)).toMatchObject({
        status: 'valid',
        certificate: signed.certificate,
      });
      expect((await getCertificate(revokedSigned.certificate_id ?? 0)).status).toBe('revoked');
    });
  });

  describe('deleting around a request', () => {
    it('lets the submitter delete their own active request, after which its certificate can still be revoked', async () => {
      const submitted = await submit(requesterA, 'delete-own-active.acme.example');
      const signed = await sign(managerA, submitted.id, caA.id);
      await testApp
        .http()
        .delete(`/api/v1/certificate-requests/${submitted.id}`)
        .set(...bearer(requesterA))
        .expect(204);
      tracked.delete(submitted.id);
      expect(await getCertificate(signed.certificate_id ?? 0)).toMatchObject({ status: 'valid' });
      await testApp
        .http()
        .post(`/api/v1/certificates/${signed.certificate_id}/revoke`)
        .set(...bearer(revokerA))
        .send({ reason: 'superseded' })
        .expect(200);
      expect(crlSerials(ssl, await fetchCrl(testApp, adminA, caA.id))).toContain(
        normalSerial(signed.serial_number ?? ''),
      );
    });

    it('deletes a CA that signed a request (204), and the request can still be read', async () => {
      const doomed = await createRootCa(testApp, adminA, { name: 'Requests Doomed CA', key_type: 'ec' });
      const submitted = await submit(requesterA, 'orphaned.acme.example');
      await sign(managerA, submitted.id, doomed.id);
      const response = await testApp
        .http()
        .delete(`/api/v1/cas/${doomed.id}`)
        .set(...bearer(adminA));
      expect({ status: response.status, body: response.body }).toEqual({ status: 204, body: {} });
      await testApp
        .http()
        .get(`/api/v1/cas/${doomed.id}`)
        .set(...bearer(adminA))
        .expect(404);
      const after = await getRequest(requesterA, submitted.id);
      expect(after.id).toBe(submitted.id);
    });
  });

  describe('after the workflow: status filters and metrics', () => {
    it('filters the list by each status, and the filters partition the list', async () => {
      const all = await listRequests(superuser);
      expect(all.map((item) => item.id).sort((a, b) => a - b)).toEqual(
        [...tracked.keys()].sort((a, b) => a - b),
      );
      let seen = 0;
      for (const status of ['outstanding', 'active', 'rejected', 'revoked'] as const) {
        const filtered = await listRequests(superuser, `status=${status}&limit=1000`);
        expect(filtered.length).toBeGreaterThan(0);
        expect({ status, ids: filtered.map((item) => item.id) }).toEqual({
          status,
          ids: all.filter((item) => item.status === status).map((item) => item.id),
        });
        seen += filtered.length;
      }
      expect(seen).toBe(all.length);
      const ownActive = await listRequests(requesterA, 'status=active&limit=1000');
      expect(ownActive.length).toBeGreaterThan(0);
      expect(
        ownActive.every((item) => item.submitted_by_user_id === requesterA.id && item.status === 'active'),
      ).toBe(true);
    });

    it('reports requests by status and request events on /metrics', async () => {
      await pause(5100);
      const metrics = (await testApp.http().get('/metrics').expect(200)).text;
      const all = await listRequests(superuser);
      for (const status of ['outstanding', 'active', 'rejected', 'revoked']) {
        const expected = all.filter((item) => item.status === status).length;
        expect({
          status,
          value: metricValue(metrics, `ca_certificate_requests{status="${status}"}`),
        }).toEqual({
          status,
          value: expected,
        });
      }
      expect(metricValue(metrics, 'ca_certificate_request_events_total{action="submit"}')).toBe(submissions);
      for (const action of [
        'sign',
        'reject',
        'upload_certificate',
        'remove_certificate',
        'revoke',
        'delete',
      ]) {
        expect({
          action,
          value: metricValue(metrics, `ca_certificate_request_events_total{action="${action}"}`),
        }).toEqual({
          action,
          value: expect.any(Number),
        });
        expect(
          metricValue(metrics, `ca_certificate_request_events_total{action="${action}"}`),
        ).toBeGreaterThan(0);
      }
    });
  });
});
