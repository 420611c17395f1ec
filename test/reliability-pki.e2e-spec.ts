import { generateKeyPairSync } from 'node:crypto';
import * as forge from 'node-forge';
import { createAdmin, createIntermediate, createRootCa, createSuperuser } from './support/fixtures';
import {
  caExtensions,
  createPendingCa,
  crlReason,
  crlSerials,
  EC_P256,
  metricValue,
  normalSerial,
  opensslVerify,
  outsideRoot,
  signOutsideBetween,
  submitRequest,
} from './support/notary';
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
    const superuser = await createSuperuser(testApp);
    const organization = await createOrganization(testApp, superuser, 'Reliability Org');
    admin = await createAdmin(testApp, superuser, organization);
    root = await createRootCa(testApp, admin, { name: 'Reliability Root', key_type: 'ec' });
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
      const parent = await createRootCa(testApp, admin, { name: 'Reliability Parent', key_type: 'ec' });
      const intermediate = await createIntermediate(testApp, admin, parent, {
        name: 'Reliability Intermediate',
        key_type: 'ec',
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
      const ca = await createRootCa(testApp, admin, { name: 'Stuck CRL CA', key_type: 'ec' });
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
  });

  describe('a CA whose uploaded certificate is not yet valid', () => {
    /** ASN.1 GeneralizedTime for `openssl ca -startdate/-enddate`. */
    const asn1Time = (date: Date) => `${date.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;

    async function upload(caId: number, chain: string) {
      const response = await testApp
        .http()
        .post(`/api/v1/cas/${caId}/certificate`)
        .set(...bearer(admin))
        .send({ certificate_chain: chain });
      expect([response.status, response.text]).toEqual([200, expect.any(String)]);
      return response.body as CaBody;
    }

    async function refusal(method: 'post', path: string, body: Record<string, unknown>) {
      const response = await testApp
        .http()
        [method](`/api/v1/${path}`)
        .set(...bearer(admin))
        .send(body);
      return { path, status: response.status, detail: response.body.detail as string };
    }

    it('is accepted and held as not_yet_valid: every way to sign under it is refused with its date', async () => {
      const outside = outsideRoot(ssl, '/O=Elsewhere/CN=Future Outside Root', EC_P256, 7300);
      const pending = await createPendingCa(testApp, admin, { name: 'Future CA' });
      const { certificate } = signOutsideBetween(
        ssl,
        outside,
        pending.csr ?? '',
        caExtensions(),
        '20300101000000Z',
        '20350101000000Z',
      );
      const uploaded = await upload(pending.id, certificate + outside.certificate);
      expect(uploaded).toMatchObject({ status: 'not_yet_valid', not_before: '2030-01-01T00:00:00.000Z' });
      const read = await testApp
        .http()
        .get(`/api/v1/cas/${pending.id}`)
        .set(...bearer(admin))
        .expect(200);
      expect(read.body.status).toBe('not_yet_valid');

      const message = `CA ${pending.id}: its certificate is not valid until 2030-01-01T00:00:00.000Z; it cannot sign before then`;
      const certificatesBefore = await count('certificates');
      const request = await submitRequest(testApp, admin, {
        csr: newCsr('/O=Acme/CN=future-request.acme.example'),
      });
      const child = await createPendingCa(testApp, admin, { name: 'Future Child' });
      const refusals = [
        await refusal('post', `certificates/?ca_id=${pending.id}`, {
          common_name: 'future.acme.example',
          subject_dn: 'O=Acme',
          certificate_type: 'server',
          key_type: 'ec',
        }),
        await refusal('post', 'certificates/sign-csr', {
          csr: newCsr('/O=Acme/CN=future-csr.acme.example'),
          ca_id: pending.id,
          certificate_type: 'server',
        }),
        await refusal('post', `certificate-requests/${request.id}/sign`, { ca_id: pending.id }),
        await refusal('post', 'cas/', {
          name: 'Future Intermediate',
          subject_dn: 'CN=Future Intermediate',
          key_type: 'ec',
          parent_ca_id: pending.id,
        }),
        await refusal('post', `cas/${child.id}/sign`, { parent_ca_id: pending.id }),
      ];
      expect(refusals).toEqual(refusals.map(({ path }) => ({ path, status: 400, detail: message })));
      expect(await count('certificates')).toBe(certificatesBefore);
      // The first /metrics read of this app, so the gauge is not a cached one.
      const metrics = (await testApp.http().get('/metrics').expect(200)).text;
      expect(metricValue(metrics, 'ca_certificate_authorities{status="not_yet_valid"}')).toBe(1);
    });

    it('refuses an uploaded issuer that starts later than the certificate, still in the future', async () => {
      const outside = outsideRoot(ssl, '/O=Elsewhere/CN=Late Outside Root', EC_P256, 7300);
      const lateIssuer = signOutsideBetween(
        ssl,
        outside,
        ssl.csr('late-issuer', EC_P256, '/O=Elsewhere/CN=Late Issuer').csr,
        caExtensions(),
        '20310101000000Z',
        '20400101000000Z',
      );
      const pending = await createPendingCa(testApp, admin, { name: 'Under Late Issuer' });
      const { certificate } = signOutsideBetween(
        ssl,
        { ...lateIssuer, keyPath: ssl.path('late-issuer.key') },
        pending.csr ?? '',
        caExtensions(),
        '20300101000000Z',
        '20350101000000Z',
      );
      const response = await testApp
        .http()
        .post(`/api/v1/cas/${pending.id}/certificate`)
        .set(...bearer(admin))
        .send({ certificate_chain: certificate + lateIssuer.certificate + outside.certificate });
      expect([response.status, response.body.detail]).toEqual([
        400,
        'An issuer in certificate_chain is not valid until 2031-01-01T00:00:00.000Z, after this ' +
          "CA's certificate starts (2030-01-01T00:00:00.000Z); upload it once that issuer is valid",
      ]);
    });

    it('becomes active by itself at its notBefore; what it signs lies within its validity', async () => {
      const outside = outsideRoot(ssl, '/O=Elsewhere/CN=Soon Outside Root', EC_P256, 365);
      const pending = await createPendingCa(testApp, admin, { name: 'Soon CA' });
      const start = new Date(Math.ceil(Date.now() / 1000) * 1000 + 3000);
      const end = new Date(start.getTime() + 30 * 86_400_000);
      const { certificate } = signOutsideBetween(
        ssl,
        outside,
        pending.csr ?? '',
        caExtensions(),
        asn1Time(start),
        asn1Time(end),
      );
      expect((await upload(pending.id, certificate + outside.certificate)).status).toBe('not_yet_valid');
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, start.getTime() - Date.now()) + 200));

      const leaf = await issueCertificate(testApp, admin, pending.id, {
        common_name: 'soon.acme.example',
        certificate_type: 'server',
        key_type: 'ec',
        valid_days: 365,
      });
      expect(Date.parse(leaf.not_before)).toBeGreaterThanOrEqual(start.getTime());
      expect(leaf.not_after).toBe(end.toISOString());
      expect(opensslVerify(ssl, outside.certificate, leaf.certificate, certificate).ok).toBe(true);
      const read = await testApp
        .http()
        .get(`/api/v1/cas/${pending.id}`)
        .set(...bearer(admin))
        .expect(200);
      expect(read.body.status).toBe('active');
    });
  });

  // Last: a second app in this process takes over the process-wide metrics registry.
  describe('MAX_SANS_PER_CERTIFICATE', () => {
    it('sets the cap', async () => {
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
