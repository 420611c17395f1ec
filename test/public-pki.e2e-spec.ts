import { CrlRefresher } from '../src/ca/crl-refresher';
import { createAdmin, createRootCa, createSuperuser } from './support/fixtures';
import { binaryBody, OpensslWorkspace } from './support/openssl';
import { bearer, createOrganization, createUser, startTestApp, TestApp, TestUser } from './support/test-app';

describe('public PKI endpoints, metrics and config', () => {
  let testApp: TestApp;
  let admin: TestUser;
  let ca: { id: number; name: string; certificate: string };
  const ssl = new OpensslWorkspace();

  beforeAll(async () => {
    testApp = await startTestApp({ SECRET_KEY: 's'.repeat(40) + 'UNIQUE-SECRET' });
    admin = await createSuperuser(testApp);
    const created = await testApp
      .http()
      .post('/api/v1/cas/')
      .set(...bearer(admin))
      .send({ name: 'Acme.Corp  Root_2', subject_dn: 'CN=Acme Root,O=Acme', key_type: 'ec' })
      .expect(201);
    ca = created.body;
  });

  afterAll(async () => {
    await testApp.close();
    ssl.dispose();
  });

  const slug = () => `acmecorp-root-2-${ca.id}`;
  const issue = async (cn: string, validDays = 30) =>
    (
      await testApp
        .http()
        .post(`/api/v1/certificates/?ca_id=${ca.id}`)
        .set(...bearer(admin))
        .send({
          common_name: cn,
          subject_dn: 'O=Acme',
          certificate_type: 'server',
          key_type: 'ec',
          valid_days: validDays,
        })
        .expect(201)
    ).body as { id: number; certificate: string; serial_number: string };

  it('serves the CA certificate as DER and PEM without a token', async () => {
    const der = await testApp.http().get(`/ca/${slug()}.crt`).buffer(true).parse(binaryBody).expect(200);
    expect(der.headers['content-type']).toBe('application/pkix-cert');
    ssl.write('ca.der', der.body as Buffer);
    expect(ssl.run(['x509', '-inform', 'DER', '-in', 'ca.der', '-noout', '-subject']).output).toContain(
      'Acme Root',
    );
    const pem = await testApp.http().get(`/ca/${slug()}.pem`).expect(200);
    expect(pem.headers['content-type']).toContain('application/x-pem-file');
    expect(pem.text).toBe(ca.certificate);
  });

  it('serves the CRL as DER and PEM, with caching headers and 304 on a conditional GET', async () => {
    const der = await testApp.http().get(`/crl/${slug()}`).buffer(true).parse(binaryBody).expect(200);
    expect(der.headers['content-type']).toBe('application/pkix-crl');
    ssl.write('crl.der', der.body as Buffer);
    expect(ssl.run(['crl', '-inform', 'DER', '-in', 'crl.der', '-noout', '-crlnumber']).ok).toBe(true);
    expect(der.headers['cache-control']).toMatch(/max-age=\d+/);
    expect(Number(/max-age=(\d+)/.exec(der.headers['cache-control'])?.[1])).toBeLessThanOrEqual(300);
    expect(der.headers['last-modified']).toEqual(expect.any(String));
    await testApp.http().get(`/crl/${slug()}`).set('If-None-Match', der.headers.etag).expect(304);
    const pem = await testApp.http().get(`/crl/${slug()}.pem`).expect(200);
    expect(pem.headers['content-type']).toContain('application/x-pem-file');
    expect(pem.text).toContain('BEGIN X509 CRL');
  });

  it.each([
    ['a wrong name prefix', () => `/crl/other-name-${ca.id}`],
    ['a wrong id', () => `/crl/acmecorp-root-2-9999`],
    ['a malformed slug', () => `/crl/acmecorp-root-2`],
    ['a certificate with an unknown extension', () => `/ca/${slug()}.txt`],
    ['a certificate without extension', () => `/ca/${slug()}`],
  ])('answers 404 for %s', async (_case, path) => {
    const response = await testApp.http().get(path()).expect(404);
    expect(response.body.detail).toBe('No such CA');
  });

  it('stops publishing the CRL and certificate of a deleted CA, even after serving them', async () => {
    const created = await createRootCa(testApp, admin, { name: 'Short Lived', key_type: 'ec' });
    const shortLived = `short-lived-${created.id}`;
    await testApp.http().get(`/crl/${shortLived}`).expect(200);
    await testApp.http().get(`/ca/${shortLived}.pem`).expect(200);
    await testApp
      .http()
      .delete(`/api/v1/cas/${created.id}`)
      .set(...bearer(admin))
      .expect(204);
    for (const path of [`/crl/${shortLived}`, `/crl/${shortLived}.pem`, `/ca/${shortLived}.pem`]) {
      const response = await testApp.http().get(path).expect(404);
      expect(response.body.detail).toBe('No such CA');
    }
  });

  it('shows a revocation on the public CRL in the very next request, with a higher CRL number', async () => {
    const before = await testApp.http().get(`/crl/${slug()}.pem`).expect(200);
    ssl.write('before.pem', before.text);
    const numberBefore = ssl.run(['crl', '-in', 'before.pem', '-noout', '-crlnumber']).output;
    const certificate = await issue('revoked.example.com');
    await testApp
      .http()
      .post(`/api/v1/certificates/${certificate.id}/revoke`)
      .set(...bearer(admin))
      .send({ reason: 'superseded' })
      .expect(200);
    const after = await testApp.http().get(`/crl/${slug()}.pem`).expect(200);
    ssl.write('after.pem', after.text);
    const text = ssl.run(['crl', '-in', 'after.pem', '-noout', '-text']).output;
    expect(text.toLowerCase()).toContain(certificate.serial_number.toLowerCase().replace(/^0+/, ''));
    expect(text).toContain('Superseded');
    const numberAfter = ssl.run(['crl', '-in', 'after.pem', '-noout', '-crlnumber']).output;
    expect(parseInt(numberAfter.split('=')[1], 16)).toBeGreaterThan(parseInt(numberBefore.split('=')[1], 16));
  });

  it('re-signs due CRLs on its schedule without waiting for a reader', async () => {
    await testApp.http().get(`/crl/${slug()}`).expect(200);
    await testApp.dataSource.query(
      `UPDATE crl_state SET this_update = now() - interval '6 days', next_update = now() + interval '1 day' WHERE ca_id = $1`,
      [ca.id],
    );
    const [before] = await testApp.dataSource.query('SELECT crl_number FROM crl_state WHERE ca_id = $1', [
      ca.id,
    ]);
    expect(await testApp.app.get(CrlRefresher).refreshDue()).toBe(1);
    const [after] = await testApp.dataSource.query(
      "SELECT crl_number, next_update > now() + interval '6 days' AS renewed FROM crl_state WHERE ca_id = $1",
      [ca.id],
    );
    expect(Number(after.crl_number)).toBe(Number(before.crl_number) + 1);
    expect(after.renewed).toBe(true);
    expect(await testApp.app.get(CrlRefresher).refreshDue()).toBe(0);
  });

  it('follows the CDP and AIA URLs written inside an issued certificate to this app', async () => {
    const certificate = await issue('follow.example.com');
    ssl.write('leaf.pem', certificate.certificate);
    const text = ssl.run(['x509', '-in', 'leaf.pem', '-noout', '-text']).output;
    const crlUrl = /URI:(http:\/\/pki\.test\/crl\/[^\s]+)/.exec(text)?.[1];
    const issuerUrl = /CA Issuers - URI:(http:\/\/pki\.test\/ca\/[^\s]+)/.exec(text)?.[1];
    expect(crlUrl).toBe(`http://pki.test/crl/${slug()}`);
    expect(issuerUrl).toBe(`http://pki.test/ca/${slug()}.crt`);
    const crl = await testApp
      .http()
      .get(new URL(crlUrl ?? '').pathname)
      .buffer(true)
      .parse(binaryBody)
      .expect(200);
    ssl.write('followed.crl', crl.body as Buffer);
    ssl.write('ca.pem', ca.certificate);
    expect(
      ssl.run(['crl', '-inform', 'DER', '-in', 'followed.crl', '-CAfile', 'ca.pem', '-noout']).output,
    ).toContain('verify OK');
    const issuer = await testApp
      .http()
      .get(new URL(issuerUrl ?? '').pathname)
      .buffer(true)
      .parse(binaryBody)
      .expect(200);
    ssl.write('issuer.der', issuer.body as Buffer);
    ssl.run(['x509', '-inform', 'DER', '-in', 'issuer.der', '-out', 'issuer.pem']);
    expect(ssl.run(['verify', '-CAfile', 'issuer.pem', 'leaf.pem']).ok).toBe(true);
  });

  it('reports domain gauges and counters on /metrics', async () => {
    const expiring = await issue('soon.example.com', 3);
    const expired = await issue('gone.example.com', 3);
    await testApp.dataSource.query(
      `UPDATE certificates SET not_after = now() - interval '1 day' WHERE id = $1`,
      [expired.id],
    );
    await new Promise((resolve) => setTimeout(resolve, 5100));
    const metrics = (await testApp.http().get('/metrics').expect(200)).text;
    const value = (pattern: RegExp) => Number(pattern.exec(metrics)?.[1]);
    const [{ valid, revoked, expired: expiredCount, soon }] = await testApp.dataSource.query(
      `SELECT count(*) FILTER (WHERE status = 'valid' AND not_after > now()) AS valid,
              count(*) FILTER (WHERE status = 'revoked') AS revoked,
              count(*) FILTER (WHERE status = 'valid' AND not_after <= now()) AS expired,
              count(*) FILTER (WHERE status = 'valid' AND not_after > now() AND not_after <= now() + interval '7 days') AS soon
         FROM certificates`,
    );
    expect(value(/^ca_certificates\{status="valid"\} (\d+)/m)).toBe(Number(valid));
    expect(value(/^ca_certificates\{status="revoked"\} (\d+)/m)).toBe(Number(revoked));
    expect(value(/^ca_certificates_expired (\d+)/m)).toBe(Number(expiredCount));
    expect(Number(expiredCount)).toBeGreaterThanOrEqual(1);
    expect(value(/^ca_certificates_expiring\{ca="[^"]+",within_days="7"\} (\d+)/m)).toBe(Number(soon));
    expect(Number(soon)).toBeGreaterThanOrEqual(1);
    expect(value(/^ca_certificate_authorities\{status="active"\} (\d+)/m)).toBe(1);
    expect(metrics).toMatch(
      /^ca_certificates_issued_total\{certificate_type="server",key_type="ec",source="generated_key"\} \d+/m,
    );
    expect(metrics).toMatch(/^ca_revocations_total\{reason="superseded"\} 1/m);
    expect(metrics).toMatch(/^ca_logins_total\{outcome="success"\} \d+/m);
    expect(metrics).toMatch(/^ca_key_generation_seconds_count\{key_type="ec",key_size="256"\} \d+/m);
    expect(expiring.id).toBeGreaterThan(0);
  });

  it('shows the configuration to superusers without any secret', async () => {
    const response = await testApp
      .http()
      .get('/api/v1/config')
      .set(...bearer(admin))
      .expect(200);
    expect(response.body).toMatchObject({
      api_v1_str: '/api/v1',
      ca_key_size: 2048,
      secret_key: 'configured',
    });
    const body = JSON.stringify(response.body);
    expect(body).not.toContain('UNIQUE-SECRET');
    expect(body).not.toMatch(/[0-9a-f]{64}/);
    const plain = await createUser(testApp, admin, { username: 'plain' });
    await testApp
      .http()
      .get('/api/v1/config')
      .set(...bearer(plain))
      .expect(403);
    await testApp.http().get('/api/v1/config').expect(401);
  });

  it('refuses the configuration to an organisation admin: it describes the whole installation', async () => {
    const organizationId = await createOrganization(testApp, admin);
    const orgAdmin = await createAdmin(testApp, admin, organizationId);
    const response = await testApp
      .http()
      .get('/api/v1/config')
      .set(...bearer(orgAdmin))
      .expect(403);
    expect(response.body).toEqual({ detail: 'Only superusers may read the configuration' });
  });

  it('says the database is unavailable with a 503 on /status', async () => {
    const healthy = await testApp.http().get('/status').expect(200);
    expect(healthy.body.database).toBe('ok');
    const original = testApp.dataSource.query.bind(testApp.dataSource);
    testApp.dataSource.query = () => Promise.reject(new Error('connection refused'));
    try {
      const down = await testApp.http().get('/status').expect(503);
      expect(down.body).toMatchObject({ database: 'unavailable', initialized: true });
    } finally {
      testApp.dataSource.query = original;
    }
  });
});
