import { spawnSync } from 'node:child_process';
import { resolve } from 'node:path';
import { itWithTool, ZLINT } from './support/external-tools';
import {
  createAdmin,
  createIntermediate,
  createMember,
  createRootCa,
  createSuperuser,
} from './support/fixtures';
import {
  caExtensions,
  createPendingCa,
  getText,
  opensslVerify,
  outsideRoot,
  signOutsideBetween,
} from './support/notary';
import { OpensslWorkspace } from './support/openssl';
import { CaBody, CertificateBody, x509Field } from './support/pki';
import { bearer, createOrganization, startTestApp, TestApp, TestUser } from './support/test-app';

/**
 * The profile rules of issue 16 (PROFILE_RULES, and the lifetime rule's backdate and issuer_lifetime)
 * through the real API: each field's allowed and refused case, each refusal's exact message, on both
 * POST /certificates (server-generated key) and POST /certificates/sign-csr, and the same rules on
 * POST /certificate-requests/{id}/sign and POST /cas (a CA under a parent). Allowed certificates verify
 * with openssl and pass zlint's private-CA profile; a refusal writes no row.
 */
describe('profile rules: what a profile lets a request have', () => {
  let testApp: TestApp;
  const ssl = new OpensslWorkspace();
  let admin: TestUser;
  let issuer: TestUser;
  let root: CaBody;
  let issuing: CaBody;
  /** An intermediate that ends in 20 days, for the issuer_lifetime cases. */
  let shortLived: CaBody;

  beforeAll(async () => {
    testApp = await startTestApp();
    const superuser = await createSuperuser(testApp);
    const org = await createOrganization(testApp, superuser, 'Profile Rules Org');
    admin = await createAdmin(testApp, superuser, org);
    issuer = await createMember(testApp, superuser, org, { can_create_cert: true });
    root = await createRootCa(testApp, admin, { name: 'Profile Root', key_type: 'ec' });
    issuing = await createIntermediate(testApp, admin, root, { name: 'Profile Issuing', key_type: 'ec' });
    shortLived = await createIntermediate(testApp, admin, root, {
      name: 'Profile Short',
      key_type: 'ec',
      valid_days: 20,
    });
    ssl.write('root.pem', root.certificate);
    ssl.write('issuing.pem', issuing.certificate);

    await createProfile({
      name: 'web',
      certificate_types: ['server'],
      key_types: ['ec', 'rsa'],
      min_rsa_bits: 3072,
      allowed_dns: ['*.svc.internal', 'api.example'],
      allowed_ip_ranges: ['10.0.0.0/8', '2001:db8::/32'],
      allowed_uris: ['spiffe://corp/ns/*'],
      max_validity_days: 90,
      default_validity_days: 30,
      subject: { O: 'Acme Platform', C: 'US' },
    });
    await createProfile({
      name: 'wild',
      certificate_types: ['server'],
      allowed_dns: ['*.svc.internal'],
      allow_wildcard_certificates: true,
    });
    await createProfile({
      name: 'mail',
      certificate_types: ['client'],
      allowed_emails: ['*@corp.example', 'ops@partner.example'],
      allowed_subject_attributes: ['CN', 'emailAddress'],
    });
    await createProfile({ name: 'clamp', backdate_seconds: 0 });
    await createProfile({ name: 'refuse', issuer_lifetime: 'refuse' });
  });

  afterAll(async () => {
    await testApp.close();
    ssl.dispose();
  });

  async function createProfile(body: Record<string, unknown>): Promise<void> {
    const response = await testApp
      .http()
      .post('/api/v1/profiles')
      .set(...bearer(admin))
      .send(body);
    if (response.status !== 201)
      throw new Error(`POST /profiles answered ${response.status}: ${response.text}`);
  }

  async function certificateCount(): Promise<number> {
    const [row]: { count: number }[] = await testApp.dataSource.query(
      'SELECT count(*)::integer AS count FROM certificates',
    );
    return row.count;
  }

  function issue(ca: CaBody, body: Record<string, unknown>) {
    return testApp
      .http()
      .post(`/api/v1/certificates/?ca_id=${ca.id}`)
      .set(...bearer(issuer))
      .send({
        certificate_type: 'server',
        key_type: 'ec',
        key_size: 256,
        subject_dn: 'CN=set-by-common-name',
        ...body,
      });
  }

  function signCsr(ca: CaBody, csr: string, body: Record<string, unknown>) {
    return testApp
      .http()
      .post('/api/v1/certificates/sign-csr')
      .set(...bearer(issuer))
      .send({ ca_id: ca.id, certificate_type: 'server', csr, ...body });
  }

  const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
  let csrCount = 0;
  function csr(subject: string, extensions: string[] = [], keyArgs = EC): string {
    csrCount += 1;
    return ssl.csr(`request-${csrCount}`, keyArgs, subject, extensions).csr;
  }

  async function expectRefused(send: () => PromiseLike<{ status: number; body: unknown }>, detail: string) {
    const before = await certificateCount();
    const response = await send();
    expect({ status: response.status, body: response.body }).toEqual({ status: 400, body: { detail } });
    expect(await certificateCount()).toBe(before);
  }

  /** The subjectAltName extension as openssl prints it (`-ext`; OpenSSL 3.0 has no `-subjectAltName`). */
  function subjectAltNames(pem: string): string {
    return x509Field(ssl, pem, 'ext', ['subjectAltName']);
  }

  function verifies(pem: string, ca: 'issuing' | 'short' = 'issuing'): boolean {
    const file = ssl.write(`leaf-${Math.random().toString(36).slice(2)}.pem`, pem);
    const untrusted = ca === 'issuing' ? 'issuing.pem' : ssl.write('short.pem', shortLived.certificate);
    return ssl.run(['verify', '-CAfile', 'root.pem', '-untrusted', untrusted, file]).ok;
  }

  describe('certificate_type', () => {
    it('issues a listed type and refuses another, naming both', async () => {
      const allowed = await issue(issuing, { profile: 'web', common_name: 'a.svc.internal' });
      expect(allowed.status).toBe(201);
      await expectRefused(
        () =>
          issue(issuing, { profile: 'web', certificate_type: 'dual_purpose', common_name: 'a.svc.internal' }),
        'certificate_type "dual_purpose" is not allowed by profile "web" (allowed: server)',
      );
      await expectRefused(
        () =>
          signCsr(issuing, csr('/CN=b.svc.internal'), { profile: 'web', certificate_type: 'dual_purpose' }),
        'certificate_type "dual_purpose" is not allowed by profile "web" (allowed: server)',
      );
    });
  });

  describe('key_types and min_rsa_bits', () => {
    it('issues an RSA key of min_rsa_bits, refuses a smaller one and an unlisted type', async () => {
      const rsa = await issue(issuing, {
        profile: 'web',
        common_name: 'rsa.svc.internal',
        key_type: 'rsa',
        key_size: 3072,
      });
      expect(rsa.status).toBe(201);
      expect((rsa.body as CertificateBody).key_size).toBe(3072);
      await expectRefused(
        () =>
          issue(issuing, {
            profile: 'web',
            common_name: 'rsa.svc.internal',
            key_type: 'rsa',
            key_size: 2048,
          }),
        'key_size "2048" is not allowed by profile "web" (allowed: at least 3072 bits for RSA)',
      );
      await expectRefused(
        () => signCsr(issuing, csr('/CN=rsa.svc.internal', [], ['-newkey', 'rsa:2048']), { profile: 'web' }),
        'key_size "2048" is not allowed by profile "web" (allowed: at least 3072 bits for RSA)',
      );
      await expectRefused(
        () => issue(issuing, { profile: 'web', common_name: 'ed.svc.internal', key_type: 'ed25519' }),
        'key_type "ed25519" is not allowed by profile "web" (allowed: ec, rsa)',
      );
      await expectRefused(
        () => signCsr(issuing, csr('/CN=ed.svc.internal', [], ['-newkey', 'ed25519']), { profile: 'web' }),
        'key_type "ed25519" is not allowed by profile "web" (allowed: ec, rsa)',
      );
    });

    it('refuses an RSA public exponent other than 65537, with a profile and without', async () => {
      const e3 = csr('/CN=e3.svc.internal', [], ['-newkey', 'rsa:3072', '-pkeyopt', 'rsa_keygen_pubexp:3']);
      const message = 'The RSA public exponent 3 is not allowed: RSA keys must use 65537';
      await expectRefused(() => signCsr(issuing, e3, {}), message);
      await expectRefused(() => signCsr(issuing, e3, { profile: 'web' }), message);
    });
  });

  describe('allowed_dns and allow_wildcard_certificates', () => {
    it('issues exact names and any depth below *.x, and the certificate verifies', async () => {
      const response = await issue(issuing, {
        profile: 'web',
        common_name: 'api.example',
        san_dns_names: ['api.example', 'a.b.svc.internal'],
      });
      expect(response.status).toBe(201);
      const certificate = response.body as CertificateBody;
      expect(certificate.san_dns_names).toEqual(['api.example', 'a.b.svc.internal']);
      expect(verifies(certificate.certificate)).toBe(true);
    });

    it('refuses a name outside the patterns by its index, the apex of *.x, and a Common Name outside', async () => {
      await expectRefused(
        () =>
          issue(issuing, {
            profile: 'web',
            common_name: 'a.svc.internal',
            san_dns_names: ['a.svc.internal', 'evil.example'],
          }),
        'san_dns_names[1] "evil.example" is not allowed by profile "web" (allowed: *.svc.internal, api.example)',
      );
      await expectRefused(
        () => signCsr(issuing, csr('/CN=svc.internal'), { profile: 'web' }),
        'san_dns_names[0] "svc.internal" is not allowed by profile "web" (allowed: *.svc.internal, api.example)',
      );
      await expectRefused(
        () =>
          signCsr(
            issuing,
            csr('/CN=x.svc.internal', ['subjectAltName=DNS:x.svc.internal,DNS:login.microsoftonline.com']),
            {
              profile: 'web',
            },
          ),
        'san_dns_names[1] "login.microsoftonline.com" is not allowed by profile "web" (allowed: *.svc.internal, api.example)',
      );
    });

    it('refuses a wildcard unless allowed, and then it must lie within a pattern', async () => {
      await expectRefused(
        () => issue(issuing, { profile: 'web', common_name: '*.svc.internal' }),
        'san_dns_names[0] "*.svc.internal" is not allowed by profile "web" (allowed: no wildcard certificates (allow_wildcard_certificates is false))',
      );
      const wildcard = await issue(issuing, { profile: 'wild', common_name: '*.a.svc.internal' });
      expect(wildcard.status).toBe(201);
      expect(verifies((wildcard.body as CertificateBody).certificate)).toBe(true);
      await expectRefused(
        () => signCsr(issuing, csr('/CN=*.internal'), { profile: 'wild' }),
        'san_dns_names[0] "*.internal" is not allowed by profile "wild" (allowed: *.svc.internal)',
      );
    });
  });

  describe('allowed_ip_ranges', () => {
    it('issues addresses inside the v4 and v6 ranges and refuses one outside by its index', async () => {
      const response = await issue(issuing, {
        profile: 'web',
        common_name: 'ip.svc.internal',
        san_ip_addresses: ['10.1.2.3', '2001:db8::7'],
      });
      expect(response.status).toBe(201);
      expect(subjectAltNames((response.body as CertificateBody).certificate)).toContain(
        'IP Address:10.1.2.3',
      );
      await expectRefused(
        () =>
          issue(issuing, {
            profile: 'web',
            common_name: 'ip.svc.internal',
            san_ip_addresses: ['10.1.2.3', '192.168.0.1'],
          }),
        'san_ip_addresses[1] "192.168.0.1" is not allowed by profile "web" (allowed: 10.0.0.0/8, 2001:db8::/32)',
      );
      await expectRefused(
        () =>
          signCsr(
            issuing,
            csr('/CN=ip.svc.internal', ['subjectAltName=DNS:ip.svc.internal,IP:2001:db9::1']),
            {
              profile: 'web',
            },
          ),
        'san_ip_addresses[0] "2001:db9::1" is not allowed by profile "web" (allowed: 10.0.0.0/8, 2001:db8::/32)',
      );
    });
  });

  describe('allowed_emails', () => {
    it('issues *@domain and exact mailboxes, the domain case-insensitively, and refuses another', async () => {
      const response = await issue(issuing, {
        profile: 'mail',
        certificate_type: 'client',
        // Under a profile the Common Name is one of the SANs: a client's is a mailbox.
        common_name: 'alice@CORP.example',
        san_email_addresses: ['alice@CORP.example', 'ops@partner.example'],
      });
      expect(response.status).toBe(201);
      // The CN and the SAN are one mailbox: its domain is compared case-insensitively and written in lower case.
      expect((response.body as CertificateBody).san_email_addresses).toEqual([
        'alice@corp.example',
        'ops@partner.example',
      ]);
      expect(verifies((response.body as CertificateBody).certificate)).toBe(true);
      await expectRefused(
        () =>
          issue(issuing, {
            profile: 'mail',
            certificate_type: 'client',
            common_name: 'bob@corp.example',
            san_email_addresses: ['bob@corp.example', 'bob@partner.example'],
          }),
        'san_email_addresses[1] "bob@partner.example" is not allowed by profile "mail" (allowed: *@corp.example, ops@partner.example)',
      );
      await expectRefused(
        () =>
          issue(issuing, {
            profile: 'mail',
            certificate_type: 'client',
            common_name: 'alice',
            san_email_addresses: ['alice@corp.example'],
          }),
        'The Common Name "alice" must be one of the certificate\'s SANs, so it must be an email address for a client certificate',
      );
      await expectRefused(
        () => signCsr(issuing, csr('/CN=eve@evil.example'), { profile: 'mail', certificate_type: 'client' }),
        'san_email_addresses[0] "eve@evil.example" is not allowed by profile "mail" (allowed: *@corp.example, ops@partner.example)',
      );
    });
  });

  describe('allowed_uris', () => {
    it('issues a URI matching the glob, from the request and from a CSR, and refuses another', async () => {
      const response = await issue(issuing, {
        profile: 'web',
        common_name: 'spiffe.svc.internal',
        san_uris: ['spiffe://corp/ns/prod/sa/api'],
      });
      expect(response.status).toBe(201);
      expect(subjectAltNames((response.body as CertificateBody).certificate)).toContain(
        'URI:spiffe://corp/ns/prod/sa/api',
      );
      await expectRefused(
        () =>
          issue(issuing, {
            profile: 'web',
            common_name: 'spiffe.svc.internal',
            san_uris: ['spiffe://corp/ns/a', 'spiffe://other/ns/a'],
          }),
        'san_uris[1] "spiffe://other/ns/a" is not allowed by profile "web" (allowed: spiffe://corp/ns/*)',
      );
      await expectRefused(
        () =>
          signCsr(
            issuing,
            csr('/CN=u.svc.internal', ['subjectAltName=DNS:u.svc.internal,URI:spiffe://evil/ns/x']),
            { profile: 'web' },
          ),
        'san_uris[0] "spiffe://evil/ns/x" is not allowed by profile "web" (allowed: spiffe://corp/ns/*)',
      );
    });
  });

  describe('subject', () => {
    it('refuses attributes outside allowed_subject_attributes, naming them', async () => {
      await expectRefused(
        () => signCsr(issuing, csr('/DC=corp/UID=u1/CN=s.svc.internal'), { profile: 'web' }),
        'subject "DC, UID" is not allowed by profile "web" (allowed: CN, C, O)',
      );
      await expectRefused(
        () =>
          issue(issuing, {
            profile: 'mail',
            certificate_type: 'client',
            common_name: 'alice@corp.example',
            subject_dn: 'CN=alice@corp.example,OU=Sales',
            san_email_addresses: ['alice@corp.example'],
          }),
        'subject "OU" is not allowed by profile "mail" (allowed: CN, emailAddress)',
      );
    });

    it("writes the profile's fixed values over the request's", async () => {
      const response = await signCsr(issuing, csr('/C=DE/O=Some Other Company Inc/CN=s.svc.internal'), {
        profile: 'web',
      });
      expect(response.status).toBe(201);
      const certificate = response.body as CertificateBody;
      expect(x509Field(ssl, certificate.certificate, 'subject')).toContain(
        'C = US, O = Acme Platform, CN = s.svc.internal',
      );
      expect(verifies(certificate.certificate)).toBe(true);
    });
  });

  describe('validity', () => {
    it('takes the profile default, allows up to max_validity_days and refuses more, naming both', async () => {
      const defaulted = await issue(issuing, { profile: 'web', common_name: 'v.svc.internal' });
      expect(defaulted.status).toBe(201);
      expect((defaulted.body as CertificateBody).valid_days).toBe(30);
      const longest = await issue(issuing, { profile: 'web', common_name: 'v.svc.internal', valid_days: 90 });
      expect(longest.status).toBe(201);
      await expectRefused(
        () => issue(issuing, { profile: 'web', common_name: 'v.svc.internal', valid_days: 91 }),
        'valid_days "91" is not allowed by profile "web" (allowed: at most 90 days)',
      );
      await expectRefused(
        () => signCsr(issuing, csr('/CN=v.svc.internal'), { profile: 'web', valid_days: 3650 }),
        'valid_days "3650" is not allowed by profile "web" (allowed: at most 90 days)',
      );
    });

    it('backdates notBefore by backdate_seconds (default 60) with a profile, not without', async () => {
      // The backdate never reaches before the issuer's notBefore, and `issuing` began seconds ago: the
      // issuer here is an intermediate of ours signed outside (openssl ca -startdate) an hour back.
      const outside = outsideRoot(ssl, '/O=Elsewhere/CN=Backdate Outside Root');
      const pending = await createPendingCa(testApp, admin, { name: 'Backdate Issuing' });
      const pendingCsr = (await getText(testApp, `/api/v1/cas/${pending.id}/csr`, admin)).text;
      const asn1 = (ms: number) => `${new Date(ms).toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;
      const { certificate: started } = signOutsideBetween(
        ssl,
        outside,
        pendingCsr,
        caExtensions(0),
        asn1(Date.now() - 3_600_000),
        asn1(Date.now() + 365 * 86_400_000),
      );
      const upload = await testApp
        .http()
        .post(`/api/v1/cas/${pending.id}/certificate`)
        .set(...bearer(admin))
        .send({ certificate_chain: started + outside.certificate });
      expect(upload.status).toBe(200);
      const hourOld = upload.body as CaBody;

      const asked = Math.floor(Date.now() / 1000) * 1000;
      const backdated = await issue(hourOld, { profile: 'web', common_name: 'b.svc.internal' });
      const plain = await issue(hourOld, { common_name: 'b.svc.internal' });
      const none = await issue(hourOld, { profile: 'clamp', common_name: 'b.svc.internal' });
      const backdatedNotBefore = Date.parse((backdated.body as CertificateBody).not_before);
      expect(backdatedNotBefore).toBeLessThanOrEqual(asked - 59_000);
      expect(backdatedNotBefore).toBeGreaterThanOrEqual(asked - 60_000);
      expect(Date.parse((plain.body as CertificateBody).not_before)).toBeGreaterThanOrEqual(asked);
      expect(Date.parse((none.body as CertificateBody).not_before)).toBeGreaterThanOrEqual(asked);
      expect(
        opensslVerify(ssl, outside.certificate, (backdated.body as CertificateBody).certificate, started).ok,
      ).toBe(true);

      // Under an issuer that began less than backdate_seconds ago, notBefore stops at the issuer's.
      const young = await issue(issuing, { profile: 'web', common_name: 'b.svc.internal' });
      expect(Date.parse((young.body as CertificateBody).not_before)).toBeGreaterThanOrEqual(
        Date.parse(issuing.not_before),
      );
      expect(verifies((young.body as CertificateBody).certificate)).toBe(true);
    });

    it("clamps to the issuer's notAfter by default, refuses with issuer_lifetime 'refuse'", async () => {
      const clamped = await issue(shortLived, { profile: 'clamp', common_name: 'l.example', valid_days: 30 });
      expect(clamped.status).toBe(201);
      expect((clamped.body as CertificateBody).not_after).toBe(shortLived.not_after);
      expect(verifies((clamped.body as CertificateBody).certificate, 'short')).toBe(true);
      const refusal = `valid_days "30" is not allowed by profile "refuse" (allowed: until the issuer's notAfter ${new Date(shortLived.not_after).toISOString()}; issuer_lifetime is refuse)`;
      await expectRefused(
        () => issue(shortLived, { profile: 'refuse', common_name: 'l.example', valid_days: 30 }),
        refusal,
      );
      await expectRefused(
        () => signCsr(shortLived, csr('/CN=l.example'), { profile: 'refuse', valid_days: 30 }),
        refusal,
      );
      const inside = await issue(shortLived, { profile: 'refuse', common_name: 'l.example', valid_days: 5 });
      expect(inside.status).toBe(201);
    });
  });

  describe('POST /certificate-requests/{id}/sign under a profile', () => {
    async function submit(csrPem: string): Promise<number> {
      const response = await testApp
        .http()
        .post('/api/v1/certificate-requests/')
        .set(...bearer(issuer))
        .send({ csr: csrPem });
      if (response.status !== 201)
        throw new Error(`POST /certificate-requests answered ${response.status}: ${response.text}`);
      return (response.body as { id: number }).id;
    }

    function signRequest(id: number, body: Record<string, unknown>) {
      return testApp
        .http()
        .post(`/api/v1/certificate-requests/${id}/sign`)
        .set(...bearer(issuer))
        .send({ ca_id: issuing.id, ...body });
    }

    async function requestStatus(id: number): Promise<string> {
      const response = await testApp
        .http()
        .get(`/api/v1/certificate-requests/${id}`)
        .set(...bearer(issuer));
      return (response.body as { status: string }).status;
    }

    /** Refused with `detail`, no certificate written, and the request still waits for a decision. */
    async function expectRequestRefused(id: number, body: Record<string, unknown>, detail: string) {
      await expectRefused(() => signRequest(id, body), detail);
      expect(await requestStatus(id)).toBe('outstanding');
    }

    it('refuses a DNS name, a subject attribute and a lifetime the profile does not allow', async () => {
      const outsideName = await submit(
        csr('/CN=x.svc.internal', ['subjectAltName=DNS:x.svc.internal,DNS:login.microsoftonline.com']),
      );
      await expectRequestRefused(
        outsideName,
        { profile: 'web' },
        'san_dns_names[1] "login.microsoftonline.com" is not allowed by profile "web" (allowed: *.svc.internal, api.example)',
      );
      const extraAttributes = await submit(csr('/DC=corp/UID=u1/CN=s.svc.internal'));
      await expectRequestRefused(
        extraAttributes,
        { profile: 'web' },
        'subject "DC, UID" is not allowed by profile "web" (allowed: CN, C, O)',
      );
      const tooLong = await submit(csr('/CN=v.svc.internal'));
      await expectRequestRefused(
        tooLong,
        { profile: 'web', valid_days: 91 },
        'valid_days "91" is not allowed by profile "web" (allowed: at most 90 days)',
      );
      // The approver's overrides are held to the profile too.
      await expectRequestRefused(
        tooLong,
        { profile: 'web', san_dns_names: ['v.svc.internal', 'evil.example'] },
        'san_dns_names[1] "evil.example" is not allowed by profile "web" (allowed: *.svc.internal, api.example)',
      );
    });

    it('signs a request the profile allows, with its fixed subject and default lifetime', async () => {
      const id = await submit(csr('/C=DE/O=Some Other Company Inc/CN=r.svc.internal'));
      const response = await signRequest(id, { profile: 'web' });
      expect(response.status).toBe(200);
      const certificateId = (response.body as { certificate_id: number }).certificate_id;
      expect(await requestStatus(id)).toBe('active');
      const fetched = await testApp
        .http()
        .get(`/api/v1/certificates/${certificateId}`)
        .set(...bearer(issuer));
      const certificate = fetched.body as CertificateBody & { profile_name: string | null };
      expect(certificate).toMatchObject({
        profile_name: 'web',
        valid_days: 30,
        san_dns_names: ['r.svc.internal'],
      });
      expect(x509Field(ssl, certificate.certificate, 'subject')).toContain(
        'C = US, O = Acme Platform, CN = r.svc.internal',
      );
      expect(verifies(certificate.certificate)).toBe(true);
    });
  });

  describe('POST /cas with parent_ca_id under a profile', () => {
    beforeAll(async () => {
      await createProfile({
        name: 'sub-ca',
        certificate_types: ['ca'],
        key_types: ['ec'],
        max_validity_days: 365,
        subject: { O: 'Acme Platform' },
      });
    });

    async function rowCounts(): Promise<{ cas: number; certificates: number }> {
      const [row]: { cas: number }[] = await testApp.dataSource.query(
        'SELECT count(*)::integer AS cas FROM certificate_authorities',
      );
      return { cas: row.cas, certificates: await certificateCount() };
    }

    function createChild(body: Record<string, unknown>) {
      return testApp
        .http()
        .post('/api/v1/cas/')
        .set(...bearer(admin))
        .send({ key_type: 'ec', parent_ca_id: root.id, ...body });
    }

    async function expectCaRefused(body: Record<string, unknown>, detail: string) {
      const before = await rowCounts();
      const response = await createChild(body);
      expect({ status: response.status, body: response.body }).toEqual({ status: 400, body: { detail } });
      expect(await rowCounts()).toEqual(before);
    }

    it('creates an intermediate the profile allows, with its fixed subject, and records the profile', async () => {
      const response = await createChild({
        name: 'Profiled Sub CA',
        subject_dn: 'CN=Profiled Sub CA',
        profile: 'sub-ca',
        valid_days: 365,
      });
      expect(response.status).toBe(201);
      const ca = response.body as CaBody;
      expect(x509Field(ssl, ca.certificate, 'subject')).toContain('O = Acme Platform, CN = Profiled Sub CA');
      const file = ssl.write('profiled-sub-ca.pem', ca.certificate);
      expect(ssl.run(['verify', '-CAfile', 'root.pem', file]).ok).toBe(true);
      const audit: { detail: Record<string, unknown> }[] = await testApp.dataSource.query(
        "SELECT detail FROM audit_logs WHERE action = 'ca_create' AND resource_id = $1",
        [ca.id],
      );
      expect(audit.map((row) => row.detail)).toEqual([expect.objectContaining({ profile_name: 'sub-ca' })]);
    });

    it("refuses a profile whose certificate_types exclude 'ca', and what the profile does not allow", async () => {
      await expectCaRefused(
        { name: 'Web Sub CA', subject_dn: 'CN=Web Sub CA', profile: 'web' },
        'certificate_type "ca" is not allowed by profile "web" (allowed: server)',
      );
      await expectCaRefused(
        { name: 'OU Sub CA', subject_dn: 'CN=OU Sub CA,OU=Ops', profile: 'sub-ca' },
        'subject "OU" is not allowed by profile "sub-ca" (allowed: CN, O)',
      );
      await expectCaRefused(
        { name: 'Long Sub CA', subject_dn: 'CN=Long Sub CA', profile: 'sub-ca', valid_days: 3650 },
        'valid_days "3650" is not allowed by profile "sub-ca" (allowed: at most 365 days)',
      );
      await expectCaRefused(
        {
          name: 'RSA Sub CA',
          subject_dn: 'CN=RSA Sub CA',
          profile: 'sub-ca',
          key_type: 'rsa',
          key_size: 2048,
        },
        'key_type "rsa" is not allowed by profile "sub-ca" (allowed: ec)',
      );
    });
  });

  describe('zlint with the private-CA profile', () => {
    /** The certificates made through the `lint` profiles, by what each shows, for zlint. */
    const linted = new Map<string, CertificateBody>();

    beforeAll(async () => {
      await createProfile({
        name: 'lint-server',
        certificate_types: ['server'],
        allowed_dns: ['*.lint.example'],
        allowed_ip_ranges: ['10.20.0.0/16', '2001:db8::/32'],
        allowed_uris: ['spiffe://corp.example/ns/*'],
      });
      await createProfile({
        name: 'lint-client',
        certificate_types: ['client'],
        allowed_emails: ['*@corp.example'],
        allowed_uris: ['spiffe://corp.example/ns/*'],
      });
    });

    function kept(label: string, response: { status: number; body: unknown; text: string }): CertificateBody {
      expect({ label, status: response.status }).toEqual({ label, status: 201 });
      const certificate = response.body as CertificateBody & { san_uris: string[]; profile_name: string };
      expect(certificate.profile_name).toMatch(/^lint-/);
      expect(verifies(certificate.certificate)).toBe(true);
      linted.set(label, certificate);
      return certificate;
    }

    it('issues a server certificate whose CN is added to its SANs, with URI, IPv4 and IPv6 SANs', async () => {
      const certificate = kept(
        'server: CN added, URI, IPv4, IPv6',
        await issue(issuing, {
          profile: 'lint-server',
          common_name: 'web.lint.example',
          san_dns_names: ['api.lint.example'],
          san_uris: ['spiffe://corp.example/ns/web'],
          san_ip_addresses: ['10.20.30.40', '2001:0db8:0:0::40'],
        }),
      );
      expect(certificate.san_dns_names).toEqual(['api.lint.example', 'web.lint.example']);
      expect(subjectAltNames(certificate.certificate)).toContain('URI:spiffe://corp.example/ns/web');
      expect(subjectAltNames(certificate.certificate)).toContain('IP Address:2001:DB8:0:0:0:0:0:40');
    });

    it('issues a Unicode DNS name (CN and SAN) as its A-labels', async () => {
      const certificate = kept(
        'server: IDNA',
        await issue(issuing, {
          profile: 'lint-server',
          common_name: 'bücher.lint.example',
          san_dns_names: ['münchen.lint.example'],
        }),
      );
      expect(certificate.san_dns_names).toEqual([
        'xn--mnchen-3ya.lint.example',
        'xn--bcher-kva.lint.example',
      ]);
      expect(x509Field(ssl, certificate.certificate, 'subject')).toContain('CN = xn--bcher-kva.lint.example');
    });

    it('issues server certificates whose CN is an IPv4 and an IPv6 address', async () => {
      const v4 = kept(
        'server: IPv4 CN',
        await issue(issuing, { profile: 'lint-server', common_name: '10.20.30.41' }),
      );
      expect(subjectAltNames(v4.certificate)).toContain('IP Address:10.20.30.41');
      const v6 = kept(
        'server: IPv6 CN',
        await issue(issuing, { profile: 'lint-server', common_name: '2001:0DB8::41' }),
      );
      expect(x509Field(ssl, v6.certificate, 'subject')).toContain('CN = 2001:db8::41');
    });

    it('signs a CSR whose CN is added beside its URI and IP SANs', async () => {
      kept(
        'server: CSR with URI and IPs',
        await signCsr(
          issuing,
          csr('/CN=csr.lint.example', [
            'subjectAltName=URI:spiffe://corp.example/ns/web/sa/csr,IP:10.20.30.42,IP:2001:db8::42',
          ]),
          { profile: 'lint-server' },
        ),
      );
    });

    it('issues a client certificate whose mailbox CN is its email SAN', async () => {
      const certificate = kept(
        'client: mailbox CN',
        await issue(issuing, {
          profile: 'lint-client',
          certificate_type: 'client',
          common_name: 'alice@corp.example',
          san_uris: ['spiffe://corp.example/ns/batch/sa/alice'],
        }),
      );
      expect(certificate.san_email_addresses).toEqual(['alice@corp.example']);
    });

    itWithTool(ZLINT)('finds no error or fatal result on any of them', () => {
      expect([...linted.keys()]).toHaveLength(6);
      const script = resolve(__dirname, '..', 'scripts', 'zlint-private-ca.sh');
      const findings: Record<string, string> = {};
      for (const [label, certificate] of linted) {
        const file = ssl.write(
          `zlint-${linted.size}-${label.replace(/\W+/g, '-')}.pem`,
          certificate.certificate,
        );
        const result = spawnSync('bash', [script, file]);
        const output = `${result.stdout.toString()}${result.stderr.toString()}`;
        findings[label] =
          result.status === 0 && output === '' ? 'no error' : `exit ${result.status}: ${output}`;
      }
      expect(findings).toEqual(Object.fromEntries([...linted.keys()].map((label) => [label, 'no error'])));
    });
  });
});
