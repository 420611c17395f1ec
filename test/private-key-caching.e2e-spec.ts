import { Response } from 'supertest';
import { createRootCa, createSuperuser } from './support/fixtures';
import { binaryBody, CaBody, CertificateBody, issueCertificate } from './support/pki';
import { bearer, startTestApp, TestApp, TestUser } from './support/test-app';

function expectNotCacheable(response: Response): void {
  expect(response.headers['cache-control']).toBe('no-store');
  expect(response.headers.pragma).toBe('no-cache');
}

describe('responses carrying a private key are never cached', () => {
  let testApp: TestApp;
  let root: TestUser;
  let ca: CaBody;
  let leaf: CertificateBody;

  beforeAll(async () => {
    testApp = await startTestApp();
    root = await createSuperuser(testApp);
    ca = await createRootCa(testApp, root, { name: 'Cache Root', key_type: 'ec', key_size: 256 });
    leaf = await issueCertificate(testApp, root, ca.id, {
      common_name: 'cache.example.com',
      certificate_type: 'server',
      key_type: 'ec',
    });
  });

  afterAll(() => testApp.close());

  it('marks the CA create response, which includes the new private key, no-store', async () => {
    const response = await testApp
      .http()
      .post('/api/v1/cas/')
      .set(...bearer(root))
      .send({ name: 'Cache Second Root', subject_dn: 'CN=Cache Second Root', key_type: 'ec', key_size: 256 })
      .expect(201);
    expect(response.body.private_key).toContain('PRIVATE KEY');
    expectNotCacheable(response);
  });

  it('marks the certificate issue response, which includes the new private key, no-store', async () => {
    const response = await testApp
      .http()
      .post(`/api/v1/certificates/?ca_id=${ca.id}`)
      .set(...bearer(root))
      .send({
        common_name: 'issue.example.com',
        subject_dn: 'O=Acme',
        certificate_type: 'server',
        key_type: 'ec',
      })
      .expect(201);
    expect(response.body.private_key).toContain('PRIVATE KEY');
    expectNotCacheable(response);
  });

  it.each([
    ['the CA private key', () => `/api/v1/cas/${ca.id}/private-key`],
    ['the certificate private key', () => `/api/v1/certificates/${leaf.id}/private-key`],
    ['the CA key PEM export', () => `/api/v1/export/ca/${ca.id}/private-key`],
    ['the certificate key PEM export', () => `/api/v1/export/certificate/${leaf.id}/private-key`],
  ])('marks %s no-store', async (_name, path) => {
    const response = await testApp
      .http()
      .get(path())
      .set(...bearer(root))
      .expect(200);
    expect(response.text).toContain('PRIVATE KEY');
    expectNotCacheable(response);
  });

  it('marks the PKCS#12 export no-store', async () => {
    const response = await testApp
      .http()
      .post(`/api/v1/export/certificate/${leaf.id}/pkcs12`)
      .set(...bearer(root))
      .send({ password: 'bundle-password' })
      .buffer(true)
      .parse(binaryBody)
      .expect(200);
    expect((response.body as Buffer).length).toBeGreaterThan(0);
    expectNotCacheable(response);
  });

  it('leaves responses without a key cacheable as before', async () => {
    const response = await testApp
      .http()
      .get(`/api/v1/cas/${ca.id}`)
      .set(...bearer(root))
      .expect(200);
    expect(response.headers['cache-control']).toBeUndefined();
  });
});
