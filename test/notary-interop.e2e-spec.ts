import { readFileSync } from 'node:fs';
import { createAdmin, createIntermediate, createSuperuser } from './support/fixtures';
import {
  caExtensions,
  CertificateRequestBody,
  createPendingCa,
  getText,
  leafExtensions,
  LifecycleCaBody,
  OutsideCa,
  outsideIssuer,
  outsideRoot,
  opensslVerify,
  requestAction,
  RSA_2048,
  signOutside,
  submitRequest,
  writePem,
} from './support/notary';
import { OpensslWorkspace } from './support/openssl';
import {
  CaBody,
  fetchCrl,
  issueCertificate,
  pemBlocks,
  publicKeyOf,
  revokeCertificate,
  x509Extension,
  x509Field,
  x509Text,
} from './support/pki';
import { bearer, createOrganization, createUser, startTestApp, TestApp, TestUser } from './support/test-app';

describe('notary interop: certificates and CAs signed outside the service with the openssl CLI', () => {
  let testApp: TestApp;
  const ssl = new OpensslWorkspace();
  let admin: TestUser;
  let requester: TestUser;
  let outside: OutsideCa;

  beforeAll(async () => {
    testApp = await startTestApp();
    const superuser = await createSuperuser(testApp);
    const orgId = await createOrganization(testApp, superuser, 'Notary Org');
    admin = await createAdmin(testApp, superuser, orgId);
    requester = await createUser(testApp, superuser, { organization_id: orgId, can_request_cert: true });
    outside = outsideRoot(ssl, '/C=US/O=Outside Notary/CN=Outside Notary Root', RSA_2048);
  });

  afterAll(async () => {
    await testApp.close();
    ssl.dispose();
  });

  it('round-trips a CSR: openssl req, submit, download, sign with an outside root, upload the chain, verify', async () => {
    const host = 'notary.acme.example';
    const { csr, keyPath } = ssl.csr('notary-leaf', RSA_2048, `/C=US/O=Acme/CN=${host}`, [
      `subjectAltName=DNS:${host},DNS:www.${host}`,
    ]);
    const submitted = await submitRequest(testApp, requester, { csr, comment: 'signed by the notary' });
    expect(submitted).toMatchObject({
      status: 'outstanding',
      key_type: 'rsa',
      key_size: 2048,
      common_name: host,
    });

    const download = await getText(testApp, `/api/v1/certificate-requests/${submitted.id}/csr`, admin);
    expect(download.status).toBe(200);
    expect(download.text.trim()).toBe(csr.trim());
    const downloadedPath = writePem(ssl, download.text, 'downloaded');
    expect(ssl.run(['req', '-in', downloadedPath, '-noout', '-verify']).ok).toBe(true);

    const leaf = signOutside(ssl, outside, download.text, leafExtensions(host)).certificate;
    const chain = leaf + outside.certificate;
    const uploaded = await requestAction(testApp, admin, 'post', `${submitted.id}/certificate`, {
      certificate_chain: chain,
    });
    expect(uploaded).toMatchObject({ status: 'active', signed_externally: true, certificate_id: null });

    const fetched = await testApp
      .http()
      .get(`/api/v1/certificate-requests/${submitted.id}`)
      .set(...bearer(requester))
      .expect(200);
    const body: CertificateRequestBody = fetched.body;
    expect(body.certificate?.trim()).toBe(leaf.trim());
    expect(body.certificate_chain).toBe(chain);
    expect(pemBlocks(body.certificate_chain ?? '').map((block) => block.trim())).toEqual([
      leaf.trim(),
      outside.certificate.trim(),
    ]);
    const certificate = body.certificate ?? '';
    expect(
      opensslVerify(ssl, outside.certificate, certificate, undefined, ['-purpose', 'sslserver']),
    ).toEqual({
      ok: true,
      output: expect.stringContaining('OK'),
    });
    expect(publicKeyOf(ssl, certificate)).toBe(publicKeyOf(ssl, readFileSync(keyPath, 'utf8')));
    expect(x509Field(ssl, certificate, 'issuer', ['-nameopt', 'RFC2253'])).toBe(
      'issuer=CN=Outside Notary Root,O=Outside Notary,C=US',
    );
    expect(x509Extension(x509Text(ssl, certificate), 'X509v3 Subject Alternative Name')?.value).toBe(
      `DNS:${host}`,
    );
  });

  it('round-trips a pending CA: its CSR signed by an outside root, uploaded, then issuing leaves openssl verifies', async () => {
    const pending: LifecycleCaBody = await createPendingCa(testApp, admin, {
      name: 'Notary Intermediate',
      subject_dn: 'CN=Notary Intermediate,O=Acme,C=US',
      key_type: 'rsa',
      key_size: 2048,
      path_length: 0,
    });
    const csr = await getText(testApp, `/api/v1/cas/${pending.id}/csr`, admin);
    expect(csr.status).toBe(200);
    const csrPath = writePem(ssl, csr.text, 'ca-csr');
    const csrText = ssl.run(['req', '-in', csrPath, '-noout', '-text', '-verify']);
    expect(csrText.output).toContain('verify OK');
    expect(x509Extension(csrText.output, 'X509v3 Basic Constraints')?.value).toBe('CA:TRUE, pathlen:0');

    const intermediate = signOutside(ssl, outside, csr.text, caExtensions(0), 365).certificate;
    expect(opensslVerify(ssl, outside.certificate, intermediate).ok).toBe(true);
    const uploaded = await testApp
      .http()
      .post(`/api/v1/cas/${pending.id}/certificate`)
      .set(...bearer(admin))
      .send({ certificate_chain: intermediate + outside.certificate })
      .expect(200);
    expect(uploaded.body).toMatchObject({ status: 'active', signed_externally: true, path_length: 0 });
    const fetched = await testApp
      .http()
      .get(`/api/v1/cas/${pending.id}`)
      .set(...bearer(admin))
      .expect(200);
    expect(fetched.body.certificate.trim()).toBe(intermediate.trim());
    const published = await getText(
      testApp,
      new URL(pending.certificate_url).pathname.replace(/\.crt$/, '.pem'),
    );
    expect(published.text.trim()).toBe(intermediate.trim());

    const leaf = await issueCertificate(testApp, admin, pending.id, {
      common_name: 'issued.notary.acme.example',
      certificate_type: 'server',
      key_type: 'ec',
    });
    expect(
      opensslVerify(ssl, outside.certificate, leaf.certificate, intermediate, ['-purpose', 'sslserver']),
    ).toEqual({ ok: true, output: expect.stringContaining('OK') });
    const leafText = x509Text(ssl, leaf.certificate);
    expect(x509Extension(leafText, 'X509v3 Authority Key Identifier')?.value).toContain(
      x509Extension(x509Text(ssl, intermediate), 'X509v3 Subject Key Identifier')?.value,
    );
    expect(x509Field(ssl, leaf.certificate, 'issuer', ['-nameopt', 'RFC2253'])).toBe(
      'issuer=CN=Notary Intermediate,O=Acme,C=US',
    );

    const request = await submitRequest(testApp, requester, {
      csr: ssl.csr('notary-request', RSA_2048, '/O=Acme/CN=request.notary.acme.example', [
        'subjectAltName=DNS:request.notary.acme.example',
      ]).csr,
    });
    const signed = await requestAction(testApp, admin, 'post', `${request.id}/sign`, { ca_id: pending.id });
    expect(signed).toMatchObject({ status: 'active', issuer_id: pending.id, signed_externally: false });
    expect(opensslVerify(ssl, outside.certificate, signed.certificate ?? '', intermediate).ok).toBe(true);

    // The intermediate's CRL is signed by the uploaded key and revokes its leaves.
    const crlBefore = writePem(ssl, await fetchCrl(testApp, admin, pending.id), 'notary-crl');
    expect(
      ssl.run(['crl', '-in', crlBefore, '-CAfile', writePem(ssl, intermediate, 'int'), '-noout']).output,
    ).toContain('verify OK');
    expect(
      opensslVerify(ssl, outside.certificate, leaf.certificate, intermediate, [
        '-crl_check',
        '-CRLfile',
        crlBefore,
      ]).ok,
    ).toBe(true);
    await revokeCertificate(testApp, admin, leaf.id, { reason: 'keyCompromise' });
    const crlAfter = writePem(ssl, await fetchCrl(testApp, admin, pending.id), 'notary-crl-after');
    const refused = opensslVerify(ssl, outside.certificate, leaf.certificate, intermediate, [
      '-crl_check',
      '-CRLfile',
      crlAfter,
    ]);
    expect(refused.ok).toBe(false);
    expect(refused.output).toContain('certificate revoked');
  });

  /** The notAfter openssl reads from a certificate, in milliseconds. */
  function notAfterOf(pem: string): number {
    return Date.parse(x509Field(ssl, pem, 'enddate').replace('notAfter=', ''));
  }

  /** Uploads a chain for a pending CA as the admin and expects 200. */
  async function upload(pending: LifecycleCaBody, chain: string): Promise<LifecycleCaBody> {
    const response = await testApp
      .http()
      .post(`/api/v1/cas/${pending.id}/certificate`)
      .set(...bearer(admin))
      .send({ certificate_chain: chain });
    expect({ status: response.status, detail: response.body.detail }).toEqual({
      status: 200,
      detail: undefined,
    });
    return response.body;
  }

  /** POST /cas/ under `parentId` as the admin; returns the status and body. */
  async function createChild(
    parentId: number,
    name: string,
    fields: Record<string, unknown> = {},
  ): Promise<{ status: number; body: CaBody & { detail?: string } }> {
    const response = await testApp
      .http()
      .post('/api/v1/cas/')
      .set(...bearer(admin))
      .send({ name, subject_dn: `CN=${name},O=Acme`, key_type: 'ec', parent_ca_id: parentId, ...fields });
    return { status: response.status, body: response.body };
  }

  it("takes an uploaded CA's path length from the outside intermediate above it: pathlen:1 leaves 0, so no CA under it", async () => {
    const pathOne = outsideIssuer(
      ssl,
      outside,
      '/C=US/O=Outside Notary/CN=Outside Notary Path One',
      caExtensions(1),
      365,
    );
    const pending = await createPendingCa(testApp, admin, { name: 'Notary Under Path One' });
    const certificate = signOutside(ssl, pathOne, pending.csr ?? '', caExtensions(), 200).certificate;
    expect(x509Extension(x509Text(ssl, certificate), 'X509v3 Basic Constraints')?.value).toBe('CA:TRUE');
    const uploaded = await upload(pending, certificate + pathOne.certificate + outside.certificate);
    expect(uploaded).toMatchObject({ status: 'active', signed_externally: true, path_length: 0 });
    const fetched = await testApp
      .http()
      .get(`/api/v1/cas/${pending.id}`)
      .set(...bearer(admin))
      .expect(200);
    expect(fetched.body.path_length).toBe(0);

    const leaf = await issueCertificate(testApp, admin, pending.id, {
      common_name: 'under-path-one.notary.acme.example',
      certificate_type: 'server',
      key_type: 'ec',
    });
    expect(
      opensslVerify(ssl, outside.certificate, leaf.certificate, certificate + pathOne.certificate).ok,
    ).toBe(true);
    for (const fields of [{ path_length: 0 }, {}]) {
      const child = await createChild(
        pending.id,
        `Notary Refused Under Path One ${Object.keys(fields).length}`,
        fields,
      );
      expect({ fields, status: child.status }).toEqual({ fields, status: 400 });
      expect(child.body.detail).toMatch(/path length/);
    }
  });

  it('takes pathlen:2 on the outside intermediate as path length 1: a child with path_length 0 verifies, a grandchild is refused', async () => {
    const pathTwo = outsideIssuer(
      ssl,
      outside,
      '/C=US/O=Outside Notary/CN=Outside Notary Path Two',
      caExtensions(2),
      365,
    );
    const pending = await createPendingCa(testApp, admin, { name: 'Notary Under Path Two' });
    const certificate = signOutside(ssl, pathTwo, pending.csr ?? '', caExtensions(), 200).certificate;
    const uploaded = await upload(pending, certificate + pathTwo.certificate + outside.certificate);
    expect(uploaded).toMatchObject({ status: 'active', path_length: 1 });

    const child = await createIntermediate(testApp, admin, pending, {
      name: 'Notary Child Under Path Two',
      key_type: 'ec',
      path_length: 0,
    });
    expect(child.path_length).toBe(0);
    const untrusted = certificate + pathTwo.certificate;
    expect(opensslVerify(ssl, outside.certificate, child.certificate, untrusted).ok).toBe(true);
    const leaf = await issueCertificate(testApp, admin, child.id, {
      common_name: 'under-path-two.notary.acme.example',
      certificate_type: 'server',
      key_type: 'ec',
    });
    expect(
      opensslVerify(ssl, outside.certificate, leaf.certificate, child.certificate + untrusted, [
        '-purpose',
        'sslserver',
      ]),
    ).toEqual({ ok: true, output: expect.stringContaining('OK') });

    const grandchild = await createChild(child.id, 'Notary Grandchild Under Path Two');
    expect(grandchild.status).toBe(400);
    expect(grandchild.body.detail).toMatch(/path length/);
    const tooDeepChild = await createChild(pending.id, 'Notary Too Deep Under Path Two', { path_length: 1 });
    expect(tooDeepChild.status).toBe(400);
  });

  it("issues nothing past the outside root's notAfter from a CA certificate that outlives it, and still reports the CA's own notAfter", async () => {
    const shortRoot = outsideRoot(ssl, '/C=US/O=Outside Notary/CN=Outside Notary Short Root', RSA_2048, 30);
    const pending = await createPendingCa(testApp, admin, { name: 'Notary Outliving Intermediate' });
    const certificate = signOutside(ssl, shortRoot, pending.csr ?? '', caExtensions(), 400).certificate;
    const rootEnd = notAfterOf(shortRoot.certificate);
    expect(notAfterOf(certificate)).toBeGreaterThan(rootEnd + 300 * 86_400_000);

    const uploaded = await upload(pending, certificate + shortRoot.certificate);
    expect(Date.parse(uploaded.not_after ?? '')).toBe(notAfterOf(certificate));
    const fetched = await testApp
      .http()
      .get(`/api/v1/cas/${pending.id}`)
      .set(...bearer(admin))
      .expect(200);
    expect(fetched.body).toMatchObject({ status: 'active', signed_externally: true });
    expect(Date.parse(fetched.body.not_after)).toBe(notAfterOf(certificate));

    const leaf = await issueCertificate(testApp, admin, pending.id, {
      common_name: 'clamped.notary.acme.example',
      certificate_type: 'server',
      key_type: 'ec',
      valid_days: 90,
    });
    expect(notAfterOf(leaf.certificate)).toBeLessThanOrEqual(rootEnd);
    expect(Date.parse(leaf.not_after)).toBe(notAfterOf(leaf.certificate));
    expect(opensslVerify(ssl, shortRoot.certificate, leaf.certificate, certificate).ok).toBe(true);

    const request = await submitRequest(testApp, requester, {
      csr: ssl.csr('notary-clamped-request', RSA_2048, '/O=Acme/CN=clamped-request.notary.acme.example', [
        'subjectAltName=DNS:clamped-request.notary.acme.example',
      ]).csr,
    });
    const signed = await requestAction(testApp, admin, 'post', `${request.id}/sign`, {
      ca_id: pending.id,
      valid_days: 90,
    });
    expect(notAfterOf(signed.certificate ?? '')).toBeLessThanOrEqual(rootEnd);

    const child = await createIntermediate(testApp, admin, pending, {
      name: 'Notary Clamped Child',
      key_type: 'ec',
      valid_days: 400,
    });
    expect(notAfterOf(child.certificate)).toBeLessThanOrEqual(rootEnd);
    expect(Date.parse(child.not_after)).toBe(notAfterOf(child.certificate));
  });
});
