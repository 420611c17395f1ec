import { createAdmin, createMember, createRootCa, createSuperuser } from './support/fixtures';
import { OpensslWorkspace } from './support/openssl';
import { CaBody, CertificateBody } from './support/pki';
import { bearer, createOrganization, startTestApp, TestApp, TestUser } from './support/test-app';

/**
 * Issue 16: an RSA public exponent other than 65537 is refused for every certificate, profile or not
 * (rsaExponentIs65537 in NAME_RULES): on sign-csr and when a certificate request is submitted, so
 * nothing is stored that could not be signed. Keys the service generates are always 65537.
 */
describe('RSA public exponent: 65537 only', () => {
  let testApp: TestApp;
  const ssl = new OpensslWorkspace();
  let member: TestUser;
  let root: CaBody;

  beforeAll(async () => {
    testApp = await startTestApp();
    const superuser = await createSuperuser(testApp);
    const org = await createOrganization(testApp, superuser, 'Exponent Org');
    const admin = await createAdmin(testApp, superuser, org);
    member = await createMember(testApp, superuser, org, { can_create_cert: true });
    root = await createRootCa(testApp, admin, { name: 'Exponent Root', key_type: 'ec' });
    ssl.write('root.pem', root.certificate);
  });

  afterAll(async () => {
    await testApp.close();
    ssl.dispose();
  });

  async function rowCount(table: 'certificates' | 'certificate_requests'): Promise<number> {
    const [row]: { count: number }[] = await testApp.dataSource.query(
      `SELECT count(*)::integer AS count FROM ${table}`,
    );
    return row.count;
  }

  function rsaCsr(name: string, exponent: number): string {
    return ssl.csr(
      name,
      ['-newkey', 'rsa:2048', '-pkeyopt', `rsa_keygen_pubexp:${exponent}`],
      `/CN=${name}.example`,
    ).csr;
  }

  function signCsr(csr: string) {
    return testApp
      .http()
      .post('/api/v1/certificates/sign-csr')
      .set(...bearer(member))
      .send({ ca_id: root.id, certificate_type: 'server', csr });
  }

  it.each([3, 17])(
    'refuses exponent %d on sign-csr and on request submission, writing nothing',
    async (exponent) => {
      const csr = rsaCsr(`e${exponent}`, exponent);
      const detail = `The RSA public exponent ${exponent} is not allowed: RSA keys must use 65537`;
      const [certificates, requests] = [
        await rowCount('certificates'),
        await rowCount('certificate_requests'),
      ];
      const signed = await signCsr(csr);
      expect({ status: signed.status, body: signed.body }).toEqual({ status: 400, body: { detail } });
      const submitted = await testApp
        .http()
        .post('/api/v1/certificate-requests/')
        .set(...bearer(member))
        .send({ certificate_type: 'server', csr });
      expect({ status: submitted.status, body: submitted.body }).toEqual({ status: 400, body: { detail } });
      expect([await rowCount('certificates'), await rowCount('certificate_requests')]).toEqual([
        certificates,
        requests,
      ]);
    },
  );

  it('signs a 65537 key, and the certificate verifies with openssl', async () => {
    const signed = await signCsr(rsaCsr('f4', 65537));
    expect(signed.status).toBe(201);
    const file = ssl.write('f4.pem', (signed.body as CertificateBody).certificate);
    expect(ssl.run(['x509', '-in', file, '-noout', '-text']).output).toContain('Exponent: 65537 (0x10001)');
    expect(ssl.run(['verify', '-CAfile', 'root.pem', file]).ok).toBe(true);
  });
});
