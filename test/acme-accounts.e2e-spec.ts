import { Client } from 'acme-client';
import { createSecretKey } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.setup';
import {
  AcmeProfileBody,
  AcmeTestApp,
  acmeFixture,
  createAcmeProfile,
  startListeningTestApp,
} from './support/acme';
import {
  AccountKey,
  accountKey,
  AcmeReply,
  eabBinding,
  randomHmacKey,
  RawAcme,
  signJws,
  unsignedJws,
} from './support/acme-jws';
import { createAdmin, createMember, createOrganization, createRootCa } from './support/fixtures';
import { CaBody } from './support/pki';
import { itWithPostgres } from './support/postgres-only';
import { eventually, freePort, Service, START_TIMEOUT_MS, startService } from './support/service-process';
import { bearer, TEST_PASSWORD, TestApp, TestUser } from './support/test-app';
import { createTestDatabase } from './support/test-database';

const ERROR = 'urn:ietf:params:acme:error:';

interface EabKeyBody {
  kid: string;
  hmac_key: string;
  algorithm: string;
  profile_id: number;
  description: string | null;
  directory_url: string;
  created_at: string;
  account_id: number | null;
  bound_at: string | null;
  revoked_at: string | null;
}

interface AccountBody {
  id: number;
  profile_id: number;
  organization_id: number | null;
  status: string;
  contact: string[];
  terms_of_service_agreed: boolean;
  eab_kid: string | null;
  jwk_thumbprint: string;
  created_at: string;
}

/** What every ACME answer carries (RFC 8555 6.5, 7.1): a fresh nonce, the directory link, no caching. */
function expectAcmeHeaders(reply: AcmeReply, directoryUrl: string): void {
  expect(reply.headers.get('replay-nonce')).toMatch(/^[A-Za-z0-9_-]{16,}$/);
  expect(reply.headers.get('link')).toContain(`<${directoryUrl}>;rel="index"`);
  expect(reply.headers.get('cache-control')).toBe('no-store');
}

function expectProblem(
  reply: AcmeReply,
  directoryUrl: string,
  type: string,
  status: number,
): Record<string, unknown> {
  expect({ status: reply.status, type: reply.body.type }).toEqual({ status, type: ERROR + type });
  expect(reply.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  expect(reply.body).toMatchObject({ status, detail: expect.any(String) });
  expectAcmeHeaders(reply, directoryUrl);
  return reply.body;
}

describe('ACME accounts (RFC 8555 7.3) and their administration', () => {
  let testApp: AcmeTestApp;
  let superuser: TestUser;
  let orgA: number;
  let adminA: TestUser;
  let memberA: TestUser;
  let adminB: TestUser;
  let profileA: AcmeProfileBody;
  let profileB: AcmeProfileBody;
  let openProfile: AcmeProfileBody;
  let disabledProfile: AcmeProfileBody;
  let acmeA: RawAcme;
  let acmeB: RawAcme;
  let open: RawAcme;

  const createEabKey = async (profile: { id: number }, user: TestUser = adminA): Promise<EabKeyBody> => {
    const response = await testApp
      .http()
      .post(`/api/v1/profiles/${profile.id}/acme-eab-keys`)
      .set(...bearer(user))
      .send({ description: 'spec' });
    if (response.status !== 201) throw new Error(`EAB key: ${response.status} ${response.text}`);
    return response.body as EabKeyBody;
  };

  const eabKeysOf = async (profile: { id: number }): Promise<EabKeyBody[]> =>
    (
      await testApp
        .http()
        .get(`/api/v1/profiles/${profile.id}/acme-eab-keys`)
        .set(...bearer(adminA))
        .expect(200)
    ).body as EabKeyBody[];

  const accountIdOf = (location: string | null): number =>
    Number(/\/account\/(\d+)$/.exec(location ?? '')?.[1]);

  const clientFor = (server: RawAcme, key: AccountKey, eab?: EabKeyBody): Client =>
    new Client({
      directoryUrl: server.directoryUrl,
      accountKey: key.pem,
      ...(eab && { externalAccountBinding: { kid: eab.kid, hmacKey: eab.hmac_key } }),
    });

  /** A registered account of the open profile (no EAB): its key and URL. */
  const openAccount = async (): Promise<{ key: AccountKey; url: string; id: number }> => {
    const key = await accountKey();
    const reply = await open.newAccount(key);
    expect(reply.status).toBe(201);
    const url = reply.headers.get('location') ?? '';
    return { key, url, id: accountIdOf(url) };
  };

  const auditRows = async (action: string): Promise<Record<string, unknown>[]> =>
    testApp.dataSource.query(`SELECT * FROM audit_logs WHERE action = $1 ORDER BY id`, [action]);

  beforeAll(async () => {
    testApp = await startListeningTestApp();
    ({ superuser } = await acmeFixture(testApp));
    orgA = await createOrganization(testApp, superuser, 'acme-a');
    const orgB = await createOrganization(testApp, superuser, 'acme-b');
    adminA = await createAdmin(testApp, superuser, orgA);
    memberA = await createMember(testApp, superuser, orgA, { can_create_ca: true, can_create_cert: true });
    adminB = await createAdmin(testApp, superuser, orgB);
    const caOf = (admin: TestUser, name: string): Promise<CaBody> =>
      createRootCa(testApp, admin, { name, key_type: 'ec', key_size: 256 });
    const caA = await caOf(adminA, 'ACME A');
    const caB = await caOf(adminB, 'ACME B');
    profileA = await createAcmeProfile(testApp, adminA, caA, { name: 'acme a' });
    profileB = await createAcmeProfile(testApp, adminB, caB, { name: 'acme b' });
    openProfile = await createAcmeProfile(testApp, adminA, caA, {
      name: 'acme open',
      acme_eab_required: false,
    });
    disabledProfile = await createAcmeProfile(testApp, adminA, caA, {
      name: 'acme later',
      acme_enabled: false,
    });
    acmeA = new RawAcme(profileA.acme_directory_url ?? '');
    acmeB = new RawAcme(profileB.acme_directory_url ?? '');
    open = new RawAcme(openProfile.acme_directory_url ?? '');
  });

  afterAll(() => testApp.close());

  describe('newNonce and the directory', () => {
    it('answers HEAD with 200 and GET with 204, each with a fresh nonce and no-store (RFC 8555 7.2)', async () => {
      const head = await acmeA.get(acmeA.url('new-nonce'), 'HEAD');
      const get = await acmeA.get(acmeA.url('new-nonce'));
      expect([head.status, get.status]).toEqual([200, 204]);
      for (const reply of [head, get]) expectAcmeHeaders(reply, acmeA.directoryUrl);
      expect(head.headers.get('replay-nonce')).not.toBe(get.headers.get('replay-nonce'));
    });

    it('serves the directory, saying whether EAB is required', async () => {
      const reply = await acmeA.get(acmeA.directoryUrl);
      expect(reply.status).toBe(200);
      expectAcmeHeaders(reply, acmeA.directoryUrl);
      expect(reply.body).toMatchObject({
        newNonce: acmeA.url('new-nonce'),
        newAccount: acmeA.url('new-account'),
        keyChange: acmeA.url('key-change'),
        meta: { externalAccountRequired: true },
      });
      expect((await open.get(open.directoryUrl)).body).toMatchObject({
        meta: { externalAccountRequired: false },
      });
    });

    it('answers 404 problems for an unknown profile and a profile without acme_enabled', async () => {
      const slugs = ['nothing-999999', `acme-later-${disabledProfile.id}`, 'not a slug'];
      for (const slug of slugs) {
        const directory = `${testApp.baseUrl}/acme/${encodeURIComponent(slug)}/directory`;
        const server = new RawAcme(directory);
        expectProblem(await server.get(directory), directory, 'malformed', 404);
        expectProblem(await server.get(server.url('new-nonce'), 'GET'), directory, 'malformed', 404);
        expectProblem(await server.post(server.url('new-account'), '{}'), directory, 'malformed', 404);
      }
    });

    it('answers a 404 problem for a path no ACME resource has', async () => {
      expectProblem(await acmeA.get(acmeA.url('nothing-here')), acmeA.directoryUrl, 'malformed', 404);
      expectProblem(await acmeA.post(acmeA.url('account/abc'), '{}'), acmeA.directoryUrl, 'malformed', 404);
    });
  });

  describe('newAccount with an external account binding (RFC 8555 7.3.4)', () => {
    it('refuses an account without a binding where the profile requires one', async () => {
      const key = await accountKey();
      const problem = expectProblem(
        await acmeA.newAccount(key),
        acmeA.directoryUrl,
        'externalAccountRequired',
        400,
      );
      expect(problem.detail).toContain('external account binding');
      await expect(clientFor(acmeA, key).createAccount({ termsOfServiceAgreed: true })).rejects.toThrow(
        /external account binding/,
      );
    });

    it('registers acme-client with an HS256 binding and binds the key to that account', async () => {
      const eab = await createEabKey(profileA);
      const key = await accountKey();
      const client = clientFor(acmeA, key, eab);
      const account = await client.createAccount({
        termsOfServiceAgreed: true,
        contact: ['mailto:ops@example.com'],
      });
      expect(account).toMatchObject({ status: 'valid', contact: ['mailto:ops@example.com'] });
      const id = accountIdOf(client.getAccountUrl());
      const bound = (await eabKeysOf(profileA)).find((candidate) => candidate.kid === eab.kid);
      expect(bound).toMatchObject({ account_id: id, bound_at: expect.any(String), revoked_at: null });
      const rest = await testApp
        .http()
        .get(`/api/v1/acme-accounts/${id}`)
        .set(...bearer(adminA))
        .expect(200);
      expect(rest.body).toMatchObject({
        id,
        profile_id: profileA.id,
        organization_id: orgA,
        eab_kid: eab.kid,
      });
    });

    it.each(['HS384', 'HS512'] as const)('accepts a binding MACed with %s', async (alg) => {
      const eab = await createEabKey(profileA);
      const reply = await acmeA.newAccount(
        await accountKey(),
        {},
        { kid: eab.kid, hmacKey: eab.hmac_key, alg },
      );
      expect(reply.status).toBe(201);
      expectAcmeHeaders(reply, acmeA.directoryUrl);
      expect(reply.headers.get('location')).toMatch(new RegExp(`^${acmeA.url('account/')}\\d+$`));
    });

    it('refuses a key already bound to an account', async () => {
      const eab = await createEabKey(profileA);
      expect(
        (await acmeA.newAccount(await accountKey(), {}, { kid: eab.kid, hmacKey: eab.hmac_key })).status,
      ).toBe(201);
      const again = await acmeA.newAccount(await accountKey(), {}, { kid: eab.kid, hmacKey: eab.hmac_key });
      expect(expectProblem(again, acmeA.directoryUrl, 'unauthorized', 403).detail).toContain('already bound');
    });

    it('refuses a wrong MAC, an unknown kid and a kid with a NUL, and a refused binding burns no key', async () => {
      const eab = await createEabKey(profileA);
      const key = await accountKey();
      const wrongMac = await acmeA.newAccount(key, {}, { kid: eab.kid, hmacKey: randomHmacKey() });
      expect(expectProblem(wrongMac, acmeA.directoryUrl, 'unauthorized', 403).detail).toContain('MAC');
      const unknown = await acmeA.newAccount(
        key,
        {},
        { kid: 'eab_000000000000000000000000', hmacKey: eab.hmac_key },
      );
      expectProblem(unknown, acmeA.directoryUrl, 'unauthorized', 403);
      const nul = await acmeA.newAccount(key, {}, { kid: `${eab.kid}\u0000`, hmacKey: eab.hmac_key });
      expect(nul.status).toBeGreaterThanOrEqual(400);
      expect(nul.status).toBeLessThan(500);
      expect((await acmeA.newAccount(key, {}, { kid: eab.kid, hmacKey: eab.hmac_key })).status).toBe(201);
    });

    it('refuses a binding whose payload is not the account key, or that has a nonce', async () => {
      const eab = await createEabKey(profileA);
      const key = await accountKey();
      const url = acmeA.url('new-account');
      const otherKey = await eabBinding(eab.kid, eab.hmac_key, url, (await accountKey()).jwk);
      const withOtherKey = await acmeA.post(
        url,
        await acmeA.signed(url, key, { termsOfServiceAgreed: true, externalAccountBinding: otherKey }),
      );
      expectProblem(withOtherKey, acmeA.directoryUrl, 'malformed', 400);
      const secret = createSecretKey(Buffer.from(eab.hmac_key, 'base64url'));
      const withNonce = await signJws(secret, { alg: 'HS256', kid: eab.kid, url, nonce: 'abc' }, key.jwk);
      const reply = await acmeA.post(
        url,
        await acmeA.signed(url, key, { termsOfServiceAgreed: true, externalAccountBinding: withNonce }),
      );
      expectProblem(reply, acmeA.directoryUrl, 'malformed', 400);
    });

    it('refuses a revoked key; the account it bound before keeps working', async () => {
      const eab = await createEabKey(profileA);
      const boundKey = await accountKey();
      const bound = await acmeA.newAccount(boundKey, {}, { kid: eab.kid, hmacKey: eab.hmac_key });
      const unused = await createEabKey(profileA);
      for (const key of [eab, unused]) {
        await testApp
          .http()
          .delete(`/api/v1/profiles/${profileA.id}/acme-eab-keys/${key.kid}`)
          .set(...bearer(adminA))
          .expect(204);
      }
      const refused = await acmeA.newAccount(
        await accountKey(),
        {},
        { kid: unused.kid, hmacKey: unused.hmac_key },
      );
      expect(expectProblem(refused, acmeA.directoryUrl, 'unauthorized', 403).detail).toContain('revoked');
      const url = bound.headers.get('location') ?? '';
      expect((await acmeA.post(url, await acmeA.signed(url, boundKey, '', { kid: url }))).status).toBe(200);
    });

    it("refuses another profile's key", async () => {
      const eab = await createEabKey(profileB, adminB);
      const reply = await acmeA.newAccount(await accountKey(), {}, { kid: eab.kid, hmacKey: eab.hmac_key });
      expectProblem(reply, acmeA.directoryUrl, 'unauthorized', 403);
      expect(
        (await acmeB.newAccount(await accountKey(), {}, { kid: eab.kid, hmacKey: eab.hmac_key })).status,
      ).toBe(201);
    });

    it('needs no binding where the profile does not require one, and checks one given anyway', async () => {
      expect((await open.newAccount(await accountKey())).status).toBe(201);
      const eab = await createEabKey(profileA);
      const reply = await open.newAccount(await accountKey(), {}, { kid: eab.kid, hmacKey: eab.hmac_key });
      expectProblem(reply, open.directoryUrl, 'unauthorized', 403);
    });
  });

  describe('existing accounts', () => {
    it('answers the same key twice with 200 and the same Location (RFC 8555 7.3.1)', async () => {
      const { key, url } = await openAccount();
      const again = await open.newAccount(key);
      expect(again.status).toBe(200);
      expect(again.headers.get('location')).toBe(url);
      expectAcmeHeaders(again, open.directoryUrl);
      const existing = await open.newAccount(key, { onlyReturnExisting: true });
      expect([existing.status, existing.headers.get('location')]).toEqual([200, url]);
    });

    it('answers onlyReturnExisting for an unknown key with accountDoesNotExist', async () => {
      const reply = await open.newAccount(await accountKey(), { onlyReturnExisting: true });
      expectProblem(reply, open.directoryUrl, 'accountDoesNotExist', 400);
    });

    it('refuses a kid no account of this server has', async () => {
      const key = await accountKey();
      const { url: otherProfileAccount } = await (async () => {
        const eab = await createEabKey(profileA);
        const reply = await acmeA.newAccount(key, {}, { kid: eab.kid, hmacKey: eab.hmac_key });
        return { url: reply.headers.get('location') ?? '' };
      })();
      const sameIdHere = open.url(`account/${accountIdOf(otherProfileAccount)}`);
      for (const kid of [open.url('account/999999'), sameIdHere, otherProfileAccount, 'nonsense']) {
        const reply = await open.post(
          open.url('new-order'),
          await open.signed(open.url('new-order'), key, {}, { kid }),
        );
        expectProblem(reply, open.directoryUrl, 'accountDoesNotExist', 400);
      }
    });

    it('deactivates an account at its request: its next request is refused (RFC 8555 7.3.6)', async () => {
      const key = await accountKey();
      const client = clientFor(open, key);
      await client.createAccount({ termsOfServiceAgreed: true });
      expect(await client.updateAccount({ status: 'deactivated' })).toMatchObject({ status: 'deactivated' });
      const url = client.getAccountUrl();
      const reply = await open.post(url, await open.signed(url, key, '', { kid: url }));
      expect(expectProblem(reply, open.directoryUrl, 'unauthorized', 401).detail).toContain('deactivated');
      await expect(client.updateAccount({ contact: ['mailto:x@example.com'] })).rejects.toThrow(
        /deactivated/,
      );
      expectProblem(await open.newAccount(key), open.directoryUrl, 'unauthorized', 401);
      const rows = await auditRows('acme_account_deactivate');
      expect(rows.at(-1)).toMatchObject({
        resource_id: accountIdOf(url),
        username: `acme-account-${accountIdOf(url)}`,
      });
    });

    it('is deactivated by an admin over REST, audited with the admin as actor, refused from then on', async () => {
      const { key, url, id } = await openAccount();
      await testApp
        .http()
        .post(`/api/v1/acme-accounts/${id}/deactivate`)
        .set(...bearer(adminB))
        .expect(403);
      const done = await testApp
        .http()
        .post(`/api/v1/acme-accounts/${id}/deactivate`)
        .set(...bearer(adminA))
        .expect(200);
      expect(done.body).toMatchObject({ id, status: 'deactivated' });
      const again = await testApp
        .http()
        .post(`/api/v1/acme-accounts/${id}/deactivate`)
        .set(...bearer(superuser))
        .expect(200);
      expect(again.body).toMatchObject({ status: 'deactivated' });
      const rows = (await auditRows('acme_account_deactivate')).filter((row) => row.resource_id === id);
      expect(rows).toEqual([
        expect.objectContaining({ user_id: adminA.id, username: adminA.username, organization_id: orgA }),
      ]);
      const reply = await open.post(url, await open.signed(url, key, '', { kid: url }));
      expectProblem(reply, open.directoryUrl, 'unauthorized', 401);
    });

    it('rolls the key over with acme-client: the old key is refused, the new one works (RFC 8555 7.3.5)', async () => {
      const oldKey = await accountKey();
      const newKey = await accountKey();
      const client = clientFor(open, oldKey);
      await client.createAccount({ termsOfServiceAgreed: true });
      const url = client.getAccountUrl();
      const before = await testApp
        .http()
        .get(`/api/v1/acme-accounts/${accountIdOf(url)}`)
        .set(...bearer(adminA));
      await client.updateAccountKey(newKey.pem);
      const oldSigned = await open.post(url, await open.signed(url, oldKey, '', { kid: url }));
      expect(expectProblem(oldSigned, open.directoryUrl, 'malformed', 400).detail).toContain('signature');
      expectProblem(
        await open.newAccount(oldKey, { onlyReturnExisting: true }),
        open.directoryUrl,
        'accountDoesNotExist',
        400,
      );
      expect((await open.post(url, await open.signed(url, newKey, '', { kid: url }))).status).toBe(200);
      const found = await open.newAccount(newKey, { onlyReturnExisting: true });
      expect([found.status, found.headers.get('location')]).toEqual([200, url]);
      const after = await testApp
        .http()
        .get(`/api/v1/acme-accounts/${accountIdOf(url)}`)
        .set(...bearer(adminA));
      expect(after.body.jwk_thumbprint).not.toBe(before.body.jwk_thumbprint);
      expect(await auditRows('acme_account_key_change')).toHaveLength(1);
    });

    it("refuses a rollover to another account's key with 409 and that account's Location", async () => {
      const mine = await openAccount();
      const theirs = await openAccount();
      const url = open.url('key-change');
      const inner = await signJws(
        theirs.key.privateKey,
        { alg: 'ES256', jwk: theirs.key.jwk, url },
        { account: mine.url, oldKey: mine.key.jwk },
      );
      const reply = await open.post(url, await open.signed(url, mine.key, inner, { kid: mine.url }));
      expectProblem(reply, open.directoryUrl, 'malformed', 409);
      expect(reply.headers.get('location')).toBe(theirs.url);
      const client = clientFor(open, mine.key);
      await client.createAccount({ onlyReturnExisting: true });
      await expect(client.updateAccountKey(theirs.key.pem)).rejects.toThrow(/another account/);
    });

    it('refuses a rollover whose oldKey is not a key at all, without a 500', async () => {
      const mine = await openAccount();
      const newKey = await accountKey();
      const url = open.url('key-change');
      for (const oldKey of [{}, { kty: 'nope' }, { kty: 'EC', crv: 'P-256' }, 'text']) {
        const inner = await signJws(
          newKey.privateKey,
          { alg: 'ES256', jwk: newKey.jwk, url },
          { account: mine.url, oldKey },
        );
        const reply = await open.post(url, await open.signed(url, mine.key, inner, { kid: mine.url }));
        expectProblem(reply, open.directoryUrl, 'malformed', 400);
      }
    });
  });

  describe('the JWS of every request (RFC 8555 6.2–6.5)', () => {
    let key: AccountKey;
    let kid: string;

    beforeAll(async () => {
      ({ key, url: kid } = await openAccount());
    });

    it('refuses a nonce it never issued with badNonce and a fresh nonce to retry with', async () => {
      const jws = await signJws(key.privateKey, { alg: 'ES256', nonce: 'made-up-nonce', url: kid, kid }, '');
      const reply = await open.post(kid, jws);
      expectProblem(reply, open.directoryUrl, 'badNonce', 400);
      expect(reply.headers.get('replay-nonce')).not.toBe('made-up-nonce');
      const retried = await signJws(
        key.privateKey,
        { alg: 'ES256', nonce: reply.headers.get('replay-nonce'), url: kid, kid },
        '',
      );
      expect((await open.post(kid, retried)).status).toBe(200);
    });

    it('refuses a replayed request (its nonce used) and one without a nonce', async () => {
      const jws = await open.signed(kid, key, '', { kid });
      expect((await open.post(kid, jws)).status).toBe(200);
      const replayed = await open.post(kid, jws);
      expectProblem(replayed, open.directoryUrl, 'badNonce', 400);
      expect(replayed.headers.get('replay-nonce')).not.toBe(
        JSON.parse(Buffer.from(jws.protected, 'base64url').toString()).nonce,
      );
      const noNonce = await signJws(key.privateKey, { alg: 'ES256', url: kid, kid }, '');
      expectProblem(await open.post(kid, noNonce), open.directoryUrl, 'badNonce', 400);
    });

    it('refuses a "url" that is not the URL the request was sent to', async () => {
      const jws = await open.signed(open.url('new-order'), key, '', { kid });
      expectProblem(await open.post(kid, jws), open.directoryUrl, 'unauthorized', 403);
      const other = await open.signed(kid.replace('127.0.0.1', 'localhost'), key, '', { kid });
      expectProblem(await open.post(kid, other), open.directoryUrl, 'unauthorized', 403);
    });

    it('refuses alg none and a MAC on the outer JWS with badSignatureAlgorithm and the algorithms it takes', async () => {
      const none = unsignedJws({ alg: 'none', nonce: await open.nonce(), url: kid, kid }, '');
      const mac = await signJws(
        createSecretKey(Buffer.alloc(32, 1)),
        { alg: 'HS256', nonce: await open.nonce(), url: kid, kid },
        '',
      );
      for (const jws of [none, mac]) {
        const problem = expectProblem(
          await open.post(kid, jws),
          open.directoryUrl,
          'badSignatureAlgorithm',
          400,
        );
        expect(problem.algorithms).toEqual(['RS256', 'ES256', 'ES384', 'EdDSA']);
      }
    });

    it('refuses a header with both jwk and kid, or neither', async () => {
      const both = await open.signed(kid, key, '', { kid, header: { jwk: key.jwk } });
      const neither = await signJws(
        key.privateKey,
        { alg: 'ES256', nonce: await open.nonce(), url: kid },
        '',
      );
      for (const jws of [both, neither]) {
        expectProblem(await open.post(kid, jws), open.directoryUrl, 'malformed', 400);
      }
    });

    it('refuses jwk where an account must sign, and kid on newAccount', async () => {
      expectProblem(
        await open.post(kid, await open.signed(kid, key, '')),
        open.directoryUrl,
        'malformed',
        400,
      );
      const url = open.url('new-account');
      expectProblem(
        await open.post(url, await open.signed(url, key, {}, { kid })),
        open.directoryUrl,
        'malformed',
        400,
      );
    });

    it('refuses a request naming an account but signed with another key', async () => {
      const jws = await open.signed(kid, await accountKey(), '', { kid });
      const problem = expectProblem(await open.post(kid, jws), open.directoryUrl, 'malformed', 400);
      expect(problem.detail).toContain('signature');
    });

    it('answers a body that is not JSON, or not a JWS, with a malformed problem, never a 500', async () => {
      for (const body of [
        '{"protected":',
        'null',
        '[]',
        '"text"',
        '{}',
        '{"protected":"!!","payload":"","signature":""}',
      ]) {
        const reply = await open.post(kid, body);
        expectProblem(reply, open.directoryUrl, 'malformed', 400);
      }
    });

    it('refuses another Content-Type than application/jose+json with 415 (RFC 8555 6.2)', async () => {
      for (const type of ['application/json', 'text/plain', 'application/x-www-form-urlencoded']) {
        const reply = await open.post(kid, await open.signed(kid, key, '', { kid }), type);
        expectProblem(reply, open.directoryUrl, 'malformed', 415);
      }
      const withCharset = await open.post(
        kid,
        await open.signed(kid, key, '', { kid }),
        'application/jose+json; charset=utf-8',
      );
      expect(withCharset.status).toBe(200);
    });

    it('refuses NUL characters in the payload', async () => {
      const url = open.url('new-account');
      const jws = await open.signed(url, await accountKey(), '{"contact":["mailto:a\\u0000@example.com"]}');
      const raw = await open.signed(url, await accountKey(), '{"termsOfServiceAgreed":true}\u0000');
      expectProblem(await open.post(url, jws), open.directoryUrl, 'invalidContact', 400);
      expectProblem(await open.post(url, raw), open.directoryUrl, 'malformed', 400);
    });
  });

  describe('EAB keys over REST', () => {
    it('shows the HMAC key once, base64url without padding, with no-store', async () => {
      const response = await testApp
        .http()
        .post(`/api/v1/profiles/${profileA.id}/acme-eab-keys`)
        .set(...bearer(adminA))
        .send({ description: 'cert-manager' })
        .expect(201);
      const key = response.body as EabKeyBody;
      expect(response.headers['cache-control']).toBe('no-store');
      expect(key).toEqual({
        kid: expect.stringMatching(/^eab_[0-9a-f]{24}$/),
        hmac_key: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        algorithm: 'HS256',
        profile_id: profileA.id,
        description: 'cert-manager',
        directory_url: profileA.acme_directory_url,
        created_by_user_id: adminA.id,
        created_at: expect.any(String),
        account_id: null,
        bound_at: null,
        revoked_at: null,
      });
      expect(Buffer.from(key.hmac_key, 'base64url')).toHaveLength(32);
      const list = await testApp
        .http()
        .get(`/api/v1/profiles/${profileA.id}/acme-eab-keys`)
        .set(...bearer(adminA))
        .expect(200);
      expect(list.text).not.toContain(key.hmac_key);
      expect(list.text).not.toMatch(/hmac|sealed/);
      expect((list.body as EabKeyBody[]).find((entry) => entry.kid === key.kid)).toMatchObject({
        description: 'cert-manager',
        account_id: null,
      });
      const [stored] = await testApp.dataSource.query(
        `SELECT sealed_hmac_key FROM acme_eab_keys WHERE kid = $1`,
        [key.kid],
      );
      expect(stored.sealed_hmac_key).not.toContain(key.hmac_key);
      expect(stored.sealed_hmac_key).not.toContain(Buffer.from(key.hmac_key, 'base64url').toString('base64'));
    });

    it("lets only the profile's organization admins and superusers manage its keys", async () => {
      const keys = `/api/v1/profiles/${profileA.id}/acme-eab-keys`;
      const existing = await createEabKey(profileA);
      for (const user of [memberA, adminB]) {
        const refused = await testApp
          .http()
          .post(keys)
          .set(...bearer(user))
          .send({})
          .expect(403);
        expect(refused.body.detail).toContain("admins of the profile's organization");
        await testApp
          .http()
          .get(keys)
          .set(...bearer(user))
          .expect(403);
        await testApp
          .http()
          .delete(`${keys}/${existing.kid}`)
          .set(...bearer(user))
          .expect(403);
      }
      await testApp
        .http()
        .post(keys)
        .set(...bearer(superuser))
        .send({})
        .expect(201);
      await testApp
        .http()
        .post('/api/v1/profiles/999999/acme-eab-keys')
        .set(...bearer(superuser))
        .send({})
        .expect(404);
      await testApp
        .http()
        .post(keys)
        .set(...bearer(adminA))
        .send({ description: 7 })
        .expect(400);
      await testApp.http().post(keys).send({}).expect(401);
    });

    it('gives keys to a profile before its ACME server is enabled', async () => {
      const key = await createEabKey(disabledProfile);
      expect(key.directory_url).toBe(`${testApp.baseUrl}/acme/acme-later-${disabledProfile.id}/directory`);
    });

    it('revokes a key once (204 again after), 404 for an unknown or foreign kid, 400 for a malformed one', async () => {
      const key = await createEabKey(profileA);
      const path = `/api/v1/profiles/${profileA.id}/acme-eab-keys`;
      await testApp
        .http()
        .delete(`${path}/${key.kid}`)
        .set(...bearer(adminA))
        .expect(204);
      await testApp
        .http()
        .delete(`${path}/${key.kid}`)
        .set(...bearer(adminA))
        .expect(204);
      expect((await eabKeysOf(profileA)).find((entry) => entry.kid === key.kid)?.revoked_at).toEqual(
        expect.any(String),
      );
      const revocations = (await auditRows('acme_eab_key_revoke')).filter(
        (row) => (row.detail as { kid?: string }).kid === key.kid,
      );
      expect(revocations).toHaveLength(1);
      await testApp
        .http()
        .delete(`${path}/eab_000000000000000000000000`)
        .set(...bearer(adminA))
        .expect(404);
      const foreign = await createEabKey(profileB, adminB);
      await testApp
        .http()
        .delete(`${path}/${foreign.kid}`)
        .set(...bearer(superuser))
        .expect(404);
      await testApp
        .http()
        .delete(`${path}/not-a-kid`)
        .set(...bearer(adminA))
        .expect(400);
    });

    it('audits creation and revocation with the admin as actor, and no audit row holds a secret', async () => {
      const key = await createEabKey(profileA);
      await testApp
        .http()
        .delete(`/api/v1/profiles/${profileA.id}/acme-eab-keys/${key.kid}`)
        .set(...bearer(adminA))
        .expect(204);
      const created = (await auditRows('acme_eab_key_create')).find(
        (row) => (row.detail as { kid?: string }).kid === key.kid,
      );
      expect(created).toMatchObject({
        user_id: adminA.id,
        organization_id: orgA,
        resource_type: 'acme_eab_key',
      });
      const everything = JSON.stringify(await testApp.dataSource.query(`SELECT * FROM audit_logs`));
      expect(everything).not.toContain(key.hmac_key);
      const [{ sealed_hmac_key: sealed }] = await testApp.dataSource.query(
        `SELECT sealed_hmac_key FROM acme_eab_keys WHERE kid = $1`,
        [key.kid],
      );
      expect(everything).not.toContain(sealed);
      const api = await testApp
        .http()
        .get('/api/v1/audit-logs?limit=1000')
        .set(...bearer(superuser))
        .expect(200);
      expect(api.text).toContain(key.kid);
      expect(api.text).not.toContain(key.hmac_key);
    });
  });

  describe('ACME accounts over REST', () => {
    let accountA: number;
    let accountB: number;

    beforeAll(async () => {
      const eabA = await createEabKey(profileA);
      accountA = accountIdOf(
        (
          await acmeA.newAccount(
            await accountKey(),
            { contact: ['mailto:a@example.com'] },
            { kid: eabA.kid, hmacKey: eabA.hmac_key },
          )
        ).headers.get('location'),
      );
      const eabB = await createEabKey(profileB, adminB);
      accountB = accountIdOf(
        (
          await acmeB.newAccount(await accountKey(), {}, { kid: eabB.kid, hmacKey: eabB.hmac_key })
        ).headers.get('location'),
      );
    });

    const list = async (user: TestUser, query = ''): Promise<AccountBody[]> =>
      (
        await testApp
          .http()
          .get(`/api/v1/acme-accounts${query}`)
          .set(...bearer(user))
          .expect(200)
      ).body as AccountBody[];

    it('lists every account for superusers, their organization’s for admins, newest first', async () => {
      const all = (await list(superuser)).map(({ id }) => id);
      expect(all).toEqual(expect.arrayContaining([accountA, accountB]));
      expect(all).toEqual([...all].sort((a, b) => b - a));
      const ofA = await list(adminA);
      expect(ofA.map(({ id }) => id)).toContain(accountA);
      expect(ofA.every((account) => account.organization_id === orgA)).toBe(true);
      const ofB = (await list(adminB)).map(({ id }) => id);
      expect(ofB).toContain(accountB);
      expect(ofB).not.toContain(accountA);
    });

    it('filters by profile and pages', async () => {
      const ofProfile = await list(adminA, `?profile_id=${profileA.id}`);
      expect(ofProfile.length).toBeGreaterThan(2);
      expect(ofProfile.every((account) => account.profile_id === profileA.id)).toBe(true);
      const page = await list(adminA, `?profile_id=${profileA.id}&limit=1&skip=1`);
      expect(page).toEqual([ofProfile[1]]);
      await testApp
        .http()
        .get(`/api/v1/acme-accounts?profile_id=${profileB.id}`)
        .set(...bearer(adminA))
        .expect(403);
      await testApp
        .http()
        .get('/api/v1/acme-accounts?profile_id=999999')
        .set(...bearer(adminA))
        .expect(404);
      await testApp
        .http()
        .get('/api/v1/acme-accounts?limit=0')
        .set(...bearer(adminA))
        .expect(400);
    });

    it('refuses members who are not admins', async () => {
      await testApp
        .http()
        .get('/api/v1/acme-accounts')
        .set(...bearer(memberA))
        .expect(403);
      await testApp
        .http()
        .get(`/api/v1/acme-accounts/${accountA}`)
        .set(...bearer(memberA))
        .expect(403);
      await testApp
        .http()
        .post(`/api/v1/acme-accounts/${accountA}/deactivate`)
        .set(...bearer(memberA))
        .expect(403);
    });

    it('reads one account', async () => {
      const response = await testApp
        .http()
        .get(`/api/v1/acme-accounts/${accountA}`)
        .set(...bearer(adminA))
        .expect(200);
      expect(response.body).toEqual({
        id: accountA,
        profile_id: profileA.id,
        organization_id: orgA,
        status: 'valid',
        contact: ['mailto:a@example.com'],
        terms_of_service_agreed: true,
        eab_kid: expect.stringMatching(/^eab_/),
        jwk_thumbprint: expect.stringMatching(/^[A-Za-z0-9_-]{43}$/),
        created_at: expect.any(String),
      });
      await testApp
        .http()
        .get(`/api/v1/acme-accounts/${accountA}`)
        .set(...bearer(adminB))
        .expect(403);
      await testApp
        .http()
        .get(`/api/v1/acme-accounts/${superuser.id}`)
        .set(...bearer(superuser))
        .expect(404);
      await testApp
        .http()
        .get('/api/v1/acme-accounts/abc')
        .set(...bearer(superuser))
        .expect(400);
    });
  });

  describe('nonces across instances', () => {
    itWithPostgres(
      'accepts on a second instance a nonce the first issued, once',
      async () => {
        const database = await createTestDatabase();
        const port = await freePort();
        const baseUrl = `http://127.0.0.1:${port}`;
        const env = {
          ...process.env,
          LOG_LEVEL: 'silent',
          BCRYPT_ROUNDS: '4',
          CA_KEY_SIZE: '2048',
          PUBLIC_BASE_URL: baseUrl,
          DATABASE_URL: database.url,
        };
        const apps: NestExpressApplication[] = [];
        try {
          const first = await createApp(env);
          apps.push(first);
          await first.listen(port, '127.0.0.1');
          const second = await createApp(env);
          apps.push(second);
          const secondPort = await freePort();
          await second.listen(secondPort, '127.0.0.1');
          const onFirst: TestApp = {
            app: first,
            http: () => request(first.getHttpServer()),
            dataSource: first.get(DataSource),
            close: () => Promise.resolve(),
          };
          const fixture = await acmeFixture(onFirst);
          const shared = await createAcmeProfile(onFirst, fixture.superuser, fixture.root, {
            name: 'shared',
            acme_eab_required: false,
          });
          const viaFirst = new RawAcme(shared.acme_directory_url ?? '');
          const key = await accountKey();
          const url = viaFirst.url('new-account');
          const jws = await viaFirst.signed(url, key, { termsOfServiceAgreed: true });
          const onSecond = url.replace(`:${port}/`, `:${secondPort}/`);
          const created = await viaFirst.post(onSecond, jws);
          expect(created.status).toBe(201);
          const replayed = await viaFirst.post(url, jws);
          expectProblem(replayed, viaFirst.directoryUrl, 'badNonce', 400);
        } finally {
          for (const app of apps.reverse()) await app.close();
          await database.drop();
        }
      },
      120_000,
    );
  });
});

/** The real entry point's stdout while EAB keys are made and used: no HMAC key may reach it. */
describe('ACME EAB keys in the operator log', () => {
  let service: Service;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'ca-acme-logs-'));
    const port = await freePort();
    service = startService({
      DATABASE_URL: '',
      DATA_DIR: dataDir,
      PORT: String(port),
      LOG_LEVEL: 'debug',
      BCRYPT_ROUNDS: '4',
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    });
    await eventually(
      async () => ((await service.call('GET', '/status')).status === 200 ? true : null),
      'start',
    );
  }, START_TIMEOUT_MS + 5000);

  afterAll(async () => {
    await service?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('never logs an HMAC key, whether it is created, listed or used', async () => {
    const json = { 'Content-Type': 'application/json' };
    await service.call(
      'POST',
      '/api/v1/users/',
      JSON.stringify({ username: 'root', email: 'r@example.com', password: TEST_PASSWORD }),
      json,
    );
    const token = (
      await service.call(
        'POST',
        '/api/v1/auth/token',
        JSON.stringify({ username: 'root', password: TEST_PASSWORD }),
        json,
      )
    ).json().access_token as string;
    const auth = { ...json, Authorization: `Bearer ${token}` };
    const profile = (
      await service.call(
        'POST',
        '/api/v1/profiles',
        JSON.stringify({ name: 'logged', acme_enabled: false }),
        auth,
      )
    ).json();
    const created = await service.call('POST', `/api/v1/profiles/${profile.id}/acme-eab-keys`, '{}', auth);
    expect(created.status).toBe(201);
    const { kid, hmac_key: hmacKey } = created.json() as { kid: string; hmac_key: string };
    await service.call('GET', `/api/v1/profiles/${profile.id}/acme-eab-keys`, undefined, auth);
    await service.call('DELETE', `/api/v1/profiles/${profile.id}/acme-eab-keys/${kid}`, undefined, auth);
    await eventually(() => (service.stdout().includes('acme-eab-keys') ? true : null), 'the request lines');
    expect(service.stdout()).not.toContain(hmacKey);
    expect(service.stdout()).not.toContain(Buffer.from(hmacKey, 'base64url').toString('base64'));
  });
});
