import {
  createAdmin,
  createMember,
  createOrganization,
  createRootCa,
  createSuperuser,
} from './support/fixtures';
import { EC_P256 } from './support/notary';
import { OpensslWorkspace } from './support/openssl';
import { auditRows, CaBody, createCa, issueCertificate } from './support/pki';
import { bearer, startTestApp, TestApp, TestUser } from './support/test-app';

const DAY_MS = 86_400_000;

/**
 * Certificate profiles (issue 16, items 1, 2, 6 and 7's API side): the /profiles resource, its
 * validation and permissions, the binding of every issuing route to a profile, the certificate's
 * profile fields and list filter, the profile's default lifetime, the clamp report, and request
 * signing with the approver's overrides. The profile's own rules (names, key types…) are the
 * pipeline's PROFILE_RULES and have their own specs.
 */
describe('certificate profiles', () => {
  let testApp: TestApp;
  let ssl: OpensslWorkspace;
  let superuser: TestUser;
  let orgA: number;
  let orgB: number;
  let adminA: TestUser;
  let managerA: TestUser;
  let issuerA: TestUser;
  let plainA: TestUser;
  let adminB: TestUser;
  let rootA: CaBody;
  let issuingA: CaBody;
  let otherRootA: CaBody;
  let shortRootA: CaBody;
  let rootB: CaBody;
  let csrCounter = 0;

  beforeAll(async () => {
    testApp = await startTestApp();
    ssl = new OpensslWorkspace();
    superuser = await createSuperuser(testApp);
    orgA = await createOrganization(testApp, superuser);
    orgB = await createOrganization(testApp, superuser);
    adminA = await createAdmin(testApp, superuser, orgA);
    managerA = await createMember(testApp, superuser, orgA, { can_create_ca: true, can_create_cert: true });
    issuerA = await createMember(testApp, superuser, orgA, { can_create_cert: true });
    plainA = await createMember(testApp, superuser, orgA);
    adminB = await createAdmin(testApp, superuser, orgB);
    rootA = await createRootCa(testApp, adminA, { name: 'Root A', key_type: 'ec', valid_days: 3650 });
    issuingA = await createCa(testApp, adminA, {
      name: 'Issuing A',
      key_type: 'ec',
      valid_days: 1825,
      parent_ca_id: rootA.id,
    });
    otherRootA = await createRootCa(testApp, adminA, { name: 'Other Root A', key_type: 'ec' });
    shortRootA = await createRootCa(testApp, adminA, {
      name: 'Short Root A',
      key_type: 'ec',
      valid_days: 30,
    });
    rootB = await createRootCa(testApp, adminB, { name: 'Root B', key_type: 'ec' });
  });

  afterAll(async () => {
    await testApp.close();
    ssl.dispose();
  });

  function post(user: TestUser, path: string, body: object) {
    return testApp
      .http()
      .post(`/api/v1${path}`)
      .set(...bearer(user))
      .send(body);
  }

  function patch(user: TestUser, path: string, body: object) {
    return testApp
      .http()
      .patch(`/api/v1${path}`)
      .set(...bearer(user))
      .send(body);
  }

  function get(user: TestUser, path: string) {
    return testApp
      .http()
      .get(`/api/v1${path}`)
      .set(...bearer(user));
  }

  async function createProfile(user: TestUser, body: Record<string, unknown>) {
    const response = await post(user, '/profiles', body);
    if (response.status !== 201)
      throw new Error(`POST /profiles answered ${response.status}: ${response.text}`);
    return response.body as { id: number; name: string } & Record<string, unknown>;
  }

  function newCsr(host: string): string {
    csrCounter += 1;
    return ssl.csr(`profiles-${csrCounter}`, EC_P256, `/O=Acme/CN=${host}`, [`subjectAltName=DNS:${host}`])
      .csr;
  }

  function leaf(host: string, extra: Record<string, unknown> = {}) {
    return { common_name: host, subject_dn: 'O=Acme', certificate_type: 'server', key_type: 'ec', ...extra };
  }

  describe('the resource', () => {
    it('creates a profile with every field, in canonical form, audited', async () => {
      const response = await post(adminA, '/profiles', {
        name: 'web',
        description: 'web servers',
        ca_ids: [issuingA.id, issuingA.id],
        certificate_types: ['server', 'dual_purpose'],
        key_types: ['ec', 'rsa'],
        min_rsa_bits: 3072,
        allowed_dns: ['*.SVC.internal', 'api.svc.internal', 'bücher.example'],
        allow_wildcard_certificates: true,
        allowed_ip_ranges: ['10.0.0.1', '10.1.0.0/16', '2001:0db8::/32'],
        allowed_emails: ['*@Corp.Example', 'alice@corp.example'],
        allowed_uris: ['SPIFFE://corp/ns/*'],
        allowed_subject_attributes: ['cn', 'organizationName', 'OU'],
        subject: { O: 'Example Org', C: 'us' },
        default_validity_days: 30,
        max_validity_days: 90,
        backdate_seconds: 120,
        issuer_lifetime: 'refuse',
      });
      expect(response.status).toBe(201);
      expect(response.body).toEqual({
        id: expect.any(Number),
        name: 'web',
        description: 'web servers',
        enabled: true,
        organization_id: orgA,
        ca_ids: [issuingA.id],
        certificate_types: ['server', 'dual_purpose'],
        key_types: ['ec', 'rsa'],
        min_rsa_bits: 3072,
        allowed_dns: ['*.svc.internal', 'api.svc.internal', 'xn--bcher-kva.example'],
        allow_wildcard_certificates: true,
        allowed_ip_ranges: ['10.0.0.1/32', '10.1.0.0/16', '2001:db8::/32'],
        allowed_emails: ['*@corp.example', 'alice@corp.example'],
        allowed_uris: ['spiffe://corp/ns/*'],
        allowed_subject_attributes: ['CN', 'O', 'OU'],
        subject: { O: 'Example Org', C: 'US' },
        default_validity_days: 30,
        max_validity_days: 90,
        backdate_seconds: 120,
        issuer_lifetime: 'refuse',
        san_templates: null,
        renewal_reuses_key: false,
        acme_enabled: false,
        acme_eab_required: true,
        acme_ca_id: null,
        acme_directory_url: null,
        created_by_user_id: adminA.id,
        created_at: expect.any(String),
        updated_at: expect.any(String),
      });
      const [row] = await auditRows(testApp, 'profile_create', response.body.id);
      expect(row).toMatchObject({
        user_id: adminA.id,
        organization_id: orgA,
        resource_type: 'certificate_profile',
      });
      expect(row.detail).toMatchObject({
        name: 'web',
        fields: expect.arrayContaining(['name', 'allowed_dns']),
      });
    });

    it('fills in the defaults of a profile given only a name', async () => {
      const body = await createProfile(managerA, { name: 'defaults' });
      expect(body).toMatchObject({
        enabled: true,
        ca_ids: [],
        certificate_types: [],
        key_types: [],
        min_rsa_bits: null,
        allowed_dns: null,
        allow_wildcard_certificates: false,
        allowed_ip_ranges: null,
        allowed_emails: null,
        allowed_uris: null,
        allowed_subject_attributes: ['CN'],
        subject: {},
        default_validity_days: null,
        max_validity_days: null,
        backdate_seconds: 60,
        issuer_lifetime: 'clamp',
        organization_id: orgA,
        created_by_user_id: managerA.id,
      });
    });

    it.each<[string, Record<string, unknown>, string]>([
      [
        'a CIDR with host bits',
        { allowed_ip_ranges: ['10.0.0.1/8'] },
        'allowed_ip_ranges[0] "10.0.0.1/8" has host bits set (did you mean 10.0.0.0/8?)',
      ],
      [
        'a prefix too long',
        { allowed_ip_ranges: ['10.0.0.0/33'] },
        'allowed_ip_ranges[0] "10.0.0.0/33" has an invalid prefix length (0 to 32)',
      ],
      [
        'not an address',
        { allowed_ip_ranges: ['10.0.0.0/8', 'ten'] },
        'allowed_ip_ranges[1] "ten" is not an IP address or CIDR range',
      ],
      [
        'a star inside a DNS pattern',
        { allowed_dns: ['a.*.example'] },
        'allowed_dns[0] "a.*.example" may only use "*" as its whole first label',
      ],
      [
        'an IP as a DNS pattern',
        { allowed_dns: ['10.0.0.1'] },
        'allowed_dns[0] "10.0.0.1" looks like an IP address',
      ],
      [
        'a bad DNS label',
        { allowed_dns: ['ok.example', '-bad.example'] },
        'allowed_dns[1] "-bad.example" has an invalid label "-bad"',
      ],
      ['a bare TLD', { allowed_dns: ['*.com'] }, 'allowed_dns[0] "*.com" needs at least two labels'],
      [
        'an email without a domain',
        { allowed_emails: ['alice'] },
        'allowed_emails[0] "alice" is not a mailbox or "*@domain" pattern',
      ],
      [
        'a URI without a scheme',
        { allowed_uris: ['//corp/ns/*'] },
        'allowed_uris[0] "//corp/ns/*" is not a URI pattern',
      ],
      [
        'an unknown attribute',
        { allowed_subject_attributes: ['CN', 'XX'] },
        'allowed_subject_attributes[1] "XX" is not a known subject attribute (known: C, ST, L',
      ],
      ['a bad fixed country', { subject: { C: 'USA' } }, 'subject.C'],
      ['an unknown fixed attribute', { subject: { DC: 'x' } }, 'subject.DC: is not a field of this request'],
      [
        'default over max',
        { default_validity_days: 100, max_validity_days: 90 },
        'default_validity_days 100 is more than max_validity_days 90',
      ],
      ['min_rsa_bits too small', { min_rsa_bits: 1024 }, 'min_rsa_bits'],
      [
        'min_rsa_bits without rsa',
        { min_rsa_bits: 2048, key_types: ['ec'] },
        'min_rsa_bits 2048 is set but key_types (ec) excludes rsa',
      ],
      ['an unknown certificate type', { certificate_types: ['email'] }, 'certificate_types'],
      ['an unknown key type', { key_types: ['dsa'] }, 'key_types'],
      ['backdate too long', { backdate_seconds: 86401 }, 'backdate_seconds'],
      ['an unknown issuer_lifetime', { issuer_lifetime: 'extend' }, 'issuer_lifetime'],
      ['a CA of another organization', { ca_ids: 'CA of B' }, "is not a CA of the profile's organization"],
      ['an unknown CA', { ca_ids: [999999] }, "ca_ids[0] 999999 is not a CA of the profile's organization"],
      ['a numeric name', { name: '42' }, 'name must not be only digits'],
      ['a blank name', { name: '   ' }, 'name must not be blank'],
      ['a long name', { name: 'x'.repeat(129) }, 'name'],
    ])('refuses %s with 400 and a precise message', async (_label, fields, message) => {
      const body: Record<string, unknown> = { name: `bad-${csrCounter++}`, ...fields };
      if (body.ca_ids === 'CA of B') body.ca_ids = [rootB.id];
      const response = await post(adminA, '/profiles', body);
      expect({ status: response.status, detail: response.body.detail }).toEqual({
        status: 400,
        detail: expect.stringContaining(message),
      });
    });

    it('refuses a name taken in the organisation, but not in another one', async () => {
      await createProfile(adminA, { name: 'taken' });
      const again = await post(managerA, '/profiles', { name: 'taken' }).expect(400);
      expect(again.body.detail).toBe('A profile named "taken" already exists in this organization');
      await createProfile(adminB, { name: 'taken' });
    });

    it('lets members read and list their organisation’s profiles, not another’s', async () => {
      const profile = await createProfile(adminA, { name: 'readable' });
      for (const user of [plainA, issuerA, managerA, adminA, superuser]) {
        const response = await get(user, `/profiles/${profile.id}`).expect(200);
        expect(response.body).toEqual(profile);
      }
      const listA = (await get(plainA, '/profiles').expect(200)).body as { organization_id: number }[];
      expect(listA.map((item) => item.organization_id).every((id) => id === orgA)).toBe(true);
      expect(listA.map((item) => (item as unknown as { id: number }).id)).toContain(profile.id);
      const listB = (await get(adminB, '/profiles').expect(200)).body as { id: number }[];
      expect(listB.map((item) => item.id)).not.toContain(profile.id);
      const all = (await get(superuser, '/profiles').expect(200)).body as { organization_id: number }[];
      expect(new Set(all.map((item) => item.organization_id))).toEqual(new Set([orgA, orgB]));
      const foreign = await get(adminB, `/profiles/${profile.id}`).expect(403);
      expect(foreign.body.detail).toBe('You may not view this profile');
      await get(plainA, '/profiles/999999').expect(404);
    });

    it('lets admins, can_create_ca members, the creator and superusers manage; others get 403', async () => {
      const refusal =
        'You may not manage certificate profiles here (needs can_create_ca in the organization, admin or superuser)';
      for (const user of [plainA, issuerA]) {
        const response = await post(user, '/profiles', { name: `no-${user.id}` }).expect(403);
        expect(response.body.detail).toBe(refusal);
      }
      const profile = await createProfile(managerA, { name: 'managed' });
      for (const user of [plainA, issuerA, adminB]) {
        await patch(user, `/profiles/${profile.id}`, { description: 'no' }).expect(403);
        await testApp
          .http()
          .delete(`/api/v1/profiles/${profile.id}`)
          .set(...bearer(user))
          .expect(403);
      }
      await patch(adminA, `/profiles/${profile.id}`, { description: 'by the admin' }).expect(200);
      await patch(managerA, `/profiles/${profile.id}`, { description: 'by the creator' }).expect(200);
      await patch(superuser, `/profiles/${profile.id}`, { description: 'by the superuser' }).expect(200);
      await post(adminA, '/profiles', { name: 'into-b', organization_id: orgB }).expect(403);
      const bySuperuser = await createProfile(superuser, { name: 'su-in-b', organization_id: orgB });
      expect(bySuperuser.organization_id).toBe(orgB);
    });

    it('updates only the fields given, checks the result as a whole and audits what changed', async () => {
      const profile = await createProfile(adminA, { name: 'patched', max_validity_days: 90 });
      const response = await patch(adminA, `/profiles/${profile.id}`, {
        name: 'patched-2',
        allowed_dns: ['*.Example.com'],
        max_validity_days: 90,
      }).expect(200);
      expect(response.body).toMatchObject({
        name: 'patched-2',
        allowed_dns: ['*.example.com'],
        max_validity_days: 90,
      });
      const [row] = await auditRows(testApp, 'profile_update', profile.id);
      expect(row.detail).toEqual({ name: 'patched-2', fields: ['name', 'allowed_dns'] });
      const tooLong = await patch(adminA, `/profiles/${profile.id}`, { default_validity_days: 91 }).expect(
        400,
      );
      expect(tooLong.body.detail).toBe('default_validity_days 91 is more than max_validity_days 90');
      await patch(adminA, `/profiles/${profile.id}`, { allowed_dns: null }).expect(200);
      expect((await get(adminA, `/profiles/${profile.id}`)).body.allowed_dns).toBeNull();
      await patch(adminA, `/profiles/${profile.id}`, { enabled: null }).expect(400);
    });
  });

  describe('binding', () => {
    let bound: { id: number; name: string };
    let disabled: { id: number; name: string };
    let foreign: { id: number; name: string };

    beforeAll(async () => {
      bound = await createProfile(adminA, {
        name: 'bound',
        default_validity_days: 10,
        // notBefore exactly at issuance, so the lifetime is exactly the default (backdating has its
        // own spec in profile-rules.e2e-spec.ts)
        backdate_seconds: 0,
        ca_ids: [issuingA.id],
        // test/support/pki.ts issues with subject_dn "O=Acme"
        allowed_subject_attributes: ['CN', 'O'],
      });
      disabled = await createProfile(adminA, { name: 'disabled', enabled: false });
      foreign = await createProfile(adminB, { name: 'foreign' });
    });

    it('issues under a profile named by name or id, with the profile default lifetime and fields', async () => {
      const byName = await issueCertificate(
        testApp,
        issuerA,
        issuingA.id,
        leaf('a.example', { profile: 'bound' }),
      );
      expect(byName).toMatchObject({
        profile_id: bound.id,
        profile_name: 'bound',
        valid_days: 10,
        validity_clamped: false,
      });
      const lifetime = new Date(byName.not_after).getTime() - new Date(byName.not_before).getTime();
      expect(lifetime).toBe(10 * DAY_MS);
      const byId = await issueCertificate(
        testApp,
        issuerA,
        issuingA.id,
        leaf('b.example', { profile: bound.id }),
      );
      expect(byId).toMatchObject({ profile_id: bound.id, profile_name: 'bound' });
      const asked = await issueCertificate(
        testApp,
        issuerA,
        issuingA.id,
        leaf('c.example', { profile: bound.id, valid_days: 5 }),
      );
      expect(asked.valid_days).toBe(5);
      const none = await issueCertificate(testApp, issuerA, issuingA.id, leaf('d.example'));
      expect(none).toMatchObject({ profile_id: null, profile_name: null, validity_clamped: false });
      expect((await get(plainA, `/certificates/${byName.id}`).expect(200)).body).toMatchObject({
        profile_id: bound.id,
        profile_name: 'bound',
      });
      const [row] = (await auditRows(testApp, 'cert_create', byName.id)) ?? [];
      expect(row.detail).toMatchObject({ profile_id: bound.id, profile_name: 'bound' });

      const ids = async (query: string) =>
        ((await get(plainA, `/certificates?${query}`).expect(200)).body as { id: number }[]).map(
          (item) => item.id,
        );
      expect(await ids(`profile=${bound.id}`)).toEqual([asked.id, byId.id, byName.id]);
      expect(await ids('profile=bound')).toEqual([asked.id, byId.id, byName.id]);
      expect(await ids('profile=unknown')).toEqual([]);
    });

    it('signs a CSR under a profile', async () => {
      const response = await post(issuerA, '/certificates/sign-csr', {
        csr: newCsr('csr.example'),
        ca_id: issuingA.id,
        certificate_type: 'server',
        profile: 'bound',
      }).expect(201);
      expect(response.body).toMatchObject({ profile_id: bound.id, valid_days: 10, validity_clamped: false });
    });

    it.each<[string, (ids: { bound: number; disabled: number; foreign: number }) => unknown, string]>([
      ['an unknown name', () => 'nope', 'profile "nope" not found'],
      ['an unknown id', () => 999999, 'profile "999999" not found'],
      ['a disabled profile', ({ disabled }) => disabled, 'profile "disabled" is disabled'],
      [
        'another organisation’s profile',
        ({ foreign }) => foreign,
        'belongs to another organization than CA "Other Root A"',
      ],
      [
        'a profile whose ca_ids exclude the CA',
        ({ bound }) => bound,
        `profile "bound" does not allow CA "Other Root A" (ca_ids: `,
      ],
      ['a profile of the wrong type', () => ({ id: 1 }), 'profile must be a profile id'],
    ])('refuses %s with 400, writing nothing', async (_label, ref, message) => {
      const before = ((await get(superuser, '/certificates?limit=1000')).body as unknown[]).length;
      const response = await post(
        superuser,
        `/certificates?ca_id=${otherRootA.id}`,
        leaf('refused.example', {
          profile: ref({ bound: bound.id, disabled: disabled.id, foreign: foreign.id }),
        }),
      );
      expect({ status: response.status, detail: response.body.detail }).toEqual({
        status: 400,
        detail: expect.stringContaining(message),
      });
      expect(((await get(superuser, '/certificates?limit=1000')).body as unknown[]).length).toBe(before);
    });

    it('does not reveal another organisation’s profile by id to a member who cannot read it', async () => {
      const foreign = await createProfile(adminB, { name: 'hidden' });
      const response = await post(
        issuerA,
        `/certificates?ca_id=${issuingA.id}`,
        leaf('x.example', { profile: foreign.id }),
      );
      expect(response.status).toBe(400);
      expect(response.body.detail).toBe(`profile "${foreign.id}" not found`);
    });

    it('refuses a profile for a root CA, which has no issuer to bind', async () => {
      const response = await post(adminA, '/cas', {
        name: 'Root with profile',
        subject_dn: 'CN=Root with profile',
        key_type: 'ec',
        profile: 'bound',
      }).expect(400);
      expect(response.body.detail).toContain('profile applies to a certificate signed by one of our CAs');
    });

    describe('a CA with require_profile', () => {
      let strict: CaBody & { require_profile?: boolean };
      let any: { id: number; name: string };
      const requirement = (name: string) => `CA "${name}" requires a profile: name one with "profile"`;

      beforeAll(async () => {
        strict = await createCa(testApp, adminA, {
          name: 'Strict A',
          key_type: 'ec',
          parent_ca_id: rootA.id,
          require_profile: true,
        });
        // leaf(), newCsr() and createCa() subjects carry O=Acme
        any = await createProfile(adminA, { name: 'any', allowed_subject_attributes: ['CN', 'O'] });
      });

      it('shows require_profile, changes it with PATCH and audits the change', async () => {
        expect(strict.require_profile).toBe(true);
        expect((rootA as CaBody & { require_profile?: boolean }).require_profile).toBe(false);
        const off = await patch(adminA, `/cas/${strict.id}`, { require_profile: false }).expect(200);
        expect(off.body.require_profile).toBe(false);
        const on = await patch(adminA, `/cas/${strict.id}`, { require_profile: true }).expect(200);
        expect(on.body.require_profile).toBe(true);
        const rows = await auditRows(testApp, 'ca_update', strict.id);
        expect(rows.map((row) => row.detail?.fields)).toEqual([['require_profile'], ['require_profile']]);
      });

      it('refuses POST /certificates without a profile and accepts one with it', async () => {
        const refused = await post(issuerA, `/certificates?ca_id=${strict.id}`, leaf('s.example')).expect(
          400,
        );
        expect(refused.body.detail).toBe(requirement('Strict A'));
        const issued = await issueCertificate(
          testApp,
          issuerA,
          strict.id,
          leaf('s.example', { profile: 'any' }),
        );
        expect(issued).toMatchObject({ profile_name: 'any' });
      });

      it('refuses POST /certificates/sign-csr without a profile and accepts one with it', async () => {
        const body = { csr: newCsr('s2.example'), ca_id: strict.id, certificate_type: 'server' };
        const refused = await post(issuerA, '/certificates/sign-csr', body).expect(400);
        expect(refused.body.detail).toBe(requirement('Strict A'));
        await post(issuerA, '/certificates/sign-csr', { ...body, profile: any.id }).expect(201);
      });

      it('refuses POST /certificate-requests/{id}/sign without a profile and accepts one with it', async () => {
        const request = await post(adminA, '/certificate-requests', { csr: newCsr('s3.example') }).expect(
          201,
        );
        const refused = await post(adminA, `/certificate-requests/${request.body.id}/sign`, {
          ca_id: strict.id,
        }).expect(400);
        expect(refused.body.detail).toBe(requirement('Strict A'));
        expect((await get(adminA, `/certificate-requests/${request.body.id}`)).body.status).toBe(
          'outstanding',
        );
        const signed = await post(adminA, `/certificate-requests/${request.body.id}/sign`, {
          ca_id: strict.id,
          profile: 'any',
        }).expect(200);
        expect(signed.body).toMatchObject({ status: 'active', validity_clamped: false });
        const [row] = await auditRows(testApp, 'csr_sign', request.body.id);
        expect(row.detail).toMatchObject({ profile_id: any.id, profile_name: 'any' });
        expect(row.detail).not.toHaveProperty('overrides');
      });

      it('refuses POST /cas under it without a profile and accepts one with it', async () => {
        const body = {
          name: 'Child of Strict',
          subject_dn: 'CN=Child of Strict',
          key_type: 'ec',
          parent_ca_id: strict.id,
        };
        const refused = await post(managerA, '/cas', body).expect(400);
        expect(refused.body.detail).toBe(requirement('Strict A'));
        const created = await post(managerA, '/cas', { ...body, profile: 'any' }).expect(201);
        expect(created.body).toMatchObject({
          parent_ca_id: strict.id,
          require_profile: false,
        });
        const [row] = await auditRows(testApp, 'ca_create', created.body.id);
        expect(row.detail).toMatchObject({ profile_id: any.id, profile_name: 'any' });
      });

      it('refuses POST /cas/{id}/sign by it without a profile and accepts one with it', async () => {
        const pending = await createCa(testApp, managerA, {
          name: 'Pending A',
          key_type: 'ec',
          pending: true,
        });
        const refused = await post(managerA, `/cas/${pending.id}/sign`, { parent_ca_id: strict.id }).expect(
          400,
        );
        expect(refused.body.detail).toBe(requirement('Strict A'));
        const signed = await post(managerA, `/cas/${pending.id}/sign`, {
          parent_ca_id: strict.id,
          profile: any.id,
        }).expect(200);
        expect(signed.body).toMatchObject({ status: 'active', parent_ca_id: strict.id });
      });
    });

    it('uses the profile default for a CA certificate too', async () => {
      const caProfile = await createProfile(adminA, {
        name: 'ca-profile',
        default_validity_days: 100,
        backdate_seconds: 0,
        // createCa() writes CN=<name>,O=Acme
        allowed_subject_attributes: ['CN', 'O'],
      });
      const child = await createCa(testApp, managerA, {
        name: 'Child with default',
        key_type: 'ec',
        parent_ca_id: rootA.id,
        profile: caProfile.name,
      });
      expect(child.valid_days).toBe(100);
      expect(new Date(child.not_after ?? 0).getTime() - new Date(child.not_before ?? 0).getTime()).toBe(
        100 * DAY_MS,
      );
    });

    it('keeps profile_name on certificates when the profile is deleted, and audits the deletion', async () => {
      const doomed = await createProfile(adminA, { name: 'doomed', allowed_subject_attributes: ['CN', 'O'] });
      const issued = await issueCertificate(
        testApp,
        issuerA,
        issuingA.id,
        leaf('doomed.example', { profile: 'doomed' }),
      );
      await testApp
        .http()
        .delete(`/api/v1/profiles/${doomed.id}`)
        .set(...bearer(managerA))
        .expect(204);
      await get(adminA, `/profiles/${doomed.id}`).expect(404);
      const after = (await get(plainA, `/certificates/${issued.id}`).expect(200)).body;
      expect(after).toMatchObject({ profile_id: null, profile_name: 'doomed' });
      const byName = (await get(plainA, '/certificates?profile=doomed').expect(200)).body as { id: number }[];
      expect(byName.map((item) => item.id)).toEqual([issued.id]);
      const [row] = await auditRows(testApp, 'profile_delete', doomed.id);
      expect(row).toMatchObject({ user_id: managerA.id, organization_id: orgA, detail: { name: 'doomed' } });
    });
  });

  describe('issuer lifetime', () => {
    const WARNING = /^299 - "notAfter clamped to the issuer's notAfter (\d{4}-\d\d-\d\dT[\d:.]+Z)"$/;

    it('reports a clamp in the body and a Warning header, and nothing when there is none', async () => {
      const clamped = await post(
        issuerA,
        `/certificates?ca_id=${shortRootA.id}`,
        leaf('long.example', { valid_days: 90 }),
      ).expect(201);
      expect(clamped.body.validity_clamped).toBe(true);
      const match = WARNING.exec(String(clamped.headers.warning));
      expect(match?.[1]).toBe(new Date(shortRootA.not_after ?? 0).toISOString());
      expect(clamped.body.not_after).toBe(shortRootA.not_after);
      expect((await get(plainA, `/certificates/${clamped.body.id}`)).body.validity_clamped).toBe(true);

      const fits = await post(
        issuerA,
        `/certificates?ca_id=${shortRootA.id}`,
        leaf('short.example', { valid_days: 5 }),
      ).expect(201);
      expect(fits.body.validity_clamped).toBe(false);
      expect(fits.headers.warning).toBeUndefined();
    });

    it('reports a clamp on sign-csr, request signing, POST /cas and POST /cas/{id}/sign', async () => {
      const csr = await post(issuerA, '/certificates/sign-csr', {
        csr: newCsr('clamp-csr.example'),
        ca_id: shortRootA.id,
        certificate_type: 'server',
        valid_days: 90,
      }).expect(201);
      expect(csr.body.validity_clamped).toBe(true);
      expect(csr.headers.warning).toMatch(WARNING);

      const request = await post(adminA, '/certificate-requests', {
        csr: newCsr('clamp-req.example'),
      }).expect(201);
      const signed = await post(adminA, `/certificate-requests/${request.body.id}/sign`, {
        ca_id: shortRootA.id,
        valid_days: 90,
      }).expect(200);
      expect(signed.body.validity_clamped).toBe(true);
      expect(signed.headers.warning).toMatch(WARNING);

      const child = await post(managerA, '/cas', {
        name: 'Clamped child',
        subject_dn: 'CN=Clamped child',
        key_type: 'ec',
        parent_ca_id: shortRootA.id,
        valid_days: 365,
      }).expect(201);
      expect(child.body.validity_clamped).toBe(true);
      expect(child.headers.warning).toMatch(WARNING);
      expect((await get(plainA, `/cas/${child.body.id}`)).body.validity_clamped).toBe(true);

      const pending = await createCa(testApp, managerA, {
        name: 'Pending clamp',
        key_type: 'ec',
        pending: true,
      });
      const signedCa = await post(managerA, `/cas/${pending.id}/sign`, {
        parent_ca_id: shortRootA.id,
        valid_days: 365,
      }).expect(200);
      expect(signedCa.body.validity_clamped).toBe(true);
      expect(signedCa.headers.warning).toMatch(WARNING);
    });

    it('passes issuer_lifetime to the rules through the profile', async () => {
      const refuse = await createProfile(adminA, { name: 'refuse', issuer_lifetime: 'refuse' });
      expect(refuse.issuer_lifetime).toBe('refuse');
    });
  });

  describe('request signing with the approver’s overrides', () => {
    it('signs what the approver decides and audits what changed against the CSR', async () => {
      const request = await post(adminA, '/certificate-requests', { csr: newCsr('asked.example') }).expect(
        201,
      );
      const signed = await post(adminA, `/certificate-requests/${request.body.id}/sign`, {
        ca_id: issuingA.id,
        common_name: 'decided.example',
        san_dns_names: ['decided.example', 'www.decided.example'],
        valid_days: 7,
        certificate_type: 'dual_purpose',
      }).expect(200);
      const certificate = (await get(adminA, `/certificates/${signed.body.certificate_id}`).expect(200)).body;
      expect(certificate).toMatchObject({
        common_name: 'decided.example',
        san_dns_names: ['decided.example', 'www.decided.example'],
        certificate_type: 'dual_purpose',
        valid_days: 7,
      });
      const [row] = await auditRows(testApp, 'csr_sign', request.body.id);
      expect(row.detail?.overrides).toEqual({
        subject: { csr: 'CN=asked.example,O=Acme', issued: certificate.subject_dn },
        san_dns_names: { csr: ['asked.example'], issued: ['decided.example', 'www.decided.example'] },
        certificate_type: { csr: 'server', issued: 'dual_purpose' },
        valid_days: { csr: null, issued: 7 },
      });
    });

    it('checks the overrides with the same rules as sign-csr', async () => {
      const request = await post(adminA, '/certificate-requests', { csr: newCsr('rules.example') }).expect(
        201,
      );
      const response = await post(adminA, `/certificate-requests/${request.body.id}/sign`, {
        ca_id: issuingA.id,
        san_dns_names: ['not a name'],
      });
      expect(response.status).toBe(400);
      expect((await get(adminA, `/certificate-requests/${request.body.id}`)).body.status).toBe('outstanding');
    });
  });
});
