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
  CaBody,
  CertificateBody,
  crlText,
  fetchCrl,
  issueCertificate,
  publicKeyOf,
  revokeCertificate,
  signCsr,
  x509Extension,
  x509Field,
  asReadBack,
  x509Text,
} from './support/pki';
import {
  bearer,
  createOrganization,
  EVERY_CAPABILITY,
  startTestApp,
  TestApp,
  TestUser,
} from './support/test-app';

/** Flips one bit of the CSR's signature (its last bytes), keeping the PEM well-formed. */
function corruptSignature(csrPem: string): string {
  const base64 = csrPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  const der = Buffer.from(base64, 'base64');
  der[der.length - 5] ^= 0x01;
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE REQUEST-----\n${lines.join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;
}

/**
 * The reason an entry of `openssl crl -text` output gives for a serial (serials compared without
 * case or leading zeros); null when the entry has no reason code. Fails when the serial is absent.
 */
function crlReason(text: string, serialHex: string): string | null {
  const entries = text.split(/\n\s*Serial Number: /).slice(1);
  const wanted = serialHex.replace(/^0+/, '').toLowerCase();
  const entry = entries.find(
    (item) => item.split('\n')[0].trim().replace(/^0+/, '').toLowerCase() === wanted,
  );
  if (entry === undefined) throw new Error(`serial ${serialHex} is not on the CRL`);
  return /CRL Reason Code:\s*\n\s*(.+)/.exec(entry)?.[1].trim() ?? null;
}

describe('certificates: issue, sign-csr, list, get, private key, revoke', () => {
  let testApp: TestApp;
  const ssl = new OpensslWorkspace();
  let superuser: TestUser;
  let orgA: number;
  let orgB: number;
  let adminA: TestUser;
  let issuerA: TestUser;
  let revokerA: TestUser;
  let exporterA: TestUser;
  let plainA: TestUser;
  let everyFlagB: TestUser;
  /** Org A: a root with an RSA intermediate that issues leaves, and a CA that allows none. */
  let rootA: CaBody;
  let issuingA: CaBody;
  let noLeavesA: CaBody;
  /** Org B: one root that issues leaves. */
  let rootB: CaBody;

  beforeAll(async () => {
    testApp = await startTestApp();
    superuser = await createSuperuser(testApp);
    orgA = await createOrganization(testApp, superuser, 'Cert Org A');
    orgB = await createOrganization(testApp, superuser, 'Cert Org B');
    adminA = await createAdmin(testApp, superuser, orgA);
    issuerA = await createMember(testApp, superuser, orgA, { can_create_cert: true });
    revokerA = await createMember(testApp, superuser, orgA, { can_revoke_cert: true });
    exporterA = await createMember(testApp, superuser, orgA, { can_export_private_key: true });
    plainA = await createMember(testApp, superuser, orgA);
    everyFlagB = await createMember(testApp, superuser, orgB, { ...EVERY_CAPABILITY });
    rootA = await createRootCa(testApp, adminA, { name: 'Cert Root A', key_type: 'ec', path_length: 1 });
    issuingA = await createIntermediate(testApp, adminA, rootA, {
      name: 'Issuing A',
      subject_dn: 'CN=Issuing A,O=Acme',
      key_size: 2048,
    });
    noLeavesA = await createRootCa(testApp, adminA, {
      name: 'No Leaves A',
      key_type: 'ec',
      allow_leaf_certs: false,
    });
    rootB = await createRootCa(testApp, everyFlagB, { name: 'Root B', key_type: 'ec' });
    ssl.write('chain-a.pem', issuingA.certificate + rootA.certificate);
    ssl.write('root-a.pem', rootA.certificate);
    ssl.write('issuing-a.pem', issuingA.certificate);
  });

  afterAll(async () => {
    await testApp.close();
    ssl.dispose();
  });

  async function certificateCount(): Promise<number> {
    const [row]: { count: number }[] = await testApp.dataSource.query(
      'SELECT count(*)::integer AS count FROM certificates',
    );
    return row.count;
  }

  async function sealedKeyOf(id: number): Promise<string | null> {
    const [row]: { sealed_private_key: string | null }[] = await testApp.dataSource.query(
      'SELECT sealed_private_key FROM certificates WHERE id = $1',
      [id],
    );
    return row.sealed_private_key;
  }

  function verifiesUnderIssuingA(pem: string): boolean {
    const file = ssl.write(`leaf-${Date.now()}-${Math.random().toString(36).slice(2)}.pem`, pem);
    return ssl.run(['verify', '-CAfile', 'root-a.pem', '-untrusted', 'issuing-a.pem', file]).ok;
  }

  describe('POST /certificates/?ca_id= (issue with a generated key)', () => {
    it('issues a server certificate with its Common Name as DNS SAN and a CERT_KEY_SIZE RSA key, and audits cert_create', async () => {
      const response = await testApp
        .http()
        .post(`/api/v1/certificates/?ca_id=${issuingA.id}`)
        .set(...bearer(issuerA))
        .send({ common_name: 'web.example.com', subject_dn: 'O=Acme,C=US', certificate_type: 'server' })
        .expect(201);
      const certificate: CertificateBody = response.body;
      expect(certificate).toMatchObject({
        id: expect.any(Number),
        common_name: 'web.example.com',
        subject_dn: 'CN=web.example.com,O=Acme,C=US',
        certificate_type: 'server',
        key_type: 'rsa',
        key_size: 2048,
        valid_days: 365,
        status: 'valid',
        revoked_at: null,
        issuer_id: issuingA.id,
        organization_id: orgA,
        created_by_user_id: issuerA.id,
        san_dns_names: ['web.example.com'],
        san_ip_addresses: [],
        san_email_addresses: [],
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      expect(certificate.serial_number).toMatch(/^[0-9a-f]+$/);
      expect(x509Field(ssl, certificate.certificate, 'serial').replace('serial=', '').toLowerCase()).toBe(
        certificate.serial_number.padStart(32, '0'),
      );
      expect((Date.parse(certificate.not_after) - Date.parse(certificate.not_before)) / 86_400_000).toBe(365);
      expect(certificate.private_key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
      expect(publicKeyOf(ssl, certificate.private_key ?? '')).toBe(publicKeyOf(ssl, certificate.certificate));
      const text = x509Text(ssl, certificate.certificate);
      expect(text).toContain('Public-Key: (2048 bit)');
      expect(x509Extension(text, 'X509v3 Subject Alternative Name')?.value).toBe('DNS:web.example.com');
      expect(x509Field(ssl, certificate.certificate, 'subject', ['-nameopt', 'RFC2253'])).toBe(
        'subject=CN=web.example.com,O=Acme,C=US',
      );
      expect(verifiesUnderIssuingA(certificate.certificate)).toBe(true);

      const sealed = await sealedKeyOf(certificate.id);
      expect(sealed).toEqual(expect.any(String));
      expect(sealed).not.toContain('PRIVATE KEY');
      expect(await auditRows(testApp, 'cert_create', certificate.id)).toEqual([
        {
          action: 'cert_create',
          user_id: issuerA.id,
          organization_id: orgA,
          resource_type: 'certificate',
          resource_id: certificate.id,
          detail: expect.objectContaining({
            ca_id: issuingA.id,
            serial_number: certificate.serial_number,
            certificate_type: 'server',
            key_type: 'rsa',
          }),
        },
      ]);
    });

    it('puts common_name in place of a CN given in subject_dn, as one attribute', async () => {
      const certificate = await issueCertificate(testApp, issuerA, issuingA.id, {
        common_name: 'real.example.com',
        subject_dn: 'CN=ignored.example.com,OU=Web,O=Acme',
        certificate_type: 'server',
        key_type: 'ec',
      });
      expect(certificate).toMatchObject({
        common_name: 'real.example.com',
        subject_dn: 'CN=real.example.com,OU=Web,O=Acme',
        san_dns_names: ['real.example.com'],
      });
      expect(x509Field(ssl, certificate.certificate, 'subject', ['-nameopt', 'RFC2253'])).toBe(
        'subject=CN=real.example.com,OU=Web,O=Acme',
      );
    });

    it('uses the DNS and IP SANs given, without adding the Common Name', async () => {
      const certificate = await issueCertificate(testApp, issuerA, issuingA.id, {
        common_name: 'named.example.com',
        certificate_type: 'server',
        key_type: 'ec',
        san_dns_names: ['a.example.com', 'B.Example.com'],
        san_ip_addresses: ['10.1.2.3', '2001:db8::1'],
      });
      expect(certificate.san_dns_names).toEqual(['a.example.com', 'b.example.com']);
      expect(certificate.san_ip_addresses).toEqual(['10.1.2.3', '2001:db8::1']);
      expect(
        x509Extension(x509Text(ssl, certificate.certificate), 'X509v3 Subject Alternative Name')?.value,
      ).toBe('DNS:a.example.com, DNS:b.example.com, IP Address:10.1.2.3, IP Address:2001:DB8:0:0:0:0:0:1');
    });

    it('puts an IP-address Common Name of a server certificate into an IP SAN', async () => {
      const certificate = await issueCertificate(testApp, issuerA, issuingA.id, {
        common_name: '192.168.1.10',
        certificate_type: 'server',
        key_type: 'ec',
      });
      expect(certificate).toMatchObject({ san_dns_names: [], san_ip_addresses: ['192.168.1.10'] });
      expect(
        x509Extension(x509Text(ssl, certificate.certificate), 'X509v3 Subject Alternative Name')?.value,
      ).toBe('IP Address:192.168.1.10');
    });

    it('adds an email Common Name of a client certificate as email SAN, and no SAN for other names', async () => {
      const withEmail = await issueCertificate(testApp, issuerA, issuingA.id, {
        common_name: 'alice@example.com',
        certificate_type: 'client',
        key_type: 'ec',
      });
      expect(withEmail).toMatchObject({
        san_dns_names: [],
        san_ip_addresses: [],
        san_email_addresses: ['alice@example.com'],
      });
      expect(
        x509Extension(x509Text(ssl, withEmail.certificate), 'X509v3 Subject Alternative Name')?.value,
      ).toBe('email:alice@example.com');
      const plain = await issueCertificate(testApp, issuerA, issuingA.id, {
        common_name: 'service-account-7',
        certificate_type: 'client',
        key_type: 'ec',
      });
      expect(plain).toMatchObject({ san_dns_names: [], san_ip_addresses: [], san_email_addresses: [] });
      expect(x509Extension(x509Text(ssl, plain.certificate), 'X509v3 Subject Alternative Name')).toBeNull();
      expect(verifiesUnderIssuingA(plain.certificate)).toBe(true);
    });

    it('issues a dual_purpose certificate with the Common Name as DNS SAN beside the email SANs given', async () => {
      const certificate = await issueCertificate(testApp, issuerA, issuingA.id, {
        common_name: 'dual.example.com',
        certificate_type: 'dual_purpose',
        key_type: 'ec',
        san_email_addresses: ['ops@example.com'],
      });
      expect(certificate).toMatchObject({
        certificate_type: 'dual_purpose',
        san_dns_names: ['dual.example.com'],
        san_email_addresses: ['ops@example.com'],
      });
      const text = x509Text(ssl, certificate.certificate);
      expect(x509Extension(text, 'X509v3 Subject Alternative Name')?.value).toBe(
        'DNS:dual.example.com, email:ops@example.com',
      );
      expect(x509Extension(text, 'X509v3 Extended Key Usage')?.value).toBe(
        'TLS Web Server Authentication, TLS Web Client Authentication',
      );
    });

    it('issues a ca certificate whose pathLen is the issuer pathLen minus one, refusing more and refusing under pathLen 0', async () => {
      const underRoot = await issueCertificate(testApp, adminA, rootA.id, {
        common_name: 'Sub CA by certificate',
        certificate_type: 'ca',
        key_type: 'ec',
      });
      const text = x509Text(ssl, underRoot.certificate);
      expect(x509Extension(text, 'X509v3 Basic Constraints')).toEqual({
        critical: true,
        value: 'CA:TRUE, pathlen:0',
      });
      expect(x509Extension(text, 'X509v3 Key Usage')).toEqual({
        critical: true,
        value: expect.stringMatching(/Certificate Sign, CRL Sign$/),
      });
      expect(x509Extension(text, 'X509v3 Extended Key Usage')).toBeNull();
      expect(underRoot).toMatchObject({ certificate_type: 'ca', san_dns_names: [], san_email_addresses: [] });

      const before = await certificateCount();
      const tooLong = await testApp
        .http()
        .post(`/api/v1/certificates/?ca_id=${rootA.id}`)
        .set(...bearer(adminA))
        .send({
          common_name: 'Greedy',
          subject_dn: 'O=Acme',
          certificate_type: 'ca',
          key_type: 'ec',
          path_length: 1,
        })
        .expect(400);
      expect(tooLong.body.detail).toContain('at most 0');
      // The intermediate under a root with pathLen 1 has pathLen 0.
      expect(issuingA.path_length).toBe(0);
      const underZero = await testApp
        .http()
        .post(`/api/v1/certificates/?ca_id=${issuingA.id}`)
        .set(...bearer(adminA))
        .send({ common_name: 'Too deep', subject_dn: 'O=Acme', certificate_type: 'ca', key_type: 'ec' })
        .expect(400);
      expect(underZero.body.detail).toContain('path length 0');
      expect(await certificateCount()).toBe(before);
    });

    it('issues a ca certificate under a CA that allows no leaves, keeping a requested path_length', async () => {
      const certificate = await issueCertificate(testApp, adminA, noLeavesA.id, {
        common_name: 'Sub CA of no-leaves',
        certificate_type: 'ca',
        key_type: 'ec',
        path_length: 2,
      });
      expect(x509Extension(x509Text(ssl, certificate.certificate), 'X509v3 Basic Constraints')?.value).toBe(
        'CA:TRUE, pathlen:2',
      );
    });

    it.each([
      ['server', { san_email_addresses: ['a@example.com'] }, 'Server certificates cannot carry email SANs'],
      ['client', { san_dns_names: ['a.example.com'] }, 'Client certificates cannot carry DNS or IP SANs'],
      ['client', { san_ip_addresses: ['10.0.0.1'] }, 'Client certificates cannot carry DNS or IP SANs'],
      ['ca', { san_dns_names: ['a.example.com'] }, 'CA certificates cannot carry SANs'],
      ['server', { san_dns_names: ['bad_name!.example.com'] }, 'not a valid DNS name'],
      ['server', { san_ip_addresses: ['999.1.1.1'] }, 'not a valid IP address'],
      ['dual_purpose', { san_email_addresses: ['not-an-email'] }, 'not a valid email address'],
    ])('refuses a %s certificate with %j with 400', async (certificateType, sans, message) => {
      const before = await certificateCount();
      const auditBefore = (await auditRows(testApp, 'cert_create')).length;
      const response = await testApp
        .http()
        .post(`/api/v1/certificates/?ca_id=${issuingA.id}`)
        .set(...bearer(issuerA))
        .send({
          common_name: 'sans.example.com',
          subject_dn: 'O=Acme',
          certificate_type: certificateType,
          ...sans,
        })
        .expect(400);
      expect(response.body.detail).toContain(message);
      expect(await certificateCount()).toBe(before);
      expect(await auditRows(testApp, 'cert_create')).toHaveLength(auditBefore);
    });

    it.each(['server', 'client', 'dual_purpose'])(
      'refuses a %s certificate under a CA with allow_leaf_certs=false with 400',
      async (certificateType) => {
        const before = await certificateCount();
        for (const ca of [noLeavesA, rootA]) {
          const response = await testApp
            .http()
            .post(`/api/v1/certificates/?ca_id=${ca.id}`)
            .set(...bearer(adminA))
            .send({
              common_name: 'leaf@example.com',
              subject_dn: 'O=Acme',
              certificate_type: certificateType,
            })
            .expect(400);
          expect(response.body.detail).toContain('allow_leaf_certs=false');
        }
        expect(await certificateCount()).toBe(before);
      },
    );

    it('discards the generated key when include_private_key is false', async () => {
      const certificate = await issueCertificate(testApp, issuerA, issuingA.id, {
        common_name: 'keyless.example.com',
        certificate_type: 'server',
        key_type: 'ec',
        include_private_key: false,
      });
      expect(certificate.private_key).toBeNull();
      expect(await sealedKeyOf(certificate.id)).toBeNull();
      const auditBefore = (await auditRows(testApp, 'cert_export_private_key', certificate.id)).length;
      await testApp
        .http()
        .get(`/api/v1/certificates/${certificate.id}/private-key`)
        .set(...bearer(adminA))
        .expect(404);
      await testApp
        .http()
        .get(`/api/v1/export/certificate/${certificate.id}/private-key`)
        .set(...bearer(adminA))
        .expect(404);
      expect(await auditRows(testApp, 'cert_export_private_key', certificate.id)).toHaveLength(auditBefore);
    });

    it.each([
      [{ key_type: 'ec' }, 'ec', 256, 'ASN1 OID: prime256v1'],
      [{ key_type: 'ec', key_size: 384 }, 'ec', 384, 'ASN1 OID: secp384r1'],
      [{ key_type: 'ed25519' }, 'ed25519', 256, 'ED25519 Public-Key'],
      [{ key_type: 'rsa', key_size: 3072 }, 'rsa', 3072, 'Public-Key: (3072 bit)'],
    ])('issues a certificate with %j', async (keyFields, keyType, keySize, keyText) => {
      const certificate = await issueCertificate(testApp, issuerA, issuingA.id, {
        common_name: `${keyType}-${keySize}.example.com`,
        certificate_type: 'server',
        ...keyFields,
      });
      expect(certificate).toMatchObject({ key_type: keyType, key_size: keySize });
      expect(x509Text(ssl, certificate.certificate)).toContain(keyText);
      expect(publicKeyOf(ssl, certificate.private_key ?? '')).toBe(publicKeyOf(ssl, certificate.certificate));
      expect(verifiesUnderIssuingA(certificate.certificate)).toBe(true);
    });

    it.each([{ key_type: 'rsa', key_size: 1024 }, { key_type: 'ec', key_size: 521 }, { key_type: 'x25519' }])(
      'refuses the key combination %j with 400',
      async (keyFields) => {
        const before = await certificateCount();
        await testApp
          .http()
          .post(`/api/v1/certificates/?ca_id=${issuingA.id}`)
          .set(...bearer(issuerA))
          .send({
            common_name: 'bad-key.example.com',
            subject_dn: 'O=Acme',
            certificate_type: 'server',
            ...keyFields,
          })
          .expect(400);
        expect(await certificateCount()).toBe(before);
      },
    );

    it("clamps a leaf's notAfter to its issuer's notAfter", async () => {
      const shortCa = await createRootCa(testApp, adminA, {
        name: 'Short Lived A',
        key_type: 'ec',
        valid_days: 10,
      });
      const certificate = await issueCertificate(testApp, issuerA, shortCa.id, {
        common_name: 'clamped.example.com',
        certificate_type: 'server',
        key_type: 'ec',
        valid_days: 365,
      });
      expect(certificate.not_after).toBe(shortCa.not_after);
      expect(x509Field(ssl, certificate.certificate, 'enddate')).toBe(
        x509Field(ssl, shortCa.certificate, 'enddate'),
      );
      expect(await auditRows(testApp, 'cert_create', certificate.id)).toEqual([
        expect.objectContaining({ detail: expect.objectContaining({ validity_clamped: true }) }),
      ]);
      const unclamped = await issueCertificate(testApp, issuerA, shortCa.id, {
        common_name: 'short.example.com',
        certificate_type: 'server',
        key_type: 'ec',
        valid_days: 5,
      });
      expect((Date.parse(unclamped.not_after) - Date.parse(unclamped.not_before)) / 86_400_000).toBe(5);
    });

    it('refuses to issue under a CA past its notAfter with 400, and reports the CA expired', async () => {
      const expiring = await createRootCa(testApp, adminA, { name: 'Expired A', key_type: 'ec' });
      await testApp.dataSource.query(
        `UPDATE certificate_authorities SET not_after = now() - interval '1 minute' WHERE id = $1`,
        [expiring.id],
      );
      const before = await certificateCount();
      const response = await testApp
        .http()
        .post(`/api/v1/certificates/?ca_id=${expiring.id}`)
        .set(...bearer(adminA))
        .send({
          common_name: 'late.example.com',
          subject_dn: 'O=Acme',
          certificate_type: 'server',
          key_type: 'ec',
        })
        .expect(400);
      expect(response.body.detail).toContain('expired');
      expect(await certificateCount()).toBe(before);
      const fetched = await testApp
        .http()
        .get(`/api/v1/cas/${expiring.id}`)
        .set(...bearer(plainA))
        .expect(200);
      expect(fetched.body.status).toBe('expired');
    });

    it('lets the create_cert capability, an admin and a superuser issue, and refuses others with 403', async () => {
      for (const user of [issuerA, adminA, superuser]) {
        const certificate = await issueCertificate(testApp, user, issuingA.id, {
          common_name: `by-${user.id}.example.com`,
          certificate_type: 'server',
          key_type: 'ec',
        });
        expect(certificate.created_by_user_id).toBe(user.id);
      }
      const before = await certificateCount();
      for (const user of [plainA, revokerA, exporterA, everyFlagB]) {
        const response = await testApp
          .http()
          .post(`/api/v1/certificates/?ca_id=${issuingA.id}`)
          .set(...bearer(user))
          .send({
            common_name: 'refused.example.com',
            subject_dn: 'O=Acme',
            certificate_type: 'server',
            key_type: 'ec',
          })
          .expect(403);
        expect(response.body.detail).toContain('can_create_cert');
      }
      expect(await certificateCount()).toBe(before);
    });

    it('answers 404 for an unknown CA, 400 without ca_id or with a bad body, and 401 without a token', async () => {
      const body = {
        common_name: 'x.example.com',
        subject_dn: 'O=Acme',
        certificate_type: 'server',
        key_type: 'ec',
      };
      await testApp
        .http()
        .post('/api/v1/certificates/?ca_id=999999')
        .set(...bearer(superuser))
        .send(body)
        .expect(404);
      await testApp
        .http()
        .post('/api/v1/certificates/')
        .set(...bearer(superuser))
        .send(body)
        .expect(400);
      for (const bad of [
        { certificate_type: 'email' },
        { common_name: '' },
        { valid_days: 0 },
        { private_key: 'x' },
      ]) {
        await testApp
          .http()
          .post(`/api/v1/certificates/?ca_id=${issuingA.id}`)
          .set(...bearer(superuser))
          .send({ ...body, ...bad })
          .expect(400);
      }
      await testApp.http().post(`/api/v1/certificates/?ca_id=${issuingA.id}`).send(body).expect(401);
    });
  });

  describe('a CA changed by another instance', () => {
    // Direct SQL stands for another instance: this one still remembers the CA as active and open to
    // leaves, so only the statement that stores the certificate can notice.
    it('refuses with the precise reason and stores nothing when the CA was disabled or closed to leaves meanwhile', async () => {
      const ca = await createRootCa(testApp, adminA, { name: `Elsewhere ${Date.now()}`, key_type: 'ec' });
      const leaf = (name: string) => ({ common_name: name, certificate_type: 'server', key_type: 'ec' });
      const issue = (name: string) =>
        testApp
          .http()
          .post(`/api/v1/certificates/?ca_id=${ca.id}`)
          .set(...bearer(issuerA))
          .send({ subject_dn: 'O=Acme', ...leaf(name) });
      const stored = async () =>
        Number(
          (
            await testApp.dataSource.query('SELECT count(*) AS n FROM certificates WHERE issuer_id = $1', [
              ca.id,
            ])
          )[0].n,
        );
      await issueCertificate(testApp, issuerA, ca.id, leaf('warm.example.com'));

      await testApp.dataSource.query(`UPDATE certificate_authorities SET status = 'disabled' WHERE id = $1`, [
        ca.id,
      ]);
      expect((await issue('late.example.com').expect(400)).body.detail).toBe(
        `CA ${ca.id} is disabled and cannot sign`,
      );
      expect(await stored()).toBe(1);

      await testApp.dataSource.query(`UPDATE certificate_authorities SET status = 'active' WHERE id = $1`, [
        ca.id,
      ]);
      await issueCertificate(testApp, issuerA, ca.id, leaf('again.example.com'));
      await testApp.dataSource.query(
        `UPDATE certificate_authorities SET allow_leaf_certs = false WHERE id = $1`,
        [ca.id],
      );
      expect((await issue('closed.example.com').expect(400)).body.detail).toContain('allow_leaf_certs=false');
      expect(await stored()).toBe(2);
    });
  });

  describe('POST /certificates/sign-csr', () => {
    it.each([
      ['RSA 2048', ['-newkey', 'rsa:2048'], 'rsa', 2048],
      ['EC P-256', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'], 'ec', 256],
      ['EC P-384', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'], 'ec', 384],
      ['Ed25519', ['-newkey', 'ed25519'], 'ed25519', 256],
    ])(
      'signs an %s CSR made by openssl req with its subject, SANs and public key',
      async (label, keyArgs, keyType, keySize) => {
        const host = `${String(keyType)}-${String(keySize)}.csr.example.com`;
        const { csr } = ssl.csr(`csr-${keyType}-${keySize}`, keyArgs as string[], `/O=CSR Org/CN=${host}`, [
          `subjectAltName=DNS:${host},IP:10.9.8.7`,
        ]);
        const response = await testApp
          .http()
          .post('/api/v1/certificates/sign-csr')
          .set(...bearer(issuerA))
          .send({ csr, ca_id: issuingA.id, certificate_type: 'server' })
          .expect(201);
        const certificate: CertificateBody = response.body;
        expect(response.text).not.toContain('PRIVATE KEY');
        expect(certificate).not.toHaveProperty('private_key');
        expect(certificate).toMatchObject({
          common_name: host,
          subject_dn: `CN=${host},O=CSR Org`,
          certificate_type: 'server',
          key_type: keyType,
          key_size: keySize,
          status: 'valid',
          issuer_id: issuingA.id,
          organization_id: orgA,
          created_by_user_id: issuerA.id,
          san_dns_names: [host],
          san_ip_addresses: ['10.9.8.7'],
          san_email_addresses: [],
        });
        expect(publicKeyOf(ssl, certificate.certificate)).toBe(publicKeyOf(ssl, csr));
        expect(verifiesUnderIssuingA(certificate.certificate)).toBe(true);
        expect(await sealedKeyOf(certificate.id)).toBeNull();
        expect(await auditRows(testApp, 'cert_sign_csr', certificate.id)).toEqual([
          {
            action: 'cert_sign_csr',
            user_id: issuerA.id,
            organization_id: orgA,
            resource_type: 'certificate',
            resource_id: certificate.id,
            detail: expect.objectContaining({
              ca_id: issuingA.id,
              certificate_type: 'server',
              key_type: keyType,
            }),
          },
        ]);
        await testApp
          .http()
          .get(`/api/v1/certificates/${certificate.id}/private-key`)
          .set(...bearer(adminA))
          .expect(404);
      },
    );

    it('refuses a CSR whose signature does not verify with 400', async () => {
      for (const [name, keyArgs] of [
        ['corrupt-rsa', ['-newkey', 'rsa:2048']],
        ['corrupt-ec', ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256']],
      ] as const) {
        const { csr } = ssl.csr(name, [...keyArgs], '/CN=corrupt.example.com');
        const corrupted = corruptSignature(csr);
        expect(corrupted).not.toBe(csr);
        const before = await certificateCount();
        const response = await testApp
          .http()
          .post('/api/v1/certificates/sign-csr')
          .set(...bearer(issuerA))
          .send({ csr: corrupted, ca_id: issuingA.id, certificate_type: 'server' })
          .expect(400);
        expect(response.body.detail).toMatch(/signature/i);
        expect(await certificateCount()).toBe(before);
      }
    });

    it('refuses garbage, a certificate instead of a CSR, and a truncated CSR with 400', async () => {
      const { csr } = ssl.csr(
        'truncated',
        ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
        '/CN=t.example.com',
      );
      const lines = csr.trim().split('\n');
      const truncated = [...lines.slice(0, 3), lines[lines.length - 1]].join('\n');
      for (const bad of [
        'not a csr',
        '-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n',
        '-----BEGIN CERTIFICATE REQUEST-----\n!!!not base64!!!\n-----END CERTIFICATE REQUEST-----\n',
        issuingA.certificate,
        truncated,
      ]) {
        const response = await testApp
          .http()
          .post('/api/v1/certificates/sign-csr')
          .set(...bearer(issuerA))
          .send({ csr: bad, ca_id: issuingA.id, certificate_type: 'server' });
        expect({ bad, status: response.status }).toEqual({ bad, status: 400 });
        expect(response.body.detail).toEqual(expect.any(String));
      }
    });

    it('requires exactly one of ca_id and ca_name (400)', async () => {
      const { csr } = ssl.csr(
        'xor',
        ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
        '/CN=xor.example.com',
      );
      const both = await testApp
        .http()
        .post('/api/v1/certificates/sign-csr')
        .set(...bearer(issuerA))
        .send({ csr, ca_id: issuingA.id, ca_name: issuingA.name, certificate_type: 'server' })
        .expect(400);
      expect(both.body.detail).toContain('exactly one of ca_id and ca_name');
      const neither = await testApp
        .http()
        .post('/api/v1/certificates/sign-csr')
        .set(...bearer(issuerA))
        .send({ csr, certificate_type: 'server' })
        .expect(400);
      expect(neither.body.detail).toContain('exactly one of ca_id and ca_name');
      const before = await certificateCount();
      for (const body of [{ ca_id: null }, { ca_name: null }, { ca_id: null, ca_name: null }]) {
        const response = await testApp
          .http()
          .post('/api/v1/certificates/sign-csr')
          .set(...bearer(superuser))
          .send({ csr, certificate_type: 'server', ...body });
        expect({ body, status: response.status, detail: response.body.detail }).toEqual({
          body,
          status: 400,
          detail: expect.stringContaining('exactly one of ca_id and ca_name'),
        });
      }
      expect(await certificateCount()).toBe(before);
      const byName = await signCsr(testApp, issuerA, {
        csr,
        ca_id: null,
        ca_name: 'Issuing A',
        certificate_type: 'server',
      });
      expect(byName.issuer_id).toBe(issuingA.id);
    });

    it('refuses a CSR with a key the CA does not support (RSA 1024) with 400', async () => {
      const { csr } = ssl.csr('weak', ['-newkey', 'rsa:1024'], '/CN=weak.example.com');
      const response = await testApp
        .http()
        .post('/api/v1/certificates/sign-csr')
        .set(...bearer(issuerA))
        .send({ csr, ca_id: issuingA.id, certificate_type: 'server' })
        .expect(400);
      expect(response.body.detail).toContain('1024');
    });

    it("resolves ca_name within the caller's organization, and globally for a superuser", async () => {
      const { csr } = ssl.csr(
        'by-name',
        ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
        '/CN=named.example.com',
      );
      const own = await signCsr(testApp, issuerA, { csr, ca_name: 'Issuing A', certificate_type: 'server' });
      expect(own.issuer_id).toBe(issuingA.id);
      const foreign = await testApp
        .http()
        .post('/api/v1/certificates/sign-csr')
        .set(...bearer(issuerA))
        .send({ csr, ca_name: 'Root B', certificate_type: 'server' })
        .expect(404);
      expect(foreign.body.detail).toContain('Root B');
      const global = await signCsr(testApp, superuser, {
        csr,
        ca_name: 'Root B',
        certificate_type: 'server',
      });
      expect(global).toMatchObject({ issuer_id: rootB.id, organization_id: orgB });

      const twinA = await createRootCa(testApp, adminA, { name: 'Twin', key_type: 'ec' });
      const twinB = await createRootCa(testApp, everyFlagB, { name: 'Twin', key_type: 'ec' });
      expect(
        (await signCsr(testApp, issuerA, { csr, ca_name: 'Twin', certificate_type: 'server' })).issuer_id,
      ).toBe(twinA.id);
      expect(
        (await signCsr(testApp, everyFlagB, { csr, ca_name: 'Twin', certificate_type: 'server' })).issuer_id,
      ).toBe(twinB.id);
      await testApp
        .http()
        .post('/api/v1/certificates/sign-csr')
        .set(...bearer(superuser))
        .send({ csr, ca_name: 'Twin', certificate_type: 'server' })
        .expect(400);
      await testApp
        .http()
        .post('/api/v1/certificates/sign-csr')
        .set(...bearer(issuerA))
        .send({ csr, ca_name: 'Nobody', certificate_type: 'server' })
        .expect(404);
    });

    it('lets the request override the subject, the Common Name and the SANs of the CSR', async () => {
      const { csr } = ssl.csr(
        'override',
        ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
        '/CN=csr.example.com/O=CSR Org',
        ['subjectAltName=DNS:csr.example.com,IP:10.0.0.9'],
      );
      const subject = await signCsr(testApp, issuerA, {
        csr,
        ca_id: issuingA.id,
        certificate_type: 'server',
        subject_dn: 'CN=override.example.com,O=Override Org,C=DE',
      });
      expect(subject).toMatchObject({
        common_name: 'override.example.com',
        subject_dn: 'CN=override.example.com,O=Override Org,C=DE',
        san_dns_names: ['csr.example.com'],
        san_ip_addresses: ['10.0.0.9'],
      });
      expect(x509Field(ssl, subject.certificate, 'subject', ['-nameopt', 'RFC2253'])).toBe(
        'subject=CN=override.example.com,O=Override Org,C=DE',
      );

      const commonName = await signCsr(testApp, issuerA, {
        csr,
        ca_id: issuingA.id,
        certificate_type: 'server',
        common_name: 'renamed.example.com',
      });
      expect(commonName).toMatchObject({
        common_name: 'renamed.example.com',
        subject_dn: 'CN=renamed.example.com,O=CSR Org',
      });

      const sans = await signCsr(testApp, issuerA, {
        csr,
        ca_id: issuingA.id,
        certificate_type: 'server',
        san_dns_names: ['api.example.com', 'www.example.com'],
        san_ip_addresses: [],
      });
      expect(sans).toMatchObject({
        san_dns_names: ['api.example.com', 'www.example.com'],
        san_ip_addresses: [],
      });
      expect(x509Extension(x509Text(ssl, sans.certificate), 'X509v3 Subject Alternative Name')?.value).toBe(
        'DNS:api.example.com, DNS:www.example.com',
      );
    });

    it('keeps a CSR subject value containing ",O=Evil" as one attribute', async () => {
      const { csr } = ssl.csr(
        'evil',
        ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
        '/CN=evil.example.com,O=Evil/O=Acme',
        ['subjectAltName=DNS:evil.example.com'],
      );
      const certificate = await signCsr(testApp, issuerA, {
        csr,
        ca_id: issuingA.id,
        certificate_type: 'server',
      });
      expect(certificate.common_name).toBe('evil.example.com,O=Evil');
      expect(certificate.subject_dn).toBe('O=Acme,CN=evil.example.com\\,O=Evil');
      expect(x509Field(ssl, certificate.certificate, 'subject', ['-nameopt', 'RFC2253'])).toBe(
        'subject=O=Acme,CN=evil.example.com\\,O=Evil',
      );
      const multiline = x509Field(ssl, certificate.certificate, 'subject', ['-nameopt', 'multiline']);
      expect(multiline.match(/organizationName/g)).toHaveLength(1);

      const overridden = await signCsr(testApp, issuerA, {
        csr,
        ca_id: issuingA.id,
        certificate_type: 'server',
        common_name: 'x.example.com,O=Evil',
      });
      const overriddenLines = x509Field(ssl, overridden.certificate, 'subject', ['-nameopt', 'multiline']);
      expect(overriddenLines.match(/organizationName/g)).toHaveLength(1);
      expect(overriddenLines).toContain('commonName                = x.example.com,O=Evil');
    });

    it('does not copy extensions the CSR requests', async () => {
      const { csr } = ssl.csr('extensions', ['-newkey', 'rsa:2048'], '/CN=ext.example.com', [
        'basicConstraints=critical,CA:TRUE',
        'keyUsage=critical,keyCertSign,cRLSign',
        'extendedKeyUsage=codeSigning',
        'subjectAltName=DNS:ext.example.com',
      ]);
      const certificate = await signCsr(testApp, issuerA, {
        csr,
        ca_id: issuingA.id,
        certificate_type: 'server',
      });
      const text = x509Text(ssl, certificate.certificate);
      expect(x509Extension(text, 'X509v3 Basic Constraints')).toEqual({ critical: true, value: 'CA:FALSE' });
      expect(x509Extension(text, 'X509v3 Key Usage')?.value).not.toContain('Certificate Sign');
      expect(x509Extension(text, 'X509v3 Extended Key Usage')?.value).toBe('TLS Web Server Authentication');
      expect(text).not.toContain('Code Signing');
    });

    it('refuses a server or dual_purpose certificate for a CSR without a Common Name or DNS/IP SAN (400)', async () => {
      const { csr } = ssl.csr(
        'nameless',
        ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
        '/O=Only Org',
      );
      const before = await certificateCount();
      for (const certificateType of ['server', 'dual_purpose']) {
        const response = await testApp
          .http()
          .post('/api/v1/certificates/sign-csr')
          .set(...bearer(issuerA))
          .send({ csr, ca_id: issuingA.id, certificate_type: certificateType })
          .expect(400);
        expect(response.body.detail).toContain('needs a DNS or IP name');
      }
      expect(await certificateCount()).toBe(before);
      const named = await signCsr(testApp, issuerA, {
        csr,
        ca_id: issuingA.id,
        certificate_type: 'server',
        san_dns_names: ['named.example.com'],
      });
      expect(named).toMatchObject({ subject_dn: 'O=Only Org', san_dns_names: ['named.example.com'] });
      const client = await signCsr(testApp, issuerA, { csr, ca_id: issuingA.id, certificate_type: 'client' });
      expect(client).toMatchObject({ common_name: '', san_dns_names: [], san_email_addresses: [] });
    });

    it('applies the SAN type rules and the leaf policy to CSRs (400), and refuses certificate_type ca', async () => {
      const { csr } = ssl.csr(
        'rules',
        ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
        '/CN=rules.example.com',
        ['subjectAltName=DNS:rules.example.com'],
      );
      const before = await certificateCount();
      const client = await testApp
        .http()
        .post('/api/v1/certificates/sign-csr')
        .set(...bearer(issuerA))
        .send({ csr, ca_id: issuingA.id, certificate_type: 'client' })
        .expect(400);
      expect(client.body.detail).toContain('Client certificates cannot carry DNS or IP SANs');
      const server = await testApp
        .http()
        .post('/api/v1/certificates/sign-csr')
        .set(...bearer(issuerA))
        .send({ csr, ca_id: issuingA.id, certificate_type: 'server', san_email_addresses: ['a@example.com'] })
        .expect(400);
      expect(server.body.detail).toContain('Server certificates cannot carry email SANs');
      const noLeaves = await testApp
        .http()
        .post('/api/v1/certificates/sign-csr')
        .set(...bearer(adminA))
        .send({ csr, ca_id: noLeavesA.id, certificate_type: 'server' })
        .expect(400);
      expect(noLeaves.body.detail).toContain('allow_leaf_certs=false');
      await testApp
        .http()
        .post('/api/v1/certificates/sign-csr')
        .set(...bearer(adminA))
        .send({ csr, ca_id: rootA.id, certificate_type: 'ca' })
        .expect(400);
      expect(await certificateCount()).toBe(before);
    });

    it('refuses callers without create_cert on the CA with 403, and answers 404 for an unknown CA', async () => {
      const { csr } = ssl.csr(
        'perm',
        ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
        '/CN=perm.example.com',
      );
      for (const user of [plainA, revokerA, everyFlagB]) {
        await testApp
          .http()
          .post('/api/v1/certificates/sign-csr')
          .set(...bearer(user))
          .send({ csr, ca_id: issuingA.id, certificate_type: 'server' })
          .expect(403);
      }
      await testApp
        .http()
        .post('/api/v1/certificates/sign-csr')
        .set(...bearer(superuser))
        .send({ csr, ca_id: 999999, certificate_type: 'server' })
        .expect(404);
    });
  });

  describe('GET /certificates/ (list)', () => {
    let listRoot: CaBody;
    const issued: CertificateBody[] = [];

    beforeAll(async () => {
      listRoot = await createRootCa(testApp, adminA, { name: 'List Root', key_type: 'ec' });
      for (const name of ['l1', 'l2', 'l3', 'l4', 'l5']) {
        issued.push(
          await issueCertificate(testApp, issuerA, listRoot.id, {
            common_name: `${name}.example.com`,
            certificate_type: 'server',
            key_type: 'ec',
          }),
        );
      }
      await revokeCertificate(testApp, adminA, issued[1].id, { reason: 'superseded' });
      await testApp.dataSource.query(
        `UPDATE certificates SET not_after = now() - interval '1 day' WHERE id = $1`,
        [issued[2].id],
      );
    });

    async function listIds(user: TestUser, query = ''): Promise<number[]> {
      const response = await testApp
        .http()
        .get(`/api/v1/certificates/${query}`)
        .set(...bearer(user))
        .expect(200);
      const items: CertificateBody[] = response.body;
      for (const item of items) expect(item).not.toHaveProperty('private_key');
      expect(response.text).not.toContain('PRIVATE KEY');
      return items.map((item) => item.id);
    }

    it('lists the visible certificates newest first, without private keys', async () => {
      const all: { id: number }[] = await testApp.dataSource.query(
        'SELECT id FROM certificates ORDER BY id DESC',
      );
      expect(await listIds(superuser)).toEqual(all.map((row) => row.id));
      const inA: { id: number }[] = await testApp.dataSource.query(
        'SELECT id FROM certificates WHERE organization_id = $1 ORDER BY id DESC',
        [orgA],
      );
      expect(await listIds(plainA)).toEqual(inA.map((row) => row.id));
      const inB: { id: number }[] = await testApp.dataSource.query(
        'SELECT id FROM certificates WHERE organization_id = $1 ORDER BY id DESC',
        [orgB],
      );
      expect(await listIds(everyFlagB)).toEqual(inB.map((row) => row.id));
      expect(inB.length).toBeGreaterThan(0);
    });

    it('filters by ca_id and pages with skip and limit', async () => {
      const newestFirst = issued.map((item) => item.id).reverse();
      expect(await listIds(plainA, `?ca_id=${listRoot.id}`)).toEqual(newestFirst);
      expect(await listIds(plainA, `?ca_id=${listRoot.id}&limit=2`)).toEqual(newestFirst.slice(0, 2));
      expect(await listIds(plainA, `?ca_id=${listRoot.id}&skip=2&limit=2`)).toEqual(newestFirst.slice(2, 4));
      expect(await listIds(plainA, `?ca_id=${listRoot.id}&skip=5`)).toEqual([]);
      expect(await listIds(everyFlagB, `?ca_id=${listRoot.id}`)).toEqual([]);
    });

    it('filters by status valid, revoked and expired', async () => {
      const query = `?ca_id=${listRoot.id}&status=`;
      expect(await listIds(plainA, `${query}revoked`)).toEqual([issued[1].id]);
      expect(await listIds(plainA, `${query}expired`)).toEqual([issued[2].id]);
      expect(await listIds(plainA, `${query}valid`)).toEqual([issued[4].id, issued[3].id, issued[0].id]);
    });

    it('refuses bad query parameters with 400 and a missing token with 401', async () => {
      for (const query of ['?status=bogus', '?limit=0', '?limit=1001', '?skip=-1', '?ca_id=abc']) {
        await testApp
          .http()
          .get(`/api/v1/certificates/${query}`)
          .set(...bearer(plainA))
          .expect(400);
      }
      await testApp.http().get('/api/v1/certificates/').expect(401);
    });

    it('reports status expired for a certificate past its notAfter', async () => {
      const response = await testApp
        .http()
        .get(`/api/v1/certificates/${issued[2].id}`)
        .set(...bearer(plainA))
        .expect(200);
      expect(response.body.status).toBe('expired');
      const [row] = await testApp.dataSource.query('SELECT status FROM certificates WHERE id = $1', [
        issued[2].id,
      ]);
      expect(row.status).toBe('valid');
    });
  });

  describe('GET /certificates/{id} and /private-key', () => {
    let certificate: CertificateBody;

    beforeAll(async () => {
      certificate = await issueCertificate(testApp, issuerA, issuingA.id, {
        common_name: 'read.example.com',
        certificate_type: 'server',
        key_type: 'ec',
      });
    });

    it('returns the certificate without its private key to members of its organization', async () => {
      for (const user of [plainA, adminA, superuser]) {
        const response = await testApp
          .http()
          .get(`/api/v1/certificates/${certificate.id}`)
          .set(...bearer(user))
          .expect(200);
        const expected = asReadBack(certificate);
        expect(response.body).toEqual(expected);
        expect(response.text).not.toContain('PRIVATE KEY');
      }
    });

    it('refuses other organizations with 403 and answers 404 for an unknown certificate', async () => {
      await testApp
        .http()
        .get(`/api/v1/certificates/${certificate.id}`)
        .set(...bearer(everyFlagB))
        .expect(403);
      await testApp
        .http()
        .get('/api/v1/certificates/999999')
        .set(...bearer(superuser))
        .expect(404);
      await testApp
        .http()
        .get('/api/v1/certificates/0')
        .set(...bearer(superuser))
        .expect(400);
    });

    it('returns the private key to the export capability, an admin and a superuser, auditing cert_export_private_key', async () => {
      for (const user of [exporterA, adminA, superuser]) {
        const before = (await auditRows(testApp, 'cert_export_private_key', certificate.id)).length;
        const response = await testApp
          .http()
          .get(`/api/v1/certificates/${certificate.id}/private-key`)
          .set(...bearer(user))
          .expect(200);
        expect(response.body).toMatchObject({ id: certificate.id, private_key: certificate.private_key });
        const rows = await auditRows(testApp, 'cert_export_private_key', certificate.id);
        expect(rows).toHaveLength(before + 1);
        expect(rows[rows.length - 1]).toEqual({
          action: 'cert_export_private_key',
          user_id: user.id,
          organization_id: orgA,
          resource_type: 'certificate',
          resource_id: certificate.id,
          detail: { format: 'pem' },
        });
      }
    });

    it('refuses the private key to members without the capability and other organizations (403), unaudited', async () => {
      const before = (await auditRows(testApp, 'cert_export_private_key', certificate.id)).length;
      for (const user of [plainA, revokerA, everyFlagB]) {
        const response = await testApp
          .http()
          .get(`/api/v1/certificates/${certificate.id}/private-key`)
          .set(...bearer(user))
          .expect(403);
        expect(response.text).not.toContain('PRIVATE KEY');
      }
      await testApp
        .http()
        .get('/api/v1/certificates/999999/private-key')
        .set(...bearer(superuser))
        .expect(404);
      expect(await auditRows(testApp, 'cert_export_private_key', certificate.id)).toHaveLength(before);
    });
  });

  describe('POST /certificates/{id}/revoke', () => {
    it('revokes with 200, stores the reason text, audits cert_revoke, and a second revoke answers 409', async () => {
      const certificate = await issueCertificate(testApp, issuerA, issuingA.id, {
        common_name: 'revoke-me.example.com',
        certificate_type: 'server',
        key_type: 'ec',
      });
      const response = await testApp
        .http()
        .post(`/api/v1/certificates/${certificate.id}/revoke`)
        .set(...bearer(revokerA))
        .send({ reason: 'keyCompromise' })
        .expect(200);
      expect(response.body).toMatchObject({
        id: certificate.id,
        status: 'revoked',
        revoked_at: expect.any(String),
        revocation_reason: 'keyCompromise',
        revocation_reason_code: 1,
      });
      expect(response.body).not.toHaveProperty('private_key');
      const fetched = await testApp
        .http()
        .get(`/api/v1/certificates/${certificate.id}`)
        .set(...bearer(plainA))
        .expect(200);
      expect(fetched.body).toMatchObject({ status: 'revoked', revocation_reason: 'keyCompromise' });
      const [row] = await testApp.dataSource.query(
        'SELECT status, revocation_reason, revocation_reason_code FROM certificates WHERE id = $1',
        [certificate.id],
      );
      expect(row).toEqual({
        status: 'revoked',
        revocation_reason: 'keyCompromise',
        revocation_reason_code: 1,
      });
      expect(await auditRows(testApp, 'cert_revoke', certificate.id)).toEqual([
        {
          action: 'cert_revoke',
          user_id: revokerA.id,
          organization_id: orgA,
          resource_type: 'certificate',
          resource_id: certificate.id,
          detail: { serial_number: certificate.serial_number, reason: 'keyCompromise', reason_code: 1 },
        },
      ]);

      const again = await testApp
        .http()
        .post(`/api/v1/certificates/${certificate.id}/revoke`)
        .set(...bearer(revokerA))
        .send({ reason: 'superseded' })
        .expect(409);
      expect(again.body.detail).toContain('already revoked');
      expect(await auditRows(testApp, 'cert_revoke', certificate.id)).toHaveLength(1);

      const crl = crlText(ssl, await fetchCrl(testApp, plainA, issuingA.id));
      expect(crlReason(crl, certificate.serial_number)).toBe('Key Compromise');
    });

    it('lets exactly one of two concurrent revocations of a certificate succeed', async () => {
      const certificate = await issueCertificate(testApp, issuerA, issuingA.id, {
        common_name: 'raced.example.com',
        certificate_type: 'server',
        key_type: 'ec',
      });
      const attempts = await Promise.all(
        [revokerA, adminA].map((user) =>
          testApp
            .http()
            .post(`/api/v1/certificates/${certificate.id}/revoke`)
            .set(...bearer(user))
            .send({ reason: 'superseded' }),
        ),
      );
      expect(attempts.map((response) => response.status).sort()).toEqual([200, 409]);
      expect(await auditRows(testApp, 'cert_revoke', certificate.id)).toHaveLength(1);
    });

    it('refuses members without can_revoke_cert and other organizations with 403, and answers 404 for an unknown certificate', async () => {
      const certificate = await issueCertificate(testApp, adminA, issuingA.id, {
        common_name: 'keep-me.example.com',
        certificate_type: 'server',
        key_type: 'ec',
      });
      for (const user of [plainA, issuerA, exporterA, everyFlagB]) {
        const response = await testApp
          .http()
          .post(`/api/v1/certificates/${certificate.id}/revoke`)
          .set(...bearer(user))
          .send({ reason: 'keyCompromise' })
          .expect(403);
        expect(response.body.detail).toEqual(expect.any(String));
      }
      const fetched = await testApp
        .http()
        .get(`/api/v1/certificates/${certificate.id}`)
        .set(...bearer(plainA))
        .expect(200);
      expect(fetched.body.status).toBe('valid');
      expect(await auditRows(testApp, 'cert_revoke', certificate.id)).toEqual([]);
      await testApp
        .http()
        .post('/api/v1/certificates/999999/revoke')
        .set(...bearer(superuser))
        .send({})
        .expect(404);
      await testApp.http().post(`/api/v1/certificates/${certificate.id}/revoke`).send({}).expect(401);
    });

    it('puts the RFC 5280 reason named in the text, in any case, on the CRL entry', async () => {
      const cases: [Record<string, unknown>, number | null, string | null][] = [
        [{ reason: 'KEY_COMPROMISE' }, 1, 'Key Compromise'],
        [{ reason: 'ca_compromise' }, 2, 'CA Compromise'],
        [{ reason: 'affiliationChanged' }, 3, 'Affiliation Changed'],
        [{ reason: 'Superseded' }, 4, 'Superseded'],
        [{ reason: 'cessation_of_operation' }, 5, 'Cessation Of Operation'],
        [{ reason: 'CertificateHold' }, 6, 'Certificate Hold'],
        [{ reason: 'privilegewithdrawn' }, 9, 'Privilege Withdrawn'],
        [{ reason: 'laptop stolen from the car' }, null, null],
        [{}, null, null],
        [{ reason: 'keyCompromise', reason_code: 4 }, 4, 'Superseded'],
        [{ reason: 'no idea', reason_code: 10 }, 10, 'AA Compromise'],
        [{ reason_code: 0 }, 0, null],
      ];
      const revoked: { certificate: CertificateBody; code: number | null; name: string | null }[] = [];
      for (const [body, code, name] of cases) {
        const certificate = await issueCertificate(testApp, issuerA, issuingA.id, {
          common_name: `reason-${revoked.length}.example.com`,
          certificate_type: 'server',
          key_type: 'ec',
        });
        const result = await revokeCertificate(testApp, revokerA, certificate.id, body);
        expect({ body, reason: result.revocation_reason, code: result.revocation_reason_code }).toEqual({
          body,
          reason: body.reason ?? null,
          code,
        });
        revoked.push({ certificate, code, name });
      }
      const text = crlText(ssl, await fetchCrl(testApp, plainA, issuingA.id));
      expect(revoked.map(({ certificate }) => crlReason(text, certificate.serial_number))).toEqual(
        revoked.map(({ name }) => name),
      );
    });

    it.each([{ reason_code: 7 }, { reason_code: 11 }, { reason_code: -1 }, { reason_code: 'keyCompromise' }])(
      'refuses %j with 400 and leaves the certificate valid',
      async (body) => {
        const certificate = await issueCertificate(testApp, issuerA, issuingA.id, {
          common_name: 'bad-reason.example.com',
          certificate_type: 'server',
          key_type: 'ec',
        });
        const response = await testApp
          .http()
          .post(`/api/v1/certificates/${certificate.id}/revoke`)
          .set(...bearer(revokerA))
          .send(body)
          .expect(400);
        expect(response.body.detail).toContain('reason_code');
        const [row] = await testApp.dataSource.query('SELECT status FROM certificates WHERE id = $1', [
          certificate.id,
        ]);
        expect(row.status).toBe('valid');
        expect(await auditRows(testApp, 'cert_revoke', certificate.id)).toEqual([]);
      },
    );

    it('lets an admin of the organization and a superuser revoke without the flag', async () => {
      for (const user of [adminA, superuser]) {
        const certificate = await issueCertificate(testApp, issuerA, issuingA.id, {
          common_name: `revoked-by-${user.id}.example.com`,
          certificate_type: 'client',
          key_type: 'ec',
        });
        const result = await revokeCertificate(testApp, user, certificate.id);
        expect(result).toMatchObject({
          status: 'revoked',
          revocation_reason: null,
          revocation_reason_code: null,
        });
        expect(await auditRows(testApp, 'cert_revoke', certificate.id)).toEqual([
          expect.objectContaining({ user_id: user.id }),
        ]);
      }
    });
  });
});
