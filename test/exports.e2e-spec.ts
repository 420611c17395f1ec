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
  binaryBody,
  CaBody,
  CertificateBody,
  issueCertificate,
  pemBlocks,
  publicKeyOf,
  signCsr,
  x509Field,
} from './support/pki';
import { bearer, createOrganization, startTestApp, TestApp, TestUser } from './support/test-app';

describe('exports: PEM downloads, chains, private keys and PKCS#12', () => {
  let testApp: TestApp;
  const ssl = new OpensslWorkspace();
  let superuser: TestUser;
  let orgA: number;
  let adminA: TestUser;
  let exporterA: TestUser;
  let plainA: TestUser;
  let everyFlagB: TestUser;
  let root: CaBody;
  let intermediate: CaBody;
  let rsaLeaf: CertificateBody;
  let ecLeaf: CertificateBody;
  let keylessLeaf: CertificateBody;
  let csrLeaf: CertificateBody;

  beforeAll(async () => {
    testApp = await startTestApp();
    superuser = await createSuperuser(testApp);
    orgA = await createOrganization(testApp, superuser, 'Export Org A');
    const orgB = await createOrganization(testApp, superuser, 'Export Org B');
    adminA = await createAdmin(testApp, superuser, orgA);
    exporterA = await createMember(testApp, superuser, orgA, { can_export_private_key: true });
    plainA = await createMember(testApp, superuser, orgA, { can_create_cert: true, can_revoke_cert: true });
    everyFlagB = await createMember(testApp, superuser, orgB, {
      can_create_ca: true,
      can_create_cert: true,
      can_revoke_cert: true,
      can_export_private_key: true,
      can_delete_ca: true,
    });
    root = await createRootCa(testApp, adminA, { name: 'Export Root CA', key_size: 2048 });
    intermediate = await createIntermediate(testApp, adminA, root, {
      name: 'Export Issuing CA',
      key_type: 'ec',
      key_size: 384,
    });
    rsaLeaf = await issueCertificate(testApp, adminA, intermediate.id, {
      common_name: 'rsa.example.com',
      certificate_type: 'server',
      key_size: 2048,
    });
    ecLeaf = await issueCertificate(testApp, adminA, intermediate.id, {
      common_name: 'ec.example.com',
      certificate_type: 'dual_purpose',
      key_type: 'ec',
    });
    keylessLeaf = await issueCertificate(testApp, adminA, intermediate.id, {
      common_name: 'keyless.example.com',
      certificate_type: 'server',
      key_type: 'ec',
      include_private_key: false,
    });
    const { csr } = ssl.csr(
      'client',
      ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      '/CN=csr@example.com',
    );
    csrLeaf = await signCsr(testApp, adminA, { csr, ca_id: intermediate.id, certificate_type: 'client' });
    ssl.write('root.pem', root.certificate);
  });

  afterAll(async () => {
    await testApp.close();
    ssl.dispose();
  });

  function expectPemAttachment(headers: Record<string, string>, filename: string): void {
    expect(headers['content-type']).toMatch(/^application\/x-pem-file/);
    expect(headers['content-disposition']).toBe(`attachment; filename="${filename}"`);
  }

  describe('GET /export/ca/{id}/certificate', () => {
    it('downloads the CA certificate as a PEM attachment named after the CA slug', async () => {
      const response = await testApp
        .http()
        .get(`/api/v1/export/ca/${root.id}/certificate`)
        .set(...bearer(plainA))
        .expect(200);
      expectPemAttachment(response.headers, `export-root-ca-${root.id}.pem`);
      expect(response.text).toBe(root.certificate);
      expect(response.text).not.toContain('PRIVATE KEY');
    });

    it('gives a CA name with non-ASCII letters an ASCII filename and a UTF-8 filename*', async () => {
      const ca = await createRootCa(testApp, adminA, {
        name: 'Ωmega Ünit CA',
        subject_dn: 'CN=Omega Unit CA',
        key_type: 'ec',
      });
      const response = await testApp
        .http()
        .get(`/api/v1/export/ca/${ca.id}/certificate`)
        .set(...bearer(plainA))
        .expect(200);
      expect(response.headers['content-disposition']).toBe(
        `attachment; filename="_mega-_nit-ca-${ca.id}.pem"; filename*=UTF-8''%CF%89mega-%C3%BCnit-ca-${ca.id}.pem`,
      );
      expect(response.text).toBe(ca.certificate);
      const key = await testApp
        .http()
        .get(`/api/v1/export/ca/${ca.id}/private-key`)
        .set(...bearer(adminA))
        .expect(200);
      expect(key.headers['content-disposition']).toContain(
        `filename*=UTF-8''%CF%89mega-%C3%BCnit-ca-${ca.id}.key.pem`,
      );
    });

    it('refuses another organization with 403, answers 404 for an unknown CA and 401 without a token', async () => {
      await testApp
        .http()
        .get(`/api/v1/export/ca/${root.id}/certificate`)
        .set(...bearer(everyFlagB))
        .expect(403);
      await testApp
        .http()
        .get('/api/v1/export/ca/999999/certificate')
        .set(...bearer(superuser))
        .expect(404);
      await testApp.http().get(`/api/v1/export/ca/${root.id}/certificate`).expect(401);
    });
  });

  describe('GET /export/ca/{id}/private-key', () => {
    it('downloads the CA key to the export capability, an admin and a superuser, auditing each download', async () => {
      for (const user of [exporterA, adminA, superuser]) {
        const before = (await auditRows(testApp, 'ca_export_private_key', intermediate.id)).length;
        const response = await testApp
          .http()
          .get(`/api/v1/export/ca/${intermediate.id}/private-key`)
          .set(...bearer(user))
          .expect(200);
        expectPemAttachment(response.headers, `export-issuing-ca-${intermediate.id}.key.pem`);
        expect(response.text).toBe(intermediate.private_key);
        const rows = await auditRows(testApp, 'ca_export_private_key', intermediate.id);
        expect(rows).toHaveLength(before + 1);
        expect(rows[rows.length - 1]).toMatchObject({
          user_id: user.id,
          organization_id: orgA,
          resource_type: 'certificate_authority',
        });
      }
      expect(publicKeyOf(ssl, intermediate.private_key ?? '')).toBe(
        publicKeyOf(ssl, intermediate.certificate),
      );
    });

    it('refuses members without the capability and other organizations with 403, unaudited', async () => {
      const before = (await auditRows(testApp, 'ca_export_private_key', intermediate.id)).length;
      for (const user of [plainA, everyFlagB]) {
        const response = await testApp
          .http()
          .get(`/api/v1/export/ca/${intermediate.id}/private-key`)
          .set(...bearer(user))
          .expect(403);
        expect(response.text).not.toContain('PRIVATE KEY');
        expect(response.headers['content-disposition']).toBeUndefined();
      }
      await testApp
        .http()
        .get('/api/v1/export/ca/999999/private-key')
        .set(...bearer(superuser))
        .expect(404);
      expect(await auditRows(testApp, 'ca_export_private_key', intermediate.id)).toHaveLength(before);
    });
  });

  describe('GET /export/certificate/{id}', () => {
    it('downloads the certificate as a PEM attachment', async () => {
      const response = await testApp
        .http()
        .get(`/api/v1/export/certificate/${rsaLeaf.id}`)
        .set(...bearer(plainA))
        .expect(200);
      expectPemAttachment(response.headers, `certificate-${rsaLeaf.id}.pem`);
      expect(response.text).toBe(rsaLeaf.certificate);
      expect(response.text).not.toContain('PRIVATE KEY');
    });

    it('refuses another organization with 403 and answers 404 for an unknown certificate', async () => {
      await testApp
        .http()
        .get(`/api/v1/export/certificate/${rsaLeaf.id}`)
        .set(...bearer(everyFlagB))
        .expect(403);
      await testApp
        .http()
        .get('/api/v1/export/certificate/999999')
        .set(...bearer(superuser))
        .expect(404);
      await testApp.http().get(`/api/v1/export/certificate/${rsaLeaf.id}`).expect(401);
    });
  });

  describe('GET /export/certificate/{id}/chain', () => {
    it.each([
      ['a server-generated RSA leaf', () => rsaLeaf],
      ['a CSR-signed client leaf', () => csrLeaf],
    ])(
      'downloads %s followed by its issuers up to the root, which openssl verifies',
      async (_label, leafOf) => {
        const leaf = leafOf();
        const response = await testApp
          .http()
          .get(`/api/v1/export/certificate/${leaf.id}/chain`)
          .set(...bearer(plainA))
          .expect(200);
        expectPemAttachment(response.headers, `certificate-${leaf.id}-chain.pem`);
        const blocks = pemBlocks(response.text);
        expect(blocks).toEqual([leaf.certificate, intermediate.certificate, root.certificate]);
        for (let index = 0; index < blocks.length - 1; index++) {
          const issuer = x509Field(ssl, blocks[index], 'issuer', ['-nameopt', 'RFC2253']).replace(
            'issuer=',
            '',
          );
          const subject = x509Field(ssl, blocks[index + 1], 'subject', ['-nameopt', 'RFC2253']).replace(
            'subject=',
            '',
          );
          expect(issuer).toBe(subject);
        }
        const chainFile = ssl.write(`chain-${leaf.id}.pem`, response.text);
        const leafFile = ssl.write(`leaf-${leaf.id}.pem`, blocks[0]);
        expect(ssl.run(['verify', '-CAfile', 'root.pem', '-untrusted', chainFile, leafFile])).toEqual({
          ok: true,
          output: expect.stringContaining('OK'),
        });
      },
    );

    it('refuses another organization with 403 and answers 404 for an unknown certificate', async () => {
      await testApp
        .http()
        .get(`/api/v1/export/certificate/${rsaLeaf.id}/chain`)
        .set(...bearer(everyFlagB))
        .expect(403);
      await testApp
        .http()
        .get('/api/v1/export/certificate/999999/chain')
        .set(...bearer(superuser))
        .expect(404);
    });
  });

  describe('GET /export/certificate/{id}/private-key', () => {
    it('downloads the key to the export capability, an admin and a superuser, auditing each download', async () => {
      for (const user of [exporterA, adminA, superuser]) {
        const before = (await auditRows(testApp, 'cert_export_private_key', ecLeaf.id)).length;
        const response = await testApp
          .http()
          .get(`/api/v1/export/certificate/${ecLeaf.id}/private-key`)
          .set(...bearer(user))
          .expect(200);
        expectPemAttachment(response.headers, `certificate-${ecLeaf.id}.key.pem`);
        expect(response.text).toBe(ecLeaf.private_key);
        const rows = await auditRows(testApp, 'cert_export_private_key', ecLeaf.id);
        expect(rows).toHaveLength(before + 1);
        expect(rows[rows.length - 1]).toEqual({
          action: 'cert_export_private_key',
          user_id: user.id,
          organization_id: orgA,
          resource_type: 'certificate',
          resource_id: ecLeaf.id,
          detail: { format: 'pem' },
        });
      }
      expect(publicKeyOf(ssl, ecLeaf.private_key ?? '')).toBe(publicKeyOf(ssl, ecLeaf.certificate));
    });

    it('answers 404 when the service has no key (include_private_key false, or a CSR), unaudited', async () => {
      for (const leaf of [keylessLeaf, csrLeaf]) {
        const response = await testApp
          .http()
          .get(`/api/v1/export/certificate/${leaf.id}/private-key`)
          .set(...bearer(adminA))
          .expect(404);
        expect(response.body.detail).toContain('no private key');
        expect(await auditRows(testApp, 'cert_export_private_key', leaf.id)).toEqual([]);
      }
    });

    it('refuses members without the capability and other organizations with 403, unaudited', async () => {
      const before = (await auditRows(testApp, 'cert_export_private_key', ecLeaf.id)).length;
      for (const user of [plainA, everyFlagB]) {
        const response = await testApp
          .http()
          .get(`/api/v1/export/certificate/${ecLeaf.id}/private-key`)
          .set(...bearer(user))
          .expect(403);
        expect(response.text).not.toContain('PRIVATE KEY');
      }
      await testApp
        .http()
        .get('/api/v1/export/certificate/999999/private-key')
        .set(...bearer(superuser))
        .expect(404);
      expect(await auditRows(testApp, 'cert_export_private_key', ecLeaf.id)).toHaveLength(before);
    });
  });

  describe('POST /export/certificate/{id}/pkcs12', () => {
    async function downloadPkcs12(user: TestUser, id: number, password: string): Promise<Buffer> {
      const response = await testApp
        .http()
        .post(`/api/v1/export/certificate/${id}/pkcs12`)
        .set(...bearer(user))
        .send({ password })
        .buffer(true)
        .parse(binaryBody)
        .expect(200);
      expect(response.headers['content-type']).toMatch(/^application\/x-pkcs12/);
      expect(response.headers['content-disposition']).toBe(`attachment; filename="certificate-${id}.p12"`);
      return response.body as Buffer;
    }

    it.each([
      ['an RSA', () => rsaLeaf],
      ['an EC', () => ecLeaf],
    ])(
      'bundles %s key, its certificate and the chain, opened by openssl with the password only',
      async (_label, leafOf) => {
        const leaf = leafOf();
        const before = (await auditRows(testApp, 'cert_export_private_key', leaf.id)).length;
        const bundle = await downloadPkcs12(exporterA, leaf.id, 'p12 secret pw');
        const file = ssl.write(`bundle-${leaf.id}.p12`, bundle);

        const opened = ssl.run(['pkcs12', '-in', file, '-passin', 'pass:p12 secret pw', '-nodes']);
        expect(opened.ok).toBe(true);
        const blocks = pemBlocks(opened.output);
        const keys = blocks.filter((block) => block.includes('PRIVATE KEY'));
        const certificates = blocks.filter((block) => block.includes('BEGIN CERTIFICATE'));
        expect(keys).toHaveLength(1);
        expect(publicKeyOf(ssl, keys[0])).toBe(publicKeyOf(ssl, leaf.certificate));
        expect(certificates.sort()).toEqual(
          [leaf.certificate, intermediate.certificate, root.certificate].sort(),
        );

        const wrong = ssl.run(['pkcs12', '-in', file, '-passin', 'pass:not the password', '-nodes']);
        expect(wrong.ok).toBe(false);
        expect(wrong.output).not.toContain('PRIVATE KEY');

        const rows = await auditRows(testApp, 'cert_export_private_key', leaf.id);
        expect(rows).toHaveLength(before + 1);
        expect(rows[rows.length - 1]).toMatchObject({ user_id: exporterA.id, detail: { format: 'pkcs12' } });
      },
    );

    it('refuses members without the export capability and other organizations with 403', async () => {
      for (const user of [plainA, everyFlagB]) {
        await testApp
          .http()
          .post(`/api/v1/export/certificate/${rsaLeaf.id}/pkcs12`)
          .set(...bearer(user))
          .send({ password: 'p12 secret pw' })
          .expect(403);
      }
    });

    it('answers 404 when there is no key or no certificate', async () => {
      for (const id of [keylessLeaf.id, csrLeaf.id, 999999]) {
        await testApp
          .http()
          .post(`/api/v1/export/certificate/${id}/pkcs12`)
          .set(...bearer(adminA))
          .send({ password: 'p12 secret pw' })
          .expect(404);
      }
    });

    it('refuses a missing or too short password with 400, unaudited', async () => {
      const before = (await auditRows(testApp, 'cert_export_private_key', rsaLeaf.id)).length;
      for (const body of [{}, { password: '' }, { password: 'abc' }, { password: 1234 }]) {
        const response = await testApp
          .http()
          .post(`/api/v1/export/certificate/${rsaLeaf.id}/pkcs12`)
          .set(...bearer(adminA))
          .send(body);
        expect({ body, status: response.status }).toEqual({ body, status: 400 });
        expect(response.body.detail).toContain('password');
      }
      expect(await auditRows(testApp, 'cert_export_private_key', rsaLeaf.id)).toHaveLength(before);
    });
  });
});
