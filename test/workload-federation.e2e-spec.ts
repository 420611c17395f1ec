import { createHmac, createPublicKey, JsonWebKey } from 'node:crypto';
import {
  createAdmin,
  createMember,
  createOrganization,
  createRootCa,
  createSuperuser,
} from './support/fixtures';
import {
  closedPortUrl,
  GITHUB_MAIN_CLAIMS,
  GITHUB_MAIN_SUBJECT,
  OidcIssuer,
  startSilentServer,
} from './support/oidc-issuer';
import { OpensslWorkspace } from './support/openssl';
import { auditRows, CaBody, x509Text } from './support/pki';
import { bearer, startTestApp, TEST_PASSWORD, TestApp, TestUser } from './support/test-app';

const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';
const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';
const FETCH_TIMEOUT_MS = 1500;
const JWKS_CACHE_SECONDS = 4;
const JWKS_REFETCH_SECONDS = 1;
const MAX_MINUTES = 30;

const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const b64url = (value: object | string) =>
  Buffer.from(typeof value === 'string' ? value : JSON.stringify(value)).toString('base64url');

/**
 * OIDC workload identity federation (issue 17 item 3) against a real OpenID provider on loopback
 * (npm oidc-provider, test/support/oidc-provider.mjs): trust policies, the RFC 8693 exchange at
 * POST /auth/token and each of its refusals, JWKS rotation, the access token's lifetime, SAN
 * templates rendered from the claims and checked by the profile, and no ID token kept anywhere.
 */
describe('workload identity federation', () => {
  let oidc: OidcIssuer;
  let testApp: TestApp;
  let ssl: OpensslWorkspace;
  let superuser: TestUser;
  let orgA: number;
  let adminA: TestUser;
  let memberA: TestUser;
  let adminB: TestUser;
  let ca: CaBody;
  let ciProfile: { id: number; name: string };
  let plainProfile: { id: number };
  let account: { id: number; name: string };
  let otherAccount: { id: number };
  let policy: { id: number };
  /** Every ID token handed to the service, for the secrets check at the end. */
  const presented: string[] = [];
  let csrCounter = 0;

  beforeAll(async () => {
    oidc = await OidcIssuer.start();
    testApp = await startTestApp({
      FEDERATION_ALLOW_HTTP_ISSUERS: 'true',
      FEDERATION_FETCH_TIMEOUT_MS: String(FETCH_TIMEOUT_MS),
      FEDERATION_JWKS_CACHE_SECONDS: String(JWKS_CACHE_SECONDS),
      FEDERATION_JWKS_REFETCH_SECONDS: String(JWKS_REFETCH_SECONDS),
      WORKLOAD_TOKEN_MAX_MINUTES: String(MAX_MINUTES),
    });
    ssl = new OpensslWorkspace();
    superuser = await createSuperuser(testApp);
    orgA = await createOrganization(testApp, superuser);
    const orgB = await createOrganization(testApp, superuser);
    adminA = await createAdmin(testApp, superuser, orgA);
    memberA = await createMember(testApp, superuser, orgA, { can_create_cert: true });
    adminB = await createAdmin(testApp, superuser, orgB);
    ca = await createRootCa(testApp, adminA, { name: 'CI Root', key_type: 'ec', valid_days: 3650 });
    ciProfile = await created(
      post(adminA, '/profiles', {
        name: 'ci',
        certificate_types: ['server'],
        allowed_dns: ['*.ci.internal'],
        allowed_uris: ['spiffe://ci.internal/*'],
        max_validity_days: 30,
        san_templates: {
          dns_names: ['{{repository_owner}}.ci.internal'],
          uris: ['spiffe://ci.internal/gh/{{repository}}'],
        },
      }),
    );
    plainProfile = await created(
      post(adminA, '/profiles', { name: 'plain', allowed_dns: ['*.ci.internal'] }),
    );
    account = await created(
      post(adminA, '/service-accounts', { name: 'deploy', profile_ids: [ciProfile.id, plainProfile.id] }),
    );
    otherAccount = await created(
      post(adminA, '/service-accounts', { name: 'other', profile_ids: [plainProfile.id] }),
    );
    policy = await created(
      post(adminA, `/service-accounts/${account.id}/trust-policies`, {
        description: 'acme repositories, main and release tags',
        issuer: oidc.issuer,
        audience: 'pki-ca',
        bound_claims: { repository: 'acme/*', ref: ['refs/heads/main', 'refs/tags/v*'] },
        max_token_minutes: 5,
      }),
    );
  }, 120_000);

  afterAll(async () => {
    await testApp?.close();
    await oidc?.stop();
    ssl?.dispose();
  });

  function post(user: TestUser, path: string, body: object) {
    return testApp
      .http()
      .post(`/api/v1${path}`)
      .set(...bearer(user))
      .send(body);
  }

  async function created<T>(call: PromiseLike<{ status: number; text: string; body: T }>): Promise<T> {
    const response = await call;
    if (response.status !== 201) throw new Error(`answered ${response.status}: ${response.text}`);
    return response.body;
  }

  /** POST /auth/token with a token exchange, form-urlencoded as a CI job's curl sends it. */
  function exchange(subjectToken: string, extra: Record<string, string> = {}) {
    presented.push(subjectToken);
    return testApp
      .http()
      .post('/api/v1/auth/token')
      .type('form')
      .send({
        grant_type: TOKEN_EXCHANGE,
        subject_token: subjectToken,
        subject_token_type: JWT_TYPE,
        ...extra,
      });
  }

  async function accessTokenFor(subjectToken: string): Promise<string> {
    const response = await exchange(subjectToken);
    if (response.status !== 200) throw new Error(`exchange answered ${response.status}: ${response.text}`);
    return response.body.access_token as string;
  }

  /** A token with any claims signed by the provider's current key: GitHub's main-branch claims by default. */
  function signed(payload: Record<string, unknown> = {}, options: Parameters<OidcIssuer['sign']>[1] = {}) {
    return oidc.sign({ sub: GITHUB_MAIN_SUBJECT, aud: 'pki-ca', ...GITHUB_MAIN_CLAIMS, ...payload }, options);
  }

  async function expectRefused(subjectToken: string, detail: RegExp): Promise<void> {
    const response = await exchange(subjectToken);
    expect({ status: response.status, error: response.body.error }).toEqual({
      status: 401,
      error: 'invalid_grant',
    });
    expect(response.body.detail).toMatch(detail);
    expect(response.body.error_description).toBe(response.body.detail);
  }

  function csrFor(commonName: string, extensions: string[] = []): string {
    csrCounter += 1;
    const subject = commonName ? `/CN=${commonName}` : '/';
    return ssl.csr(
      `ci-${csrCounter}`,
      ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      subject,
      extensions,
    ).csr;
  }

  function signCsr(token: string, body: Record<string, unknown>) {
    return testApp
      .http()
      .post('/api/v1/certificates/sign-csr')
      .set('Authorization', `Bearer ${token}`)
      .send({ ca_id: ca.id, certificate_type: 'server', profile: 'ci', ...body });
  }

  describe('trust policies', () => {
    const path = () => `/service-accounts/${account.id}/trust-policies`;

    it('are created, listed and read by whoever manages the account', async () => {
      const list = await testApp
        .http()
        .get(`/api/v1${path()}`)
        .set(...bearer(adminA))
        .expect(200);
      expect(list.body).toEqual([
        {
          id: policy.id,
          service_account_id: account.id,
          description: 'acme repositories, main and release tags',
          issuer: oidc.issuer,
          audience: 'pki-ca',
          bound_claims: { repository: 'acme/*', ref: ['refs/heads/main', 'refs/tags/v*'] },
          max_token_minutes: 5,
          created_by_user_id: adminA.id,
          created_at: expect.any(String),
          updated_at: expect.any(String),
        },
      ]);
      const one = await testApp
        .http()
        .get(`/api/v1${path()}/${policy.id}`)
        .set(...bearer(superuser))
        .expect(200);
      expect(one.body).toEqual(list.body[0]);
      const [row] = await auditRows(testApp, 'trust_policy_create', policy.id);
      expect(row).toMatchObject({
        user_id: adminA.id,
        organization_id: orgA,
        resource_type: 'trust_policy',
        detail: {
          service_account_id: account.id,
          issuer: oidc.issuer,
          audience: 'pki-ca',
          bound_claims: ['repository', 'ref'],
        },
      });
    });

    it('are refused to a member, to another organization, and for an account that does not exist', async () => {
      const body = { issuer: oidc.issuer, audience: 'x', bound_claims: { repository: 'acme/app' } };
      expect((await post(memberA, path(), body)).status).toBe(403);
      expect((await post(adminB, path(), body)).status).toBe(403);
      expect(
        (
          await testApp
            .http()
            .get(`/api/v1${path()}`)
            .set(...bearer(adminB))
        ).status,
      ).toBe(403);
      expect((await post(adminA, '/service-accounts/999999/trust-policies', body)).status).toBe(404);
      // A person is no service account.
      expect((await post(superuser, `/service-accounts/${memberA.id}/trust-policies`, body)).status).toBe(
        404,
      );
    });

    it.each([
      [{ issuer: 'not a url' }, 'is not an absolute URL'],
      [{ issuer: 'ftp://issuer.example' }, 'must be an https URL'],
      [{ issuer: 'https://issuer.example/?tenant=1' }, 'may not have a query'],
      [{ bound_claims: {} }, 'must bind at least one claim'],
      [{ bound_claims: { repository: '*' } }, 'matches every value'],
      [{ bound_claims: { aud: 'pki-ca' } }, 'is checked by the trust policy itself'],
      [{ max_token_minutes: 0 }, 'max_token_minutes'],
    ])('refuses %j with a 400 naming the field', async (change, message) => {
      const response = await post(adminA, path(), {
        issuer: oidc.issuer,
        audience: 'pki-ca',
        bound_claims: { repository: 'acme/app' },
        ...change,
      });
      expect(response.status).toBe(400);
      expect(response.body.detail).toContain(message);
    });

    it('are changed and deleted, each change audited with the fields it touched', async () => {
      const spare = await created<{ id: number }>(
        post(adminA, path(), {
          issuer: 'https://gitlab.example.com',
          audience: 'pki-ca',
          bound_claims: { project_path: 'acme/app' },
        }),
      );
      const patched = await testApp
        .http()
        .patch(`/api/v1${path()}/${spare.id}`)
        .set(...bearer(adminA))
        .send({ bound_claims: { namespace_path: 'acme' }, max_token_minutes: 10 })
        .expect(200);
      expect(patched.body).toMatchObject({ bound_claims: { namespace_path: 'acme' }, max_token_minutes: 10 });
      const [update] = await auditRows(testApp, 'trust_policy_update', spare.id);
      expect(update.detail).toMatchObject({ fields: ['bound_claims', 'max_token_minutes'] });
      await testApp
        .http()
        .delete(`/api/v1${path()}/${spare.id}`)
        .set(...bearer(adminA))
        .expect(204);
      expect(await auditRows(testApp, 'trust_policy_delete', spare.id)).toHaveLength(1);
      await testApp
        .http()
        .get(`/api/v1${path()}/${spare.id}`)
        .set(...bearer(adminA))
        .expect(404);
      // Another account's policy id is not found under this one.
      await testApp
        .http()
        .get(`/api/v1/service-accounts/${otherAccount.id}/trust-policies/${policy.id}`)
        .set(...bearer(adminA))
        .expect(404);
    });
  });

  describe('the exchange', () => {
    it("trades the provider's real ID token for the account's access token (RFC 8693 §2.2.1)", async () => {
      const idToken = await oidc.idToken();
      const response = await exchange(idToken).expect(200);
      expect(response.body).toEqual({
        access_token: expect.any(String),
        issued_token_type: ACCESS_TOKEN_TYPE,
        token_type: 'bearer',
        expires_in: expect.any(Number),
      });
      // max_token_minutes 5 is less than the provider's 10-minute ID token.
      expect(response.body.expires_in).toBeGreaterThan(290);
      expect(response.body.expires_in).toBeLessThanOrEqual(300);
      expect(response.headers['cache-control']).toContain('no-store');
      const me = await testApp
        .http()
        .get('/api/v1/service-accounts')
        .set('Authorization', `Bearer ${response.body.access_token}`);
      // The account may issue, not administer.
      expect(me.status).toBe(403);
      const [row] = (await auditRows(testApp, 'token_exchange')).slice(-1);
      expect(row).toMatchObject({
        user_id: account.id,
        organization_id: orgA,
        resource_type: 'service_account',
        resource_id: account.id,
        detail: { trust_policy_id: policy.id, issuer: oidc.issuer, subject: GITHUB_MAIN_SUBJECT },
      });
      const [credential] = await testApp.dataSource.query(
        `SELECT credential FROM audit_logs WHERE action = 'token_exchange' ORDER BY id DESC LIMIT 1`,
      );
      expect(credential.credential).toBe(`workload:${policy.id}`);
    });

    it('takes JSON as the password grant does', async () => {
      const idToken = await oidc.idToken();
      presented.push(idToken);
      await testApp
        .http()
        .post('/api/v1/auth/token')
        .send({ grant_type: TOKEN_EXCHANGE, subject_token: idToken, subject_token_type: JWT_TYPE })
        .expect(200);
    });

    it('leaves the password grant as it was', async () => {
      const response = await testApp
        .http()
        .post('/api/v1/auth/token')
        .type('form')
        .send({ username: memberA.username, password: TEST_PASSWORD, grant_type: 'password' })
        .expect(200);
      expect(Object.keys(response.body).sort()).toEqual(['access_token', 'refresh_token', 'token_type']);
    });

    it.each([
      [{ subject_token: '' }, 'needs subject_token'],
      [{ subject_token_type: 'urn:ietf:params:oauth:token-type:id_token' }, 'subject_token_type must be'],
      [
        { requested_token_type: 'urn:ietf:params:oauth:token-type:refresh_token' },
        'only urn:ietf:params:oauth:token-type:access_token',
      ],
    ])('refuses a malformed request %j with 400 invalid_request', async (change, message) => {
      const response = await exchange(await signed(), change).expect(400);
      expect(response.body.error).toBe('invalid_request');
      expect(response.body.detail).toContain(message);
    });

    describe('refuses, each with 401 invalid_grant and the reason', () => {
      it('a token that is not a JWT', async () => {
        await expectRefused('not-a-jwt', /it is not a signed JWT/);
      });

      it('an expired token', async () => {
        await expectRefused(
          await signed({ iat: now() - 900, nbf: now() - 900, exp: now() - 120 }),
          /it expired at 20\d\d-/,
        );
      });

      it('a token not yet valid', async () => {
        await expectRefused(
          await signed({ nbf: now() + 600, exp: now() + 900 }),
          /it is not valid before 20\d\d-/,
        );
      });

      it('a token of an issuer no policy trusts, signed with the real key', async () => {
        await expectRefused(
          await signed({ iss: 'https://token.actions.githubusercontent.com' }),
          /no trust policy trusts its issuer "https:\/\/token\.actions\.githubusercontent\.com"/,
        );
        await expectRefused(await signed({ iss: `${oidc.issuer}/` }), /no trust policy trusts its issuer/);
      });

      it('a real ID token for another audience', async () => {
        await expectRefused(
          await oidc.idToken(GITHUB_MAIN_CLAIMS, { audience: 'some-other-service' }),
          /its audience \["some-other-service"\] is not that of any trust policy for issuer/,
        );
      });

      it('a key id the JWKS does not have', async () => {
        await expectRefused(
          await signed({}, { header: { kid: 'no-such-key' } }),
          /its key id "no-such-key" is not in the issuer's JWKS/,
        );
      });

      it('alg "none"', async () => {
        const payload = {
          iss: oidc.issuer,
          aud: 'pki-ca',
          sub: GITHUB_MAIN_SUBJECT,
          ...GITHUB_MAIN_CLAIMS,
          exp: now() + 300,
        };
        await expectRefused(
          `${b64url({ alg: 'none', typ: 'JWT' })}.${b64url(payload)}.`,
          /its algorithm "none" is not accepted/,
        );
      });

      it("HS256 with the JWKS's public key as the HMAC secret", async () => {
        const jwks = (await (await fetch(`${oidc.issuer}/jwks`)).json()) as {
          keys: (JsonWebKey & { kid: string })[];
        };
        const [key] = jwks.keys;
        const pem = createPublicKey({ key, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
        const payload = {
          iss: oidc.issuer,
          aud: 'pki-ca',
          sub: GITHUB_MAIN_SUBJECT,
          ...GITHUB_MAIN_CLAIMS,
          exp: now() + 300,
        };
        for (const secret of [pem, JSON.stringify(key)]) {
          const input = `${b64url({ alg: 'HS256', typ: 'JWT', kid: key.kid })}.${b64url(payload)}`;
          const signature = createHmac('sha256', secret).update(input).digest('base64url');
          await expectRefused(`${input}.${signature}`, /its algorithm "HS256" is not accepted/);
        }
      });

      it('a real ID token whose claims were changed after signing', async () => {
        const [header, , signature] = (await oidc.idToken()).split('.');
        const payload = {
          iss: oidc.issuer,
          aud: 'pki-ca',
          sub: GITHUB_MAIN_SUBJECT,
          ...GITHUB_MAIN_CLAIMS,
          exp: now() + 300,
        };
        await expectRefused(`${header}.${b64url(payload)}.${signature}`, /its signature does not verify/);
      });

      it('a real ID token whose claim does not match, naming the claim and the value it has', async () => {
        await expectRefused(
          await oidc.idToken(
            { ...GITHUB_MAIN_CLAIMS, ref: 'refs/heads/dev' },
            { sub: 'repo:acme/app:ref:refs/heads/dev' },
          ),
          new RegExp(`claim "ref" \\("refs/heads/dev"\\) does not match trust policy ${policy.id}`),
        );
        await expectRefused(
          await oidc.idToken({ ...GITHUB_MAIN_CLAIMS, repository: 'evil/app', repository_owner: 'evil' }),
          /claim "repository" \("evil\/app"\) does not match/,
        );
        await expectRefused(await signed({ repository: undefined }), /claim "repository" \(absent\)/);
      });

      it('a token for a disabled account, whose issued tokens stop working too', async () => {
        const earlier = await accessTokenFor(await oidc.idToken());
        const patch = (enabled: boolean) =>
          testApp
            .http()
            .patch(`/api/v1/service-accounts/${account.id}`)
            .set(...bearer(adminA))
            .send({ enabled })
            .expect(200);
        await patch(false);
        try {
          await expectRefused(await oidc.idToken(), /service account "deploy" \(\d+\) is disabled/);
          await signCsr(earlier, { csr: csrFor('acme.ci.internal') }).expect(401);
        } finally {
          await patch(true);
        }
      });
    });

    it('answers 503 within the timeout when the issuer refuses connections', async () => {
      const issuer = await closedPortUrl();
      const unreachable = await created<{ id: number }>(
        post(adminA, `/service-accounts/${otherAccount.id}/trust-policies`, {
          issuer,
          audience: 'pki-ca',
          bound_claims: { repository: 'acme/*' },
        }),
      );
      const started = Date.now();
      const response = await exchange(await signed({ iss: issuer })).expect(503);
      expect(Date.now() - started).toBeLessThan(3000);
      expect(response.body).toMatchObject({ error: 'temporarily_unavailable' });
      expect(response.body.detail).toBe(
        `The OIDC issuer ${issuer} cannot be reached to verify the token: fetching its discovery document at ` +
          `${issuer}/.well-known/openid-configuration failed: connection refused; retry later`,
      );
      expect(response.headers['retry-after']).toBe('30');
      await testApp
        .http()
        .delete(`/api/v1/service-accounts/${otherAccount.id}/trust-policies/${unreachable.id}`)
        .set(...bearer(adminA))
        .expect(204);
    });

    it('answers 503 after FEDERATION_FETCH_TIMEOUT_MS when the issuer never answers, not a hang', async () => {
      const silent = await startSilentServer();
      try {
        const hanging = await created<{ id: number }>(
          post(adminA, `/service-accounts/${otherAccount.id}/trust-policies`, {
            issuer: silent.url,
            audience: 'pki-ca',
            bound_claims: { repository: 'acme/*' },
          }),
        );
        const started = Date.now();
        const response = await exchange(await signed({ iss: silent.url })).expect(503);
        const elapsed = Date.now() - started;
        expect(elapsed).toBeGreaterThanOrEqual(FETCH_TIMEOUT_MS - 100);
        expect(elapsed).toBeLessThan(FETCH_TIMEOUT_MS + 2000);
        expect(response.body.detail).toContain(`timed out after ${FETCH_TIMEOUT_MS} ms`);
        await testApp
          .http()
          .delete(`/api/v1/service-accounts/${otherAccount.id}/trust-policies/${hanging.id}`)
          .set(...bearer(adminA))
          .expect(204);
      } finally {
        await silent.close();
      }
    });

    it("never lets the access token outlive the ID token, the policy's cap or WORKLOAD_TOKEN_MAX_MINUTES", async () => {
      const short = await exchange(await signed({ exp: now() + 60 })).expect(200);
      expect(short.body.expires_in).toBeLessThanOrEqual(60);
      expect(short.body.expires_in).toBeGreaterThan(50);
      const claims = JSON.parse(
        Buffer.from(short.body.access_token.split('.')[1], 'base64url').toString(),
      ) as {
        iat: number;
        exp: number;
        sub: string;
        cred: { kind: string; tp: number; claims: Record<string, string> };
      };
      expect(claims.exp - claims.iat).toBeLessThanOrEqual(61);
      expect(claims.sub).toBe(String(account.id));
      expect(claims.cred).toMatchObject({
        kind: 'workload',
        tp: policy.id,
        claims: { repository: 'acme/app', sub: GITHUB_MAIN_SUBJECT },
      });
      const uncapped = `/api/v1/service-accounts/${account.id}/trust-policies/${policy.id}`;
      await testApp
        .http()
        .patch(uncapped)
        .set(...bearer(adminA))
        .send({ max_token_minutes: null })
        .expect(200);
      try {
        const long = await exchange(await signed({ exp: now() + 7200 })).expect(200);
        expect(long.body.expires_in).toBe(MAX_MINUTES * 60);
      } finally {
        await testApp
          .http()
          .patch(uncapped)
          .set(...bearer(adminA))
          .send({ max_token_minutes: 5 })
          .expect(200);
      }
    });

    it('asks which account when the token satisfies policies of several, and acts as the one named', async () => {
      const twin = await created<{ id: number }>(
        post(adminA, `/service-accounts/${otherAccount.id}/trust-policies`, {
          issuer: oidc.issuer,
          audience: 'pki-ca',
          bound_claims: { repository_owner: 'acme' },
        }),
      );
      try {
        const idToken = await oidc.idToken();
        const ambiguous = await exchange(idToken).expect(400);
        expect(ambiguous.body.error).toBe('invalid_request');
        expect(ambiguous.body.detail).toContain(
          `several service accounts (${account.id}, ${otherAccount.id})`,
        );
        const named = await exchange(idToken, { service_account_id: String(otherAccount.id) }).expect(200);
        const sub = JSON.parse(
          Buffer.from(named.body.access_token.split('.')[1], 'base64url').toString(),
        ).sub;
        expect(sub).toBe(String(otherAccount.id));
      } finally {
        await testApp
          .http()
          .delete(`/api/v1/service-accounts/${otherAccount.id}/trust-policies/${twin.id}`)
          .set(...bearer(adminA))
          .expect(204);
      }
    });
  });

  describe('JWKS rotation', () => {
    it('fetches the keys again for a new key id, at most once per FEDERATION_JWKS_REFETCH_SECONDS, and drops a retired key', async () => {
      const [oldKid] = (await oidc.keys()).kids;
      const oldToken = await oidc.idToken();
      await accessTokenFor(oldToken);
      const [newKid] = await oidc.rotate();
      expect(newKid).not.toBe(oldKid);
      const newToken = await oidc.idToken();
      expect(JSON.parse(Buffer.from(newToken.split('.')[0], 'base64url').toString()).kid).toBe(newKid);
      await sleep(JWKS_REFETCH_SECONDS * 1000 + 100);
      const before = await oidc.stats();
      // The cached set lacks the new key: one fetch, and the token verifies.
      await accessTokenFor(newToken);
      const after = await oidc.stats();
      expect(after.jwks - before.jwks).toBe(1);
      // The old key is still published: its tokens still verify.
      await accessTokenFor(oldToken);
      // Made-up key ids do not make the service hammer the issuer.
      for (let i = 0; i < 5; i += 1) {
        await expectRefused(
          await signed({}, { header: { kid: `made-up-${i}` } }),
          /is not in the issuer's JWKS/,
        );
      }
      expect((await oidc.stats()).jwks - after.jwks).toBeLessThanOrEqual(1);
      await oidc.retire();
      // Once the cache has expired the retired key is gone; the new one still verifies.
      await sleep(JWKS_CACHE_SECONDS * 1000 + 200);
      await expectRefused(oldToken, new RegExp(`its key id "${oldKid}" is not in the issuer's JWKS`));
      await accessTokenFor(await oidc.idToken());
    });
  });

  describe('SAN templates', () => {
    let workloadToken: string;

    beforeAll(async () => {
      workloadToken = await accessTokenFor(await oidc.idToken());
    });

    it('exchange, then sign-csr through the templated profile: the SANs are the rendered ones, verified by openssl', async () => {
      const response = await signCsr(workloadToken, { csr: csrFor('acme.ci.internal') }).expect(201);
      expect(response.body).toMatchObject({
        common_name: 'acme.ci.internal',
        san_dns_names: ['acme.ci.internal'],
        san_uris: ['spiffe://ci.internal/gh/acme/app'],
        created_by_user_id: account.id,
        profile_id: ciProfile.id,
      });
      const text = x509Text(ssl, response.body.certificate);
      expect(text).toContain('DNS:acme.ci.internal');
      expect(text).toContain('URI:spiffe://ci.internal/gh/acme/app');
      const caFile = ssl.write('ci-root.pem', ca.certificate);
      const certFile = ssl.write('ci-leaf.pem', response.body.certificate);
      const verified = ssl.run(['verify', '-CAfile', caFile, '-purpose', 'sslserver', certFile]);
      expect(verified).toEqual({ ok: true, output: expect.stringContaining(': OK') });
      const [row] = (await auditRows(testApp, 'cert_sign_csr', response.body.id)) as { detail: unknown }[];
      expect(row).toBeDefined();
      const [audit] = await testApp.dataSource.query(
        `SELECT credential, user_id FROM audit_logs WHERE action = 'cert_sign_csr' AND resource_id = $1`,
        [response.body.id],
      );
      expect(audit).toEqual({ credential: `workload:${policy.id}`, user_id: account.id });
    });

    it('also for a server-generated key, and with the rendered names asked for', async () => {
      const response = await testApp
        .http()
        .post(`/api/v1/certificates/?ca_id=${ca.id}`)
        .set('Authorization', `Bearer ${workloadToken}`)
        .send({
          certificate_type: 'server',
          key_type: 'ec',
          profile: 'ci',
          subject_dn: 'CN=acme.ci.internal',
          common_name: 'acme.ci.internal',
          san_dns_names: ['ACME.ci.internal'],
        });
      expect(response.status === 201 ? 'created' : response.text).toBe('created');
      expect(response.body.san_dns_names).toEqual(['acme.ci.internal']);
    });

    it.each([
      [
        { csr: 'other.ci.internal' },
        'common_name "other.ci.internal" is not one of the SANs profile "ci" renders for this workload',
      ],
      [
        { csr: '', san_dns_names: ['other.ci.internal'] },
        'san_dns_names[0] "other.ci.internal" is not one of the SANs',
      ],
      [
        { csr: '', san_uris: ['spiffe://ci.internal/gh/evil/app'] },
        'san_uris[0] "spiffe://ci.internal/gh/evil/app"',
      ],
    ])('refuses a name that is not a rendered one: %j', async ({ csr, ...sans }, message) => {
      const response = await signCsr(workloadToken, { csr: csrFor(csr), ...sans }).expect(400);
      expect(response.body.detail).toContain(message);
    });

    it('refuses a SAN in the CSR that is not a rendered one', async () => {
      const response = await signCsr(workloadToken, {
        csr: csrFor('acme.ci.internal', ['subjectAltName=DNS:acme.ci.internal,DNS:evil.example']),
      }).expect(400);
      expect(response.body.detail).toContain('san_dns_names[1] "evil.example" is not one of the SANs');
    });

    it('refuses claim values that would escape the template: a dot, a wildcard', async () => {
      for (const owner of ['evil.com', '*']) {
        const token = await accessTokenFor(await signed({ repository_owner: owner }));
        const response = await signCsr(token, { csr: csrFor('') }).expect(400);
        expect(response.body.detail).toContain(
          `claim "repository_owner" ("${owner}") cannot be written into a DNS name`,
        );
      }
      const token = await accessTokenFor(await signed({ repository: 'acme/../../etc' }));
      const response = await signCsr(token, { csr: csrFor('') }).expect(400);
      expect(response.body.detail).toContain(
        'claim "repository" ("acme/../../etc") cannot be written into a URI',
      );
    });

    it("checks the rendered names with the profile's other rules", async () => {
      const narrow = await created<{ id: number }>(
        post(adminA, '/profiles', {
          name: 'narrow',
          allowed_dns: ['*.other.internal'],
          san_templates: { dns_names: ['{{repository_owner}}.ci.internal'] },
        }),
      );
      await testApp
        .http()
        .patch(`/api/v1/service-accounts/${account.id}`)
        .set(...bearer(adminA))
        .send({ profile_ids: [ciProfile.id, plainProfile.id, narrow.id] })
        .expect(200);
      const token = await accessTokenFor(await oidc.idToken());
      const response = await signCsr(token, { csr: csrFor(''), profile: 'narrow' }).expect(400);
      expect(response.body.detail).toBe(
        'san_dns_names[0] "acme.ci.internal" is not allowed by profile "narrow" (allowed: *.other.internal)',
      );
    });

    it('refuses a templated profile to a caller without workload claims, with the way to get them', async () => {
      const response = await testApp
        .http()
        .post('/api/v1/certificates/sign-csr')
        .set(...bearer(adminA))
        .send({ ca_id: ca.id, certificate_type: 'server', profile: 'ci', csr: csrFor('acme.ci.internal') })
        .expect(400);
      expect(response.body.detail).toBe(
        'profile "ci" renders its SANs from the claims of a CI workload (san_templates): issue with an access token ' +
          'from an OIDC token exchange (POST /auth/token, grant_type=urn:ietf:params:oauth:grant-type:token-exchange)',
      );
    });

    it('shows the templates on the profile, and refuses templates that could escape their domain', async () => {
      const profile = await testApp
        .http()
        .get(`/api/v1/profiles/${ciProfile.id}`)
        .set(...bearer(adminA))
        .expect(200);
      expect(profile.body.san_templates).toEqual({
        dns_names: ['{{repository_owner}}.ci.internal'],
        uris: ['spiffe://ci.internal/gh/{{repository}}'],
      });
      const refused = await testApp
        .http()
        .patch(`/api/v1/profiles/${ciProfile.id}`)
        .set(...bearer(adminA))
        .send({ san_templates: { dns_names: ['ci.{{repository_owner}}'] } })
        .expect(400);
      expect(refused.body.detail).toContain('needs a fixed domain of at least two labels');
    });
  });

  describe('after a trust policy is deleted', () => {
    it('its tokens are no longer exchanged', async () => {
      const idToken = await oidc.idToken();
      await testApp
        .http()
        .delete(`/api/v1/service-accounts/${account.id}/trust-policies/${policy.id}`)
        .set(...bearer(adminA))
        .expect(204);
      await expectRefused(idToken, /no trust policy trusts its issuer/);
    });
  });

  describe('secrets', () => {
    it('keeps no ID token, nor any of their signatures, in any database row', async () => {
      expect(presented.length).toBeGreaterThan(20);
      const tables: { table_name: string }[] = await testApp.dataSource.query(
        `SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'`,
      );
      const signatures = presented
        .map((token) => token.split('.')[2])
        .filter((part) => part && part.length > 20);
      for (const { table_name: table } of tables) {
        const rows: { row: string }[] = await testApp.dataSource.query(
          `SELECT row_to_json(t)::text AS row FROM "${table}" t`,
        );
        const text = rows.map((entry) => entry.row).join('\n');
        for (const signature of signatures)
          expect(text.includes(signature) ? `${table} holds a token` : 'clean').toBe('clean');
      }
    });
  });
});
