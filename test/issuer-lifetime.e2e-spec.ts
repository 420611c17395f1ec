import {
  createIntermediate,
  createMember,
  createOrganization,
  createRootCa,
  createSuperuser,
} from './support/fixtures';
import { EC_P256 } from './support/notary';
import { OpensslWorkspace } from './support/openssl';
import { CaBody } from './support/pki';
import { bearer, startTestApp, TestApp, TestUser } from './support/test-app';

const DAY_MS = 86_400_000;

/**
 * The request's issuer_lifetime (issue 16, item 7): a leaf that would outlive its CA is clamped and
 * says so (validity_clamped, a Warning header), or, when the request asks for `refuse`, is refused
 * with a 400 naming the CA's end, on every leaf-issuing route, with nothing written.
 */
describe("the request's issuer_lifetime", () => {
  let testApp: TestApp;
  let ssl: OpensslWorkspace;
  let issuer: TestUser;
  let shortCa: CaBody;
  let csrCount = 0;

  beforeAll(async () => {
    testApp = await startTestApp();
    ssl = new OpensslWorkspace();
    const superuser = await createSuperuser(testApp);
    const organization = await createOrganization(testApp, superuser);
    issuer = await createMember(testApp, superuser, organization, { can_create_cert: true });
    const admin = await createMember(testApp, superuser, organization, { can_create_ca: true });
    const root = await createRootCa(testApp, admin, { name: 'Lifetime Root', key_type: 'ec' });
    shortCa = await createIntermediate(testApp, admin, root, {
      name: 'Short Lived',
      key_type: 'ec',
      valid_days: 20,
    });
  });

  afterAll(async () => {
    await testApp?.close();
    ssl?.dispose();
  });

  const post = (path: string, body: object) =>
    testApp
      .http()
      .post(`/api/v1${path}`)
      .set(...bearer(issuer))
      .send(body);
  const csrFor = (name: string) => ssl.csr(`lifetime-${++csrCount}`, EC_P256, `/CN=${name}`).csr;
  const certificateCount = async () =>
    (
      await testApp
        .http()
        .get('/api/v1/certificates/?limit=1000')
        .set(...bearer(issuer))
    ).body.length;
  const refusal = (days: number) =>
    `valid_days "${days}" would outlive the issuing CA (notAfter ${new Date(shortCa.not_after).toISOString()}) and issuer_lifetime is refuse`;

  // Request signing answers 200 (the request changes state); the others create a certificate.
  const routes: [string, number, (name: string, extra: object) => Promise<import('supertest').Response>][] = [
    [
      'POST /certificates',
      201,
      (name, extra) =>
        post(`/certificates/?ca_id=${shortCa.id}`, {
          subject_dn: 'O=Acme',
          common_name: name,
          certificate_type: 'server',
          ...extra,
        }),
    ],
    [
      'POST /certificates/sign-csr',
      201,
      (name, extra) =>
        post('/certificates/sign-csr', {
          csr: csrFor(name),
          ca_id: shortCa.id,
          certificate_type: 'server',
          ...extra,
        }),
    ],
    [
      'POST /certificate-requests/{id}/sign',
      200,
      async (name, extra) => {
        const submitted = await post('/certificate-requests/', {
          csr: csrFor(name),
          certificate_type: 'server',
        }).expect(201);
        return post(`/certificate-requests/${submitted.body.id}/sign`, { ca_id: shortCa.id, ...extra });
      },
    ],
  ];

  it.each(routes)(
    '%s clamps by default and says so, and refuses when asked',
    async (_route, success, issue) => {
      const clamped = await issue('clamped.example', { valid_days: 60 });
      expect([clamped.status, clamped.body.detail]).toEqual([success, undefined]);
      expect(clamped.body.validity_clamped).toBe(true);
      expect(clamped.headers.warning).toMatch(/^299 - "notAfter clamped to the issuer's notAfter /);
      expect(new Date(clamped.body.not_after).getTime()).toBe(new Date(shortCa.not_after).getTime());

      const fits = await issue('fits.example', { valid_days: 5, issuer_lifetime: 'refuse' });
      expect([fits.status, fits.body.detail]).toEqual([success, undefined]);
      expect(fits.body.validity_clamped).toBe(false);
      expect(fits.headers.warning).toBeUndefined();
      const lifetime = new Date(fits.body.not_after).getTime() - new Date(fits.body.not_before).getTime();
      expect(lifetime).toBe(5 * DAY_MS);

      const before = await certificateCount();
      const refused = await issue('refused.example', { valid_days: 60, issuer_lifetime: 'refuse' });
      expect(refused.status).toBe(400);
      expect(refused.body.detail).toBe(refusal(60));
      expect(await certificateCount()).toBe(before);
    },
  );

  it('refuses an unknown issuer_lifetime with a 400 naming the field', async () => {
    const response = await post(`/certificates/?ca_id=${shortCa.id}`, {
      subject_dn: 'O=Acme',
      common_name: 'bad.example',
      certificate_type: 'server',
      issuer_lifetime: 'stretch',
    });
    expect(response.status).toBe(400);
    expect(response.body.detail).toContain('issuer_lifetime');
  });
});
