import {
  createAdmin,
  createIntermediate,
  createMember,
  createRootCa,
  createSuperuser,
} from './support/fixtures';
import { OpensslWorkspace } from './support/openssl';
import { CaBody, issueCertificate, pemBlocks, signCsr } from './support/pki';
import { bearer, createOrganization, startTestApp, TestApp, TestUser } from './support/test-app';

/**
 * Issue 17 item 4: one call gives a pipeline what it needs. Every issuing response carries `chain_pem`,
 * the issuing CA's certificate and its issuers up to the root: the chain export without its leaf, and
 * what `openssl verify` needs beside the root.
 */
describe('chain_pem in issuing responses', () => {
  let testApp: TestApp;
  const ssl = new OpensslWorkspace();
  let issuer: TestUser;
  let root: CaBody;
  let middle: CaBody;
  let issuing: CaBody;

  beforeAll(async () => {
    testApp = await startTestApp();
    const superuser = await createSuperuser(testApp);
    const org = await createOrganization(testApp, superuser, 'Chain Org');
    const admin = await createAdmin(testApp, superuser, org);
    issuer = await createMember(testApp, superuser, org, { can_create_cert: true });
    root = await createRootCa(testApp, admin, { name: 'Chain Root', key_type: 'ec', path_length: 2 });
    middle = await createIntermediate(testApp, admin, root, { name: 'Chain Middle', key_type: 'ec' });
    issuing = await createIntermediate(testApp, admin, middle, { name: 'Chain Issuing', key_type: 'ec' });
    ssl.write('root.pem', root.certificate);
  });

  afterAll(async () => {
    await testApp.close();
    ssl.dispose();
  });

  /** openssl verify of the leaf against the root, the response's chain_pem as the untrusted intermediates. */
  function verify(leafPem: string, chainPem: string): { ok: boolean; output: string } {
    const name = `${Date.now()}-${Math.random().toString(36).slice(2)}`;
    const leaf = ssl.write(`leaf-${name}.pem`, leafPem);
    const chain = ssl.write(`chain-${name}.pem`, chainPem);
    return ssl.run(['verify', '-CAfile', 'root.pem', '-untrusted', chain, leaf]);
  }

  async function exportedChain(certificateId: number): Promise<string> {
    const response = await testApp
      .http()
      .get(`/api/v1/export/certificate/${certificateId}/chain`)
      .set(...bearer(issuer))
      .expect(200);
    return response.text;
  }

  function expectChainOfIssuing(chainPem: string): void {
    expect(pemBlocks(chainPem)).toEqual([issuing.certificate, middle.certificate, root.certificate]);
  }

  it('POST /certificates answers the chain, nearest CA first, the export without its leaf', async () => {
    const issued = await issueCertificate(testApp, issuer, issuing.id, {
      common_name: 'chain.example.com',
      certificate_type: 'server',
      key_type: 'ec',
      key_size: 256,
    });
    const body = issued as typeof issued & { chain_pem: string };
    expectChainOfIssuing(body.chain_pem);
    expect(pemBlocks(await exportedChain(issued.id))).toEqual([
      issued.certificate,
      ...pemBlocks(body.chain_pem),
    ]);
    expect(verify(issued.certificate, body.chain_pem)).toEqual({
      ok: true,
      output: expect.stringContaining('OK'),
    });
    // Without the chain the leaf does not verify: chain_pem is what makes it work.
    expect(verify(issued.certificate, root.certificate).ok).toBe(false);
    expect(body.private_key).toContain('PRIVATE KEY');
  });

  it('POST /certificates/sign-csr answers the chain too', async () => {
    const { csr } = ssl.csr(
      'sign',
      ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      '/CN=csr.example.com',
    );
    const signed = await signCsr(testApp, issuer, { csr, ca_id: issuing.id, certificate_type: 'server' });
    const body = signed as typeof signed & { chain_pem: string };
    expectChainOfIssuing(body.chain_pem);
    expect(verify(signed.certificate, body.chain_pem).ok).toBe(true);
    expect(body).not.toHaveProperty('private_key');
  });

  it('POST /certificate-requests/{id}/sign answers the chain with the request', async () => {
    const { csr } = ssl.csr('request', ['-newkey', 'ed25519'], '/CN=request.example.com');
    const submitted = await testApp
      .http()
      .post('/api/v1/certificate-requests')
      .set(...bearer(issuer))
      .send({ csr, certificate_type: 'server' })
      .expect(201);
    const signed = await testApp
      .http()
      .post(`/api/v1/certificate-requests/${submitted.body.id}/sign`)
      .set(...bearer(issuer))
      .send({ ca_id: issuing.id })
      .expect(200);
    expect(signed.body.status).toBe('active');
    expectChainOfIssuing(signed.body.chain_pem);
    expect(verify(signed.body.certificate, signed.body.chain_pem).ok).toBe(true);
    // The other request routes keep their shape.
    const read = await testApp
      .http()
      .get(`/api/v1/certificate-requests/${submitted.body.id}`)
      .set(...bearer(issuer))
      .expect(200);
    expect(read.body).not.toHaveProperty('chain_pem');
  });

  it('documents chain_pem on the issuing responses', async () => {
    const document = (await testApp.http().get('/docs-json').expect(200)).body as {
      components: { schemas: Record<string, { properties: Record<string, { description?: string }> }> };
      paths: Record<
        string,
        Record<
          string,
          { responses: Record<string, { content?: Record<string, { schema: { $ref: string } }> }> }
        >
      >;
    };
    const schemaOf = (path: string, status: string) => {
      const ref = document.paths[path].post.responses[status].content?.['application/json'].schema.$ref ?? '';
      return document.components.schemas[ref.replace('#/components/schemas/', '')];
    };
    for (const [path, status] of [
      ['/api/v1/certificates', '201'],
      ['/api/v1/certificates/sign-csr', '201'],
      ['/api/v1/certificate-requests/{request_id}/sign', '200'],
      ['/api/v1/certificates/renew', '201'],
    ]) {
      expect({ path, chain: schemaOf(path, status).properties.chain_pem?.description }).toEqual({
        path,
        chain: expect.stringContaining('up to the root'),
      });
    }
  });
});
