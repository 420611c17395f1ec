import { crlReason, crlSerials, EC_P256, normalSerial, submitRequest } from './support/notary';
import { binaryBody, OpensslWorkspace } from './support/openssl';
import { CaBody, createCa, fetchCrl, issueCertificate, revokeCertificate } from './support/pki';
import { bearer, createOrganization, createUser, startTestApp, TestApp, TestUser } from './support/test-app';

/** Issue 14: defects found by attacking the PKI operations (CRL reasons, CA validity, request checks). */
describe('PKI reliability', () => {
  let testApp: TestApp;
  const ssl = new OpensslWorkspace();
  let admin: TestUser;
  let root: CaBody;
  let csrCounter = 0;

  beforeAll(async () => {
    testApp = await startTestApp();
    const superuser = await createUser(testApp, null, { username: 'root' });
    const organization = await createOrganization(testApp, superuser, 'Reliability Org');
    admin = await createUser(testApp, superuser, { role: 'admin', organization_id: organization });
    root = await createCa(testApp, admin, { name: 'Reliability Root', key_type: 'ec' });
  });

  afterAll(async () => {
    await testApp.close();
    ssl.dispose();
  });

  function newCsr(subject: string, extensions: string[] = []): string {
    csrCounter += 1;
    return ssl.csr(`reliability-${csrCounter}`, EC_P256, subject, extensions).csr;
  }

  function serverCertificate(caId: number, commonName: string) {
    return issueCertificate(testApp, admin, caId, {
      common_name: commonName,
      certificate_type: 'server',
      key_type: 'ec',
    });
  }

  describe('removeFromCRL (reason code 8)', () => {
    const REFUSAL = /removeFromCRL .*only for delta CRLs.*does not issue/;

    it('is refused with 400 by every revocation route, and nothing is revoked', async () => {
      const certificate = await serverCertificate(root.id, 'remove-from-crl.acme.example');
      for (const body of [
        { reason_code: 8 },
        { reason: 'removeFromCRL' },
        { reason: 'remove_from_crl' },
        { reason: 'superseded', reason_code: 8 },
      ]) {
        const response = await testApp
          .http()
          .post(`/api/v1/certificates/${certificate.id}/revoke`)
          .set(...bearer(admin))
          .send(body);
        expect({ body, status: response.status, detail: response.body.detail }).toEqual({
          body,
          status: 400,
          detail: expect.stringMatching(REFUSAL),
        });
      }

      // Under a root of its own: a CA with a child stops issuing leaves.
      const parent = await createCa(testApp, admin, { name: 'Reliability Parent', key_type: 'ec' });
      const intermediate = await createCa(testApp, admin, {
        name: 'Reliability Intermediate',
        key_type: 'ec',
        parent_ca_id: parent.id,
      });
      const caRefusal = await testApp
        .http()
        .post(`/api/v1/cas/${intermediate.id}/revoke`)
        .set(...bearer(admin))
        .send({ reason: 'removeFromCRL' });
      expect([caRefusal.status, caRefusal.body.detail]).toEqual([400, expect.stringMatching(REFUSAL)]);

      const request = await submitRequest(testApp, admin, {
        csr: newCsr('/O=Acme/CN=remove-request.acme.example'),
      });
      await testApp
        .http()
        .post(`/api/v1/certificate-requests/${request.id}/sign`)
        .set(...bearer(admin))
        .send({ ca_id: root.id })
        .expect(200);
      const requestRefusal = await testApp
        .http()
        .post(`/api/v1/certificate-requests/${request.id}/revoke`)
        .set(...bearer(admin))
        .send({ reason_code: 8 });
      expect([requestRefusal.status, requestRefusal.body.detail]).toEqual([
        400,
        expect.stringMatching(REFUSAL),
      ]);

      const [{ revoked }]: { revoked: number }[] = await testApp.dataSource.query(
        "SELECT count(*)::integer AS revoked FROM certificates WHERE status = 'revoked'",
      );
      expect(revoked).toBe(0);
      const [{ status }]: { status: string }[] = await testApp.dataSource.query(
        'SELECT status FROM certificate_authorities WHERE id = $1',
        [intermediate.id],
      );
      expect(status).toBe('active');
    });

    it('stored by an older version, is published without a reason: the CRL stays 200 and lists the serial', async () => {
      const ca = await createCa(testApp, admin, { name: 'Stuck CRL CA', key_type: 'ec' });
      const stuck = await serverCertificate(ca.id, 'stuck.acme.example');
      await revokeCertificate(testApp, admin, stuck.id, { reason: 'keyCompromise' });
      // Data written before reason 8 was refused: the row as an older version stored it.
      await testApp.dataSource.query(
        "UPDATE certificates SET revocation_reason = 'removeFromCRL', revocation_reason_code = 8 WHERE id = $1",
        [stuck.id],
      );

      const slug = new URL(ca.crl_url).pathname;
      const der = await testApp.http().get(slug).buffer(true).parse(binaryBody).expect(200);
      const derFile = ssl.write(`stuck-${ca.id}.crl`, der.body as Buffer);
      const caFile = ssl.write(`stuck-${ca.id}.pem`, ca.certificate);
      const parsed = ssl.run(['crl', '-inform', 'DER', '-in', derFile, '-CAfile', caFile, '-noout', '-text']);
      expect(parsed.ok).toBe(true);
      expect(parsed.output).toContain('verify OK');

      const pem = await fetchCrl(testApp, admin, ca.id);
      expect(crlSerials(ssl, pem)).toEqual([normalSerial(stuck.serial_number)]);
      expect(crlReason(ssl, pem, stuck.serial_number)).toBeNull();

      // Later revocations are published again.
      const later = await serverCertificate(ca.id, 'later.acme.example');
      await revokeCertificate(testApp, admin, later.id, { reason: 'superseded' });
      const after = (await testApp.http().get(`${slug}.pem`).expect(200)).text;
      expect(crlSerials(ssl, after).sort()).toEqual(
        [normalSerial(stuck.serial_number), normalSerial(later.serial_number)].sort(),
      );
      expect(crlReason(ssl, after, later.serial_number)).toBe('Superseded');
    });
  });
});
