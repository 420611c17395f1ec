import { createSuperuser } from './support/fixtures';
import { OpensslWorkspace } from './support/openssl';
import { bearer, startTestApp, TestApp, TestUser } from './support/test-app';

describe('PKI smoke: root, intermediate, leaf, CSR, revocation, CRL', () => {
  let testApp: TestApp;
  let admin: TestUser;
  const ssl = new OpensslWorkspace();

  beforeAll(async () => {
    testApp = await startTestApp();
    admin = await createSuperuser(testApp);
  });

  afterAll(async () => {
    await testApp.close();
    ssl.dispose();
  });

  it('issues a chain that openssl verifies, and revocation shows on the CRL', async () => {
    const root = await testApp
      .http()
      .post('/api/v1/cas/')
      .set(...bearer(admin))
      .send({ name: 'My Root CA', subject_dn: 'CN=My Root CA,O=Acme,C=US', key_size: 2048 })
      .expect(201);
    expect(root.body.private_key).toContain('BEGIN PRIVATE KEY');
    const inter = await testApp
      .http()
      .post('/api/v1/cas/')
      .set(...bearer(admin))
      .send({
        name: 'Issuing',
        subject_dn: 'CN=Issuing CA,O=Acme',
        key_type: 'ec',
        parent_ca_id: root.body.id,
      })
      .expect(201);
    expect(inter.body.path_length).toBeNull();
    const leaf = await testApp
      .http()
      .post(`/api/v1/certificates/?ca_id=${inter.body.id}`)
      .set(...bearer(admin))
      .send({
        common_name: 'web.example.com',
        subject_dn: 'O=Acme',
        certificate_type: 'server',
        key_type: 'ec',
      })
      .expect(201);
    expect(leaf.body.san_dns_names).toEqual(['web.example.com']);
    ssl.write('root.pem', root.body.certificate);
    ssl.write('inter.pem', inter.body.certificate);
    ssl.write('leaf.pem', leaf.body.certificate);
    const verified = ssl.run(['verify', '-CAfile', 'root.pem', '-untrusted', 'inter.pem', 'leaf.pem']);
    expect(verified).toEqual({ ok: true, output: expect.stringContaining('OK') });

    const { csr } = ssl.csr('client', ['-newkey', 'rsa:2048'], '/CN=svc.example.com/O=Acme', [
      'subjectAltName=DNS:svc.example.com,IP:10.0.0.5',
    ]);
    const signed = await testApp
      .http()
      .post('/api/v1/certificates/sign-csr')
      .set(...bearer(admin))
      .send({ csr, ca_id: inter.body.id, certificate_type: 'server' })
      .expect(201);
    expect(signed.body.private_key).toBeUndefined();
    expect(signed.body.san_ip_addresses).toEqual(['10.0.0.5']);

    await testApp
      .http()
      .post(`/api/v1/certificates/${leaf.body.id}/revoke`)
      .set(...bearer(admin))
      .send({ reason: 'keyCompromise' })
      .expect(200);
    await testApp
      .http()
      .post(`/api/v1/certificates/${leaf.body.id}/revoke`)
      .set(...bearer(admin))
      .send({})
      .expect(409);
    const crl = await testApp
      .http()
      .get(`/api/v1/cas/${inter.body.id}/crl`)
      .set(...bearer(admin))
      .expect(200);
    ssl.write('crl.pem', crl.text);
    ssl.write('chain.pem', root.body.certificate + inter.body.certificate);
    expect(ssl.run(['crl', '-in', 'crl.pem', '-CAfile', 'inter.pem', '-noout']).output).toContain(
      'verify OK',
    );
    ssl.write('signed.pem', signed.body.certificate);
    const crlCheck = ['verify', '-crl_check', '-CAfile', 'chain.pem', '-CRLfile', 'crl.pem'];
    expect(ssl.run([...crlCheck, 'leaf.pem'])).toEqual({
      ok: false,
      output: expect.stringContaining('revoked'),
    });
    expect(ssl.run([...crlCheck, 'signed.pem']).ok).toBe(true);

    const p12 = await testApp
      .http()
      .post(`/api/v1/export/certificate/${leaf.body.id}/pkcs12`)
      .set(...bearer(admin))
      .send({ password: 'secret-pw' })
      .buffer(true)
      .parse((response, callback) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => callback(null, Buffer.concat(chunks)));
      })
      .expect(200);
    ssl.write('leaf.p12', p12.body as Buffer);
    expect(ssl.run(['pkcs12', '-in', 'leaf.p12', '-passin', 'pass:secret-pw', '-nodes', '-noout']).ok).toBe(
      true,
    );
  });
});
