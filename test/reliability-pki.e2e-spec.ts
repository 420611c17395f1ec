import { generateKeyPairSync } from 'node:crypto';
import * as forge from 'node-forge';
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

  async function count(table: 'certificates' | 'certificate_requests'): Promise<number> {
    const [row]: { count: number }[] = await testApp.dataSource.query(
      `SELECT count(*)::integer AS count FROM ${table}`,
    );
    return row.count;
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
  describe('CSR checks at request submission and the SAN cap', () => {
    /**
     * A CSR that openssl will not write (a 10 KB Common Name, a 5-byte iPAddress), built and signed
     * with node-forge; `altNames` are forge GeneralNames (type 2 DNS, 7 IP with raw `value` bytes).
     */
    function forgeCsr(commonName: string, altNames: { type: number; value: string }[]): string {
      const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
      const request = forge.pki.createCertificationRequest();
      request.publicKey = forge.pki.publicKeyFromPem(
        publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      );
      request.setSubject([{ name: 'commonName', value: commonName }]);
      if (altNames.length > 0) {
        request.setAttributes([
          { name: 'extensionRequest', extensions: [{ name: 'subjectAltName', altNames }] },
        ]);
      }
      request.sign(
        forge.pki.privateKeyFromPem(privateKey.export({ type: 'pkcs8', format: 'pem' }).toString()),
        forge.md.sha256.create(),
      );
      return forge.pki.certificationRequestToPem(request);
    }

    const manyNames = Array.from({ length: 101 }, (_, i) => `DNS:host-${i}.acme.example`).join(',');
    const refused: [string, () => string, RegExp][] = [
      ['a 10 KB Common Name', () => forgeCsr('a'.repeat(10_240), []), /CN is longer than 64/],
      [
        'a wildcard that is not only the leftmost label',
        () => newCsr('/O=Acme/CN=wild.acme.example', ['subjectAltName=DNS:*.*.com']),
        /"\*\.\*\.com" is not a valid DNS name/,
      ],
      [
        'a 5-byte iPAddress SAN',
        () => forgeCsr('five.acme.example', [{ type: 7, value: '\x0a\x00\x00\x01\x02' }]),
        /not a valid IP address/,
      ],
      [
        'more SANs than MAX_SANS_PER_CERTIFICATE (100)',
        () => newCsr('/O=Acme/CN=many.acme.example', [`subjectAltName=${manyNames}`]),
        /would carry 101 subject alternative names; at most 100/,
      ],
    ];

    it.each(refused)(
      'refuses %s at submission with 400 and stores nothing, as sign-csr does',
      async (_label, make, message) => {
        const csr = make();
        const requestsBefore = await count('certificate_requests');
        const submitted = await testApp
          .http()
          .post('/api/v1/certificate-requests/')
          .set(...bearer(admin))
          .send({ csr });
        expect([submitted.status, submitted.body.detail]).toEqual([400, expect.stringMatching(message)]);
        expect(await count('certificate_requests')).toBe(requestsBefore);

        const certificatesBefore = await count('certificates');
        const signed = await testApp
          .http()
          .post('/api/v1/certificates/sign-csr')
          .set(...bearer(admin))
          .send({ csr, ca_id: root.id, certificate_type: 'server' });
        expect([signed.status, signed.body.detail]).toEqual([400, expect.stringMatching(message)]);
        expect(await count('certificates')).toBe(certificatesBefore);
      },
    );

    it('checks the names against the certificate type asked for at submission', async () => {
      const csr = newCsr('/O=Acme/CN=typed.acme.example', ['subjectAltName=DNS:typed.acme.example']);
      const response = await testApp
        .http()
        .post('/api/v1/certificate-requests/')
        .set(...bearer(admin))
        .send({ csr, certificate_type: 'client' });
      expect([response.status, response.body.detail]).toEqual([
        400,
        'Client certificates cannot carry DNS or IP SANs',
      ]);
      await submitRequest(testApp, admin, { csr, certificate_type: 'server' });
    });

    it('caps the SANs of an issued certificate, counting every type', async () => {
      const dns = Array.from({ length: 60 }, (_, i) => `dns-${i}.acme.example`);
      const ip = Array.from({ length: 41 }, (_, i) => `10.0.0.${i + 1}`);
      const before = await count('certificates');
      const response = await testApp
        .http()
        .post(`/api/v1/certificates/?ca_id=${root.id}`)
        .set(...bearer(admin))
        .send({
          common_name: 'capped.acme.example',
          subject_dn: 'O=Acme',
          certificate_type: 'server',
          key_type: 'ec',
          san_dns_names: dns,
          san_ip_addresses: ip,
        });
      expect([response.status, response.body.detail]).toEqual([
        400,
        'The certificate would carry 101 subject alternative names; at most 100 are allowed',
      ]);
      expect(await count('certificates')).toBe(before);
      const issued = await issueCertificate(testApp, admin, root.id, {
        common_name: 'capped.acme.example',
        certificate_type: 'server',
        key_type: 'ec',
        san_dns_names: dns,
        san_ip_addresses: ip.slice(1),
      });
      expect(issued.san_dns_names.length + issued.san_ip_addresses.length).toBe(100);
    });

    it('takes the cap from MAX_SANS_PER_CERTIFICATE', async () => {
      const small = await startTestApp({ MAX_SANS_PER_CERTIFICATE: '2' });
      try {
        const user = await createUser(small, null, { username: 'cap' });
        const ca = await createCa(small, user, { name: 'Cap Root', key_type: 'ec' });
        const response = await small
          .http()
          .post(`/api/v1/certificates/?ca_id=${ca.id}`)
          .set(...bearer(user))
          .send({
            common_name: 'three.acme.example',
            subject_dn: 'O=Acme',
            certificate_type: 'server',
            key_type: 'ec',
            san_dns_names: ['a.acme.example', 'b.acme.example', 'c.acme.example'],
          });
        expect([response.status, response.body.detail]).toEqual([
          400,
          'The certificate would carry 3 subject alternative names; at most 2 are allowed',
        ]);
        const submitted = await small
          .http()
          .post('/api/v1/certificate-requests/')
          .set(...bearer(user))
          .send({
            csr: newCsr('/O=Acme/CN=three.acme.example', [
              'subjectAltName=DNS:a.acme.example,DNS:b.acme.example,DNS:c.acme.example',
            ]),
          });
        expect([submitted.status, submitted.body.detail]).toEqual([
          400,
          'The certificate would carry 3 subject alternative names; at most 2 are allowed',
        ]);
      } finally {
        await small.close();
      }
    });
  });
});
