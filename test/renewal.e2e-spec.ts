import { createPublicKey, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
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
  issueCertificate,
  pemBlocks,
  revokeCertificate,
} from './support/pki';
import { hs256Token, renewalToken, RenewalTokenInput, TEST_RENEW_AUDIENCE, x5cOf } from './support/renewal';
import { bearer, createOrganization, startTestApp, TestApp, TestUser } from './support/test-app';

/** A certificate as an issuing route answers it, with the chain and the renewal links. */
interface IssuedBody extends CertificateBody {
  chain_pem: string;
  san_uris: string[];
  profile_id: number | null;
  profile_name: string | null;
  renewed_from: number | null;
  renewed_by: number | null;
}

/** A certificate of ours and what its holder keeps: its private key and the chain it was given. */
interface Held {
  certificate: IssuedBody;
  keyPem: string;
  /** The certificate followed by chain_pem: what x5c carries. */
  chainPem: string;
}

const P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
const P384 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'];
const RSA = ['-newkey', 'rsa:2048'];
const ED25519 = ['-newkey', 'ed25519'];

/**
 * Issue 17 item 5: POST /certificates/renew, authenticated by a JWT signed with the current
 * certificate's key (x5c). The app runs with RENEWAL_GRACE_PERIOD_DAYS=2.
 */
describe('POST /certificates/renew', () => {
  let testApp: TestApp;
  const ssl = new OpensslWorkspace();
  let superuser: TestUser;
  let admin: TestUser;
  let owner: TestUser;
  let organization: number;
  let root: CaBody;
  let issuing: CaBody;
  let freshKeys: { id: number; name: string };
  let reusesKey: { id: number; name: string };
  /** Every token sent, to look for afterwards in the database. */
  const tokensSent: string[] = [];
  let counter = 0;

  beforeAll(async () => {
    testApp = await startTestApp({ RENEWAL_GRACE_PERIOD_DAYS: '2' });
    superuser = await createSuperuser(testApp);
    organization = await createOrganization(testApp, superuser, 'Renewal Org');
    admin = await createAdmin(testApp, superuser, organization);
    owner = await createMember(testApp, superuser, organization, {
      can_create_cert: true,
      can_revoke_cert: true,
    });
    root = await createRootCa(testApp, admin, { name: 'Renewal Root', key_type: 'ec', path_length: 1 });
    issuing = await createIntermediate(testApp, admin, root, {
      name: 'Renewal Issuing',
      subject_dn: 'CN=Renewal Issuing,O=Acme',
      key_type: 'ec',
    });
    freshKeys = await createProfile({ name: 'fresh-keys', max_validity_days: 60 });
    reusesKey = await createProfile({ name: 'reuses-key', renewal_reuses_key: true });
    ssl.write('root.pem', root.certificate);
  });

  afterAll(async () => {
    await testApp.close();
    ssl.dispose();
  });

  async function createProfile(fields: Record<string, unknown>): Promise<{ id: number; name: string }> {
    const response = await testApp
      .http()
      .post('/api/v1/profiles')
      .set(...bearer(admin))
      .send({ ca_ids: [issuing.id], allowed_subject_attributes: ['CN', 'O', 'OU'], ...fields });
    if (response.status !== 201)
      throw new Error(`POST /profiles answered ${response.status}: ${response.text}`);
    expect(response.body.renewal_reuses_key).toBe(fields.renewal_reuses_key ?? false);
    return response.body;
  }

  /** A key made by openssl and a certificate signed for its CSR by `by` (the owner by default). */
  async function hold(
    keyArgs: string[],
    fields: Record<string, unknown> = {},
    by: { token: string } = owner,
  ): Promise<Held> {
    counter += 1;
    const name = `held-${counter}`;
    const { csr, keyPath } = ssl.csr(name, keyArgs, `/CN=app${counter}.example.com/O=Acme/OU=Ops`);
    const response = await testApp
      .http()
      .post('/api/v1/certificates/sign-csr')
      .set('Authorization', `Bearer ${by.token}`)
      .send({
        csr,
        ca_id: issuing.id,
        certificate_type: 'server',
        valid_days: 30,
        san_dns_names: [`app${counter}.example.com`, `alt${counter}.example.com`],
        san_ip_addresses: ['192.0.2.7'],
        ...fields,
      });
    if (response.status !== 201) throw new Error(`sign-csr answered ${response.status}: ${response.text}`);
    const certificate: IssuedBody = response.body;
    return {
      certificate,
      keyPem: readFileSync(keyPath, 'utf8'),
      chainPem: certificate.certificate + certificate.chain_pem,
    };
  }

  function tokenFor(held: Held, overrides: Partial<RenewalTokenInput> = {}): string {
    const token = renewalToken({
      keyPem: held.keyPem,
      chainPem: held.chainPem,
      audience: TEST_RENEW_AUDIENCE,
      ...overrides,
    });
    tokensSent.push(token);
    return token;
  }

  function renew(token: string | null, body: Record<string, unknown> = {}) {
    const call = testApp.http().post('/api/v1/certificates/renew');
    if (token !== null) call.set('Authorization', `Bearer ${token}`);
    return call.send(body);
  }

  /** A CSR for a new key of the given kind, and the key's public PEM. */
  function newKey(keyArgs: string[]): { csr: string; publicKeyPem: string; keyPem: string } {
    counter += 1;
    const { csr, keyPath } = ssl.csr(`new-${counter}`, keyArgs, '/CN=ignored.example.com');
    const keyPem = readFileSync(keyPath, 'utf8');
    return { csr, keyPem, publicKeyPem: spki(keyPem) };
  }

  function spki(pem: string): string {
    return createPublicKey(pem).export({ type: 'spki', format: 'pem' }).toString();
  }

  function verifies(certificate: IssuedBody): boolean {
    const leaf = ssl.write(`leaf-${certificate.id}.pem`, certificate.certificate);
    const chain = ssl.write(`chain-${certificate.id}.pem`, certificate.chain_pem);
    return ssl.run(['verify', '-CAfile', 'root.pem', '-untrusted', chain, leaf]).ok;
  }

  async function get(id: number): Promise<IssuedBody> {
    return (
      await testApp
        .http()
        .get(`/api/v1/certificates/${id}`)
        .set(...bearer(owner))
        .expect(200)
    ).body;
  }

  function expectRefused(
    response: { status: number; body: { detail?: string } },
    status: number,
    detail: RegExp,
  ): void {
    expect({ status: response.status, detail: response.body.detail }).toEqual({
      status,
      detail: expect.stringMatching(detail),
    });
  }

  describe('renewing', () => {
    it.each([
      ['EC P-256', 'ES256', P256],
      ['EC P-384', 'ES384', P384],
      ['RSA', 'RS256', RSA],
      ['RSA', 'PS256', RSA],
      ['Ed25519', 'EdDSA', ED25519],
    ])(
      'renews a %s certificate by a %s token, with a new key from the CSR: same subject, SANs and profile',
      async (_kind, alg, keyArgs) => {
        const held = await hold(keyArgs, { profile: freshKeys.name });
        const fresh = newKey(keyArgs);
        const response = await renew(tokenFor(held, { alg }), { csr: fresh.csr });
        expect(response.status).toBe(201);
        const renewed: IssuedBody = response.body;
        const old = held.certificate;
        expect(renewed).toMatchObject({
          common_name: old.common_name,
          subject_dn: old.subject_dn,
          certificate_type: 'server',
          san_dns_names: old.san_dns_names,
          san_ip_addresses: old.san_ip_addresses,
          san_email_addresses: old.san_email_addresses,
          san_uris: old.san_uris,
          profile_id: freshKeys.id,
          profile_name: 'fresh-keys',
          issuer_id: issuing.id,
          created_by_user_id: owner.id,
          valid_days: 30,
          status: 'valid',
          renewed_from: old.id,
          renewed_by: null,
        });
        expect(renewed.id).not.toBe(old.id);
        expect(renewed.serial_number).not.toBe(old.serial_number);
        expect(renewed).not.toHaveProperty('private_key');
        // The CSR's key, not the old one; the chain verifies it.
        const publicKey = createPublicKey(renewed.certificate)
          .export({ type: 'spki', format: 'pem' })
          .toString();
        expect(publicKey).toBe(fresh.publicKeyPem);
        expect(publicKey).not.toBe(spki(held.keyPem));
        expect(pemBlocks(renewed.chain_pem)).toEqual([issuing.certificate, root.certificate]);
        expect(verifies(renewed)).toBe(true);
        // The old certificate shows what replaced it; it stays valid until it expires or is revoked.
        expect(await get(old.id)).toMatchObject({
          renewed_by: renewed.id,
          renewed_from: null,
          status: 'valid',
        });
        const [audit] = await auditRows(testApp, 'certificate_renew', renewed.id);
        expect(audit).toMatchObject({
          user_id: owner.id,
          organization_id: organization,
          resource_type: 'certificate',
          detail: expect.objectContaining({
            renewed_from_id: old.id,
            renewed_serial_number: old.serial_number,
            key_reused: false,
            serial_number: renewed.serial_number,
            profile_id: freshKeys.id,
          }),
        });
        const [credential] = await testApp.dataSource.query(
          `SELECT credential FROM audit_logs WHERE action = 'certificate_renew' AND resource_id = $1`,
          [renewed.id],
        );
        expect(credential).toEqual({ credential: `renewal:${old.id}` });
      },
    );

    it('renews the renewed certificate in its turn, and the same certificate twice (a lost answer is retried)', async () => {
      const held = await hold(P256);
      const next = newKey(P256);
      const first = await renew(tokenFor(held), { csr: next.csr }).expect(201);
      const second = await renew(tokenFor(held), { csr: newKey(P256).csr }).expect(201);
      expect(second.body.renewed_from).toBe(held.certificate.id);
      expect((await get(held.certificate.id)).renewed_by).toBe(second.body.id);
      // x5c may carry the leaf alone.
      const renewedHeld: Held = {
        certificate: first.body,
        keyPem: next.keyPem,
        chainPem: first.body.certificate,
      };
      const third = await renew(tokenFor(renewedHeld), { csr: newKey(P256).csr }).expect(201);
      expect(third.body.renewed_from).toBe(first.body.id);
    });

    it('keeps the public key without a CSR where the profile has renewal_reuses_key, and a stored key with it', async () => {
      const held = await hold(P256, { profile: reusesKey.name });
      const response = await renew(tokenFor(held)).expect(201);
      expect(spki(response.body.certificate)).toBe(spki(held.keyPem));
      expect(response.body).toMatchObject({ renewed_from: held.certificate.id, profile_name: 'reuses-key' });
      const [audit] = await auditRows(testApp, 'certificate_renew', response.body.id);
      expect(audit.detail).toMatchObject({ key_reused: true });
      // A certificate whose key the service generated keeps its sealed key when renewed with it.
      const generated = (await issueCertificate(testApp, owner, issuing.id, {
        common_name: 'generated.example.com',
        certificate_type: 'server',
        key_type: 'ec',
        profile: reusesKey.name,
      })) as IssuedBody;
      const generatedHeld: Held = {
        certificate: generated,
        keyPem: generated.private_key ?? '',
        chainPem: generated.certificate + generated.chain_pem,
      };
      const renewedGenerated = await renew(tokenFor(generatedHeld), {}).expect(201);
      const rows: { sealed: string | null }[] = await testApp.dataSource.query(
        'SELECT sealed_private_key AS sealed FROM certificates WHERE id = ANY($1) ORDER BY id',
        [[generated.id, renewedGenerated.body.id]],
      );
      expect(rows.map((row) => row.sealed !== null)).toEqual([true, true]);
    });

    it('refuses to keep the key without renewal_reuses_key, or without a profile (400), and takes a CSR there', async () => {
      const strict = await hold(P256, { profile: freshKeys.name });
      expectRefused(
        await renew(tokenFor(strict)),
        400,
        /profile "fresh-keys" does not allow renewing with the same key \(renewal_reuses_key is false\); send a CSR/,
      );
      // A CSR for the very same key is the same key.
      const sameKeyCsr = ssl.write('same.key', strict.keyPem);
      const csrPath = ssl.path('same.csr');
      expect(ssl.run(['req', '-new', '-key', sameKeyCsr, '-subj', '/CN=same', '-out', csrPath]).ok).toBe(
        true,
      );
      expectRefused(
        await renew(tokenFor(strict), { csr: readFileSync(csrPath, 'utf8') }),
        400,
        /renewal_reuses_key is false/,
      );
      const noProfile = await hold(P256);
      expectRefused(
        await renew(tokenFor(noProfile), { csr: null }),
        400,
        /issued without a profile is renewed with a new key only/,
      );
      await renew(tokenFor(noProfile), { csr: newKey(P256).csr }).expect(201);
    });

    it('applies the profile as it is now: a lowered maximum shortens the renewal, a name it no longer allows refuses it', async () => {
      const profile = await createProfile({ name: 'changing', allowed_dns: ['*.example.com'] });
      const held = await hold(P256, { profile: profile.name });
      await testApp
        .http()
        .patch(`/api/v1/profiles/${profile.id}`)
        .set(...bearer(admin))
        .send({ max_validity_days: 10 })
        .expect(200);
      const shorter = await renew(tokenFor(held), { csr: newKey(P256).csr }).expect(201);
      expect(shorter.body.valid_days).toBe(10);
      await testApp
        .http()
        .patch(`/api/v1/profiles/${profile.id}`)
        .set(...bearer(admin))
        .send({ allowed_dns: ['*.other.example'] })
        .expect(200);
      expectRefused(
        await renew(tokenFor(held), { csr: newKey(P256).csr }),
        400,
        /san_dns_names\[0\] "app\d+\.example\.com" is not allowed by profile "changing"/,
      );
      await testApp
        .http()
        .patch(`/api/v1/profiles/${profile.id}`)
        .set(...bearer(admin))
        .send({ enabled: false })
        .expect(200);
      expectRefused(
        await renew(tokenFor(held), { csr: newKey(P256).csr }),
        400,
        /profile "changing" is disabled/,
      );
    });

    it("renews a service account's certificate as that account, through its profile", async () => {
      const account = await testApp
        .http()
        .post('/api/v1/service-accounts')
        .set(...bearer(admin))
        .send({ name: 'renewing-pipeline', profile_ids: [freshKeys.id] })
        .expect(201);
      const key = await testApp
        .http()
        .post(`/api/v1/service-accounts/${account.body.id}/keys`)
        .set(...bearer(admin))
        .send({ name: 'renewal spec' })
        .expect(201);
      const held = await hold(P256, { profile: freshKeys.name }, { token: key.body.key });
      expect(held.certificate.created_by_user_id).toBe(account.body.id);
      const renewed = await renew(tokenFor(held), { csr: newKey(P256).csr }).expect(201);
      expect(renewed.body).toMatchObject({ created_by_user_id: account.body.id, profile_id: freshKeys.id });
      const [audit] = await auditRows(testApp, 'certificate_renew', renewed.body.id);
      expect(audit.user_id).toBe(account.body.id);
      // Taken off its profile list, the account may no longer renew through that profile.
      const other = await createProfile({ name: 'other-profile' });
      await testApp
        .http()
        .patch(`/api/v1/service-accounts/${account.body.id}`)
        .set(...bearer(admin))
        .send({ profile_ids: [other.id] })
        .expect(200);
      expectRefused(
        await renew(tokenFor(held), { csr: newKey(P256).csr }),
        403,
        /cannot be renewed for its owner "renewing-pipeline": .*own profiles/,
      );
    });
  });

  describe('refusing a proof (401)', () => {
    let held: Held;

    beforeAll(async () => {
      held = await hold(P256);
    });

    /** The token with its signature part replaced. */
    const withSignature = (token: string, signature: Buffer | string) =>
      `${token.slice(0, token.lastIndexOf('.') + 1)}${typeof signature === 'string' ? signature : signature.toString('base64url')}`;

    it('without a token, or with an access token', async () => {
      const none = await renew(null, { csr: newKey(P256).csr });
      expectRefused(none, 401, /send "Authorization: Bearer <renewal token>"/);
      expect(none.headers['www-authenticate']).toBe('Bearer');
      expectRefused(await renew(owner.token), 401, /alg "HS256" is not accepted/);
    });

    it('a signature that does not verify: tampered, made by another key, or ES256 left in DER', async () => {
      const token = tokenFor(held);
      const signature = Buffer.from(token.slice(token.lastIndexOf('.') + 1), 'base64url');
      signature[10] ^= 0x01;
      expectRefused(
        await renew(withSignature(token, signature)),
        401,
        /signature does not verify with the certificate's public key/,
      );
      const stranger = newKey(P256);
      expectRefused(
        await renew(tokenFor({ ...held, keyPem: stranger.keyPem })),
        401,
        /signature does not verify/,
      );
      // openssl dgst -sign writes ECDSA signatures as DER; JWS wants R || S (what the script converts).
      const keyFile = ssl.write('held.key', held.keyPem);
      const inputFile = ssl.write('input.txt', token.slice(0, token.lastIndexOf('.')));
      const derFile = ssl.path('signature.der');
      expect(ssl.run(['dgst', '-sha256', '-sign', keyFile, '-out', derFile, inputFile]).ok).toBe(true);
      const der = readFileSync(derFile);
      expect(der[0]).toBe(0x30);
      expectRefused(
        await renew(withSignature(tokenFor(held, { jti: randomUUID() }), der)),
        401,
        /signature does not verify/,
      );
      expectRefused(await renew(withSignature(token, der)), 401, /signature does not verify/);
    });

    it("alg none, and HS256 keyed with the certificate's public key", async () => {
      const noneToken = tokenFor(held, { alg: 'none' });
      expectRefused(
        await renew(noneToken),
        401,
        /alg "none" is not accepted: sign with the certificate's private key \(RS256, PS256, ES256, ES384, EdDSA\)/,
      );
      const now = Math.floor(Date.now() / 1000);
      const claims = { aud: TEST_RENEW_AUDIENCE, iat: now, exp: now + 60, jti: randomUUID() };
      const header = { typ: 'JWT', x5c: x5cOf(held.chainPem) };
      for (const secret of [
        Buffer.from(spki(held.keyPem)),
        createPublicKey(held.keyPem).export({ type: 'spki', format: 'der' }),
      ]) {
        const forged = hs256Token(header, claims, secret);
        tokensSent.push(forged);
        expectRefused(await renew(forged), 401, /alg "HS256" is not accepted/);
      }
    });

    it('an algorithm of another key type or curve', async () => {
      expectRefused(
        await renew(tokenFor(held, { alg: 'ES384', keyPem: newKey(P384).keyPem })),
        401,
        /alg ES384 does not fit the certificate's EC P-256 key \(use ES256\)/,
      );
      const rsa = await hold(RSA);
      expectRefused(
        await renew(tokenFor(rsa, { alg: 'EdDSA', keyPem: newKey(ED25519).keyPem })),
        401,
        /alg EdDSA does not fit the certificate's RSA 2048-bit key \(use RS256 or PS256\)/,
      );
    });

    it('the wrong audience', async () => {
      for (const audience of [
        'http://pki.test/api/v1/certificates/sign-csr',
        'https://pki.test/api/v1/certificates/renew',
        'http://pki.test',
      ]) {
        expectRefused(
          await renew(tokenFor(held, { audience })),
          401,
          /claim "aud" must be http:\/\/pki\.test\/api\/v1\/certificates\/renew/,
        );
      }
      // A list that holds the renew URL is an audience of it (RFC 7519 §4.1.3).
      await renew(tokenFor(held, { claims: { aud: ['https://elsewhere.example', TEST_RENEW_AUDIENCE] } }), {
        csr: newKey(P256).csr,
      }).expect(201);
    });

    it('an expired token, one not yet valid, one issued in the future, one that lives too long', async () => {
      const now = Math.floor(Date.now() / 1000);
      expectRefused(await renew(tokenFor(held, { iat: now - 600, exp: now - 480 })), 401, /it expired at/);
      expectRefused(
        await renew(tokenFor(held, { iat: now, exp: now + 240, nbf: now + 180 })),
        401,
        /it is not valid before/,
      );
      expectRefused(
        await renew(tokenFor(held, { iat: now + 600, exp: now + 700 })),
        401,
        /issued in the future/,
      );
      expectRefused(
        await renew(tokenFor(held, { iat: now, exp: now + 3600 })),
        401,
        /it lives 3600 s \(exp − iat\); at most 300 s/,
      );
      expectRefused(await renew(tokenFor(held, { iat: now, exp: now })), 401, /"exp" is not after "iat"/);
      expectRefused(
        await renew(tokenFor(held, { claims: { exp: undefined } })),
        401,
        /claim "exp" must be a NumericDate/,
      );
      expectRefused(
        await renew(tokenFor(held, { claims: { iat: String(now) } })),
        401,
        /claim "iat" must be a NumericDate/,
      );
      expectRefused(
        await renew(tokenFor(held, { claims: { jti: undefined } })),
        401,
        /claim "jti" must be a string/,
      );
      // Within the minute of clock difference tolerated, and with an nbf already passed, it is accepted.
      await renew(tokenFor(held, { iat: now - 200, exp: now - 30, nbf: now - 200 }), {
        csr: newKey(P256).csr,
      }).expect(201);
    });

    it('a replayed token (its jti), and a concurrent replay', async () => {
      const token = tokenFor(held);
      await renew(token, { csr: newKey(P256).csr }).expect(201);
      expectRefused(
        await renew(token, { csr: newKey(P256).csr }),
        401,
        /its jti was already used .*make a new token for every call/,
      );
      // The same jti in another token of the same certificate is the same token.
      const jti = randomUUID();
      await renew(tokenFor(held, { jti }), { csr: newKey(P256).csr }).expect(201);
      expectRefused(
        await renew(tokenFor(held, { jti, exp: Math.floor(Date.now() / 1000) + 100 }), {
          csr: newKey(P256).csr,
        }),
        401,
        /already used/,
      );
      // Two at once with one token: one certificate.
      const racing = tokenFor(held);
      const before = await renewedCount(held.certificate.id);
      const answers = await Promise.all([
        renew(racing, { csr: newKey(P256).csr }),
        renew(racing, { csr: newKey(P256).csr }),
      ]);
      expect(answers.map((answer) => answer.status).sort()).toEqual([201, 401]);
      expect(await renewedCount(held.certificate.id)).toBe(before + 1);
      // A jti another certificate used is not a replay for this one.
      const other = await hold(P256);
      await renew(tokenFor(other, { jti }), { csr: newKey(P256).csr }).expect(201);
    });

    async function renewedCount(id: number): Promise<number> {
      const [row]: { count: number }[] = await testApp.dataSource.query(
        'SELECT count(*)::integer AS count FROM certificates WHERE renewed_from_id = $1',
        [id],
      );
      return row.count;
    }

    it('a certificate this service did not issue, and a forged one with the serial and names of ours', async () => {
      const outsider = ssl.csr('outsider', P256, '/CN=outsider.example.com');
      const outsiderCert = ssl.path('outsider.pem');
      expect(
        ssl.run([
          'req',
          '-x509',
          '-key',
          outsider.keyPath,
          '-subj',
          '/CN=outsider.example.com',
          '-days',
          '1',
          '-out',
          outsiderCert,
        ]).ok,
      ).toBe(true);
      const outsiderHeld: Held = {
        certificate: held.certificate,
        keyPem: readFileSync(outsider.keyPath, 'utf8'),
        chainPem: readFileSync(outsiderCert, 'utf8'),
      };
      expectRefused(
        await renew(tokenFor(outsiderHeld)),
        401,
        /x5c\[0\] is not a certificate this service issued \(compared byte for byte\)/,
      );

      // An attacker's CA named like ours signs a leaf with our certificate's serial, subject and SANs.
      const attackerCa = ssl.csr('attacker-ca', P256, '/O=Acme/CN=Renewal Issuing');
      const attackerCaCert = ssl.path('attacker-ca.pem');
      expect(
        ssl.run([
          'req',
          '-x509',
          '-key',
          attackerCa.keyPath,
          '-subj',
          '/O=Acme/CN=Renewal Issuing',
          '-days',
          '1',
          '-out',
          attackerCaCert,
        ]).ok,
      ).toBe(true);
      const forged = ssl.csr('forged', P256, '/O=Acme/OU=Ops/CN=' + held.certificate.common_name);
      const forgedCert = ssl.path('forged.pem');
      const extensions = ssl.write(
        'forged.ext',
        `subjectAltName=${held.certificate.san_dns_names.map((name) => `DNS:${name}`).join(',')},IP:192.0.2.7\n`,
      );
      expect(
        ssl.run([
          'x509',
          '-req',
          '-in',
          ssl.path('forged.csr'),
          '-CA',
          attackerCaCert,
          '-CAkey',
          attackerCa.keyPath,
          '-set_serial',
          `0x${held.certificate.serial_number}`,
          '-days',
          '1',
          '-extfile',
          extensions,
          '-out',
          forgedCert,
        ]).ok,
      ).toBe(true);
      const forgedText = ssl
        .run(['x509', '-in', forgedCert, '-noout', '-serial'])
        .output.trim()
        .toLowerCase();
      expect(forgedText.replace(/^serial=0*/, '')).toBe(held.certificate.serial_number.replace(/^0+/, ''));
      const forgedHeld: Held = {
        certificate: held.certificate,
        keyPem: readFileSync(forged.keyPath, 'utf8'),
        chainPem: readFileSync(forgedCert, 'utf8') + held.certificate.chain_pem,
      };
      expectRefused(
        await renew(tokenFor(forgedHeld)),
        401,
        /x5c\[0\] is not a certificate this service issued/,
      );
    });

    it('an x5c that is missing, malformed, or carries another chain after our certificate', async () => {
      expectRefused(await renew(tokenFor(held, { header: { x5c: undefined } })), 401, /no "x5c"/);
      expectRefused(
        await renew(tokenFor(held, { header: { x5c: ['not base64 !'] } })),
        401,
        /x5c\[0\] is not base64 DER/,
      );
      expectRefused(
        await renew(tokenFor(held, { header: { x5c: [Buffer.from('junk').toString('base64')] } })),
        401,
        /x5c\[0\] is not a DER certificate/,
      );
      const wrongChain = { ...held, chainPem: held.certificate.certificate + root.certificate };
      expectRefused(
        await renew(tokenFor(wrongChain)),
        401,
        /x5c\[1\] is not the certificate at that place in the chain of CA/,
      );
      expectRefused(await renew(tokenFor(held, { header: { crit: ['exp'] } })), 401, /"crit"/);
      expectRefused(await renew('not.a.jwt!'), 401, /not a signed JWT/);
      expectRefused(
        await renew(`${Buffer.from('{').toString('base64url')}.e30.c2ln`),
        401,
        /header is not base64url JSON/,
      );
    });
  });

  describe('refusing a certificate (403) and an owner', () => {
    it('a revoked certificate', async () => {
      const held = await hold(P256);
      await revokeCertificate(testApp, owner, held.certificate.id, { reason: 'superseded' });
      expectRefused(
        await renew(tokenFor(held), { csr: newKey(P256).csr }),
        403,
        new RegExp(`Certificate ${held.certificate.id} is revoked: it cannot be renewed`),
      );
    });

    it('an expired certificate: renewed within RENEWAL_GRACE_PERIOD_DAYS (2) after notAfter, refused beyond', async () => {
      // A certificate cannot be issued already expired: its stored notAfter is moved into the past.
      const within = await hold(P256);
      const beyond = await hold(P256);
      await testApp.dataSource.query(
        `UPDATE certificates SET not_after = now() - interval '1 day' WHERE id = $1`,
        [within.certificate.id],
      );
      await testApp.dataSource.query(
        `UPDATE certificates SET not_after = now() - interval '3 days' WHERE id = $1`,
        [beyond.certificate.id],
      );
      expect((await get(within.certificate.id)).status).toBe('expired');
      const renewed = await renew(tokenFor(within), { csr: newKey(P256).csr }).expect(201);
      expect(renewed.body).toMatchObject({ status: 'valid', renewed_from: within.certificate.id });
      expectRefused(
        await renew(tokenFor(beyond), { csr: newKey(P256).csr }),
        403,
        /expired at .* \(RENEWAL_GRACE_PERIOD_DAYS: a grace period of 2 days\): it cannot be renewed/,
      );
    });

    it('an owner who is disabled, or who may no longer issue', async () => {
      const member = await createMember(testApp, superuser, organization, { can_create_cert: true });
      const held = await hold(P256, {}, member);
      await testApp
        .http()
        .patch(`/api/v1/users/${member.id}`)
        .set(...bearer(admin))
        .send({ can_create_cert: false })
        .expect(200);
      expectRefused(
        await renew(tokenFor(held), { csr: newKey(P256).csr }),
        403,
        new RegExp(
          `Certificate ${held.certificate.id} cannot be renewed for its owner "${member.username}": You may not issue certificates under this CA \\(needs can_create_cert\\)`,
        ),
      );
      await testApp
        .http()
        .patch(`/api/v1/users/${member.id}`)
        .set(...bearer(superuser))
        .send({ can_create_cert: true, is_active: false })
        .expect(200);
      expectRefused(
        await renew(tokenFor(held), { csr: newKey(P256).csr }),
        403,
        new RegExp(`belongs to "${member.username}", who is disabled`),
      );
    });

    it('a CSR that does not parse (400), leaving the token unused', async () => {
      const held = await hold(P256);
      const token = tokenFor(held);
      expect((await renew(token, { csr: 'not a CSR' })).status).toBe(400);
      await renew(token, { csr: newKey(P256).csr }).expect(201);
    });
  });

  it('keeps no renewal token in any database row: used jtis are stored as SHA-256 only', async () => {
    expect(tokensSent.length).toBeGreaterThan(30);
    const tables: { name: string }[] = await testApp.dataSource.query(
      `SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema() AND c.relkind = 'r'`,
    );
    const dump: string[] = [];
    for (const { name } of tables) {
      const rows: { row: string }[] = await testApp.dataSource.query(
        `SELECT t::text AS row FROM "${name}" t`,
      );
      dump.push(...rows.map((row) => row.row));
    }
    const text = dump.join('\n');
    expect(tables.map((table) => table.name)).toContain('renewal_token_uses');
    for (const token of tokensSent) {
      const [header, payload, signature] = token.split('.');
      const jti = (JSON.parse(Buffer.from(payload, 'base64url').toString()) as { jti?: string }).jti;
      expect(text).not.toContain(header.slice(0, 40));
      expect(text).not.toContain(payload);
      if (signature) expect(text).not.toContain(signature);
      if (jti) expect(text).not.toContain(jti);
    }
    const uses: { size: number }[] = await testApp.dataSource.query(
      'SELECT length(jti_sha256) AS size FROM renewal_token_uses',
    );
    expect(uses.length).toBeGreaterThan(10);
    expect(new Set(uses.map((use) => Number(use.size)))).toEqual(new Set([32]));
  });
});

describe('POST /certificates/renew with the default grace period (RENEWAL_GRACE_PERIOD_DAYS=0)', () => {
  let testApp: TestApp;
  const ssl = new OpensslWorkspace();

  beforeAll(async () => {
    testApp = await startTestApp();
  });

  afterAll(async () => {
    await testApp.close();
    ssl.dispose();
  });

  it('refuses a certificate a minute past its notAfter, and tells the setting', async () => {
    const superuser = await createSuperuser(testApp);
    const root = await createRootCa(testApp, superuser, { name: 'Grace Root', key_type: 'ec' });
    const issued = (await issueCertificate(testApp, superuser, root.id, {
      common_name: 'grace.example.com',
      certificate_type: 'server',
      key_type: 'ec',
    })) as IssuedBody;
    await testApp.dataSource.query(
      `UPDATE certificates SET not_after = now() - interval '1 minute' WHERE id = $1`,
      [issued.id],
    );
    const token = renewalToken({
      keyPem: issued.private_key ?? '',
      chainPem: issued.certificate,
      audience: TEST_RENEW_AUDIENCE,
    });
    const { csr } = ssl.csr('grace', P256, '/CN=grace');
    const response = await testApp
      .http()
      .post('/api/v1/certificates/renew')
      .set('Authorization', `Bearer ${token}`)
      .send({ csr });
    expect(response.status).toBe(403);
    expect(response.body.detail).toMatch(/RENEWAL_GRACE_PERIOD_DAYS: no grace period/);
  });
});
