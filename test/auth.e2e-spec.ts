import { createHash, createHmac, randomUUID } from 'node:crypto';
import {
  bearer,
  createUser,
  login,
  startTestApp,
  TEST_PASSWORD,
  TestApp,
  TestUser,
} from './support/test-app';

const SECRET_KEY = 'auth-spec-secret-key-0123456789abcdefghijklmnop';
const BAD_CREDENTIALS = { detail: 'Incorrect username or password' };
const REUSE_GRACE_SECONDS = 1;
const hashOf = (token: string) => createHash('sha256').update(token).digest('hex');
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface JwtParts {
  header: Record<string, unknown>;
  payload: Record<string, unknown>;
}

function decodeJwt(token: string): JwtParts {
  const [header, payload] = token.split('.');
  const decode = (part: string) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  return { header: decode(header), payload: decode(payload) };
}

/** Builds a JWT by hand, so the tests can forge what a real library would refuse to make. */
function forgeJwt(
  header: Record<string, unknown>,
  payload: Record<string, unknown>,
  sign: (input: string) => string,
) {
  const encode = (value: Record<string, unknown>) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode(header)}.${encode(payload)}`;
  return `${input}.${sign(input)}`;
}

const hmac = (algorithm: 'sha256' | 'sha512', secret: string) => (input: string) =>
  createHmac(algorithm, secret).update(input).digest('base64url');

describe('authentication: tokens, rotation, logout, invalidate', () => {
  let testApp: TestApp;
  let root: TestUser;

  beforeAll(async () => {
    testApp = await startTestApp({ SECRET_KEY, REFRESH_REUSE_GRACE_SECONDS: String(REUSE_GRACE_SECONDS) });
    root = await createUser(testApp, null, { username: 'root' });
  });

  afterAll(() => testApp.close());

  const signIn = (username: string, password = TEST_PASSWORD) =>
    testApp.http().post('/api/v1/auth/token').type('form').send({ username, password });
  const refresh = (refreshToken: string) =>
    testApp.http().post('/api/v1/auth/refresh').send({ refresh_token: refreshToken });
  const me = (accessToken: string) =>
    testApp.http().get('/api/v1/users/me').set('Authorization', `Bearer ${accessToken}`);

  async function newUser(fields: Record<string, unknown> = {}): Promise<TestUser> {
    return createUser(testApp, root, fields);
  }

  describe('POST /auth/token', () => {
    it('issues a bearer access token and an opaque refresh token for a form-urlencoded sign-in', async () => {
      const alice = await newUser();
      const response = await signIn(alice.username).expect(200);
      expect(response.headers['content-type']).toMatch(/application\/json/);
      expect(Object.keys(response.body).sort()).toEqual(['access_token', 'refresh_token', 'token_type']);
      expect(response.body.token_type).toBe('bearer');
      // 256 random bits in base64url are 43 characters; opaque, so not a JWT.
      expect(response.body.refresh_token).toMatch(/^[A-Za-z0-9_-]{43,}$/);
      const profile = await me(response.body.access_token).expect(200);
      expect(profile.body).toMatchObject({ id: alice.id, username: alice.username });
    });

    it('signs access tokens with HS256 carrying sub, jti, iat with millisecond precision and exp', async () => {
      const alice = await newUser();
      const before = Date.now();
      const response = await signIn(alice.username).expect(200);
      const after = Date.now();
      const { header, payload } = decodeJwt(response.body.access_token);
      expect(header.alg).toBe('HS256');
      expect(payload.sub).toBe(String(alice.id));
      expect(payload.jti).toMatch(/^[0-9a-f-]{36}$/);
      const iat = payload.iat as number;
      // Milliseconds, not whole seconds: iat × 1000 falls inside the request's wall-clock window.
      expect(Math.round(iat * 1000)).toBeGreaterThanOrEqual(before);
      expect(Math.round(iat * 1000)).toBeLessThanOrEqual(after);
      expect(Math.abs(iat * 1000 - Math.round(iat * 1000))).toBeLessThan(0.01);
      expect(payload.exp as number).toBeCloseTo(iat + 15 * 60, 3);
      const second = decodeJwt((await signIn(alice.username).expect(200)).body.access_token).payload;
      expect(second.jti).not.toBe(payload.jti);
    });

    it('stores refresh tokens only as SHA-256 hashes', async () => {
      const alice = await newUser();
      const rows: { token_hash: string }[] = await testApp.dataSource.query(
        'SELECT token_hash FROM refresh_tokens WHERE user_id = $1',
        [alice.id],
      );
      expect(rows.map((row) => row.token_hash)).toEqual([
        createHash('sha256').update(alice.refreshToken).digest('hex'),
      ]);
      const plain: unknown[] = await testApp.dataSource.query(
        'SELECT 1 FROM refresh_tokens WHERE token_hash = $1',
        [alice.refreshToken],
      );
      expect(plain).toHaveLength(0);
    });

    it('keeps token responses out of every cache (RFC 6749 §5.1)', async () => {
      const alice = await newUser();
      const signedIn = await signIn(alice.username).expect(200);
      const refreshed = await refresh(alice.refreshToken).expect(200);
      for (const response of [signedIn, refreshed]) {
        expect(response.headers['cache-control']).toBe('no-store');
        expect(response.headers.pragma).toBe('no-cache');
      }
    });

    it('answers an unknown user and a wrong password with the same 401 body', async () => {
      const alice = await newUser();
      const unknown = await signIn('nobody-by-this-name').expect(401);
      const wrongPassword = await signIn(alice.username, 'not the password').expect(401);
      expect(unknown.body).toEqual(BAD_CREDENTIALS);
      expect(wrongPassword.body).toEqual(BAD_CREDENTIALS);
    });

    it('refuses a sign-in form without a password', async () => {
      const alice = await newUser();
      await testApp
        .http()
        .post('/api/v1/auth/token')
        .type('form')
        .send({ username: alice.username })
        .expect(400);
    });

    it('refuses an inactive user with the same 401 even with the right password', async () => {
      const alice = await newUser();
      await testApp
        .http()
        .patch(`/api/v1/users/${alice.id}`)
        .set(...bearer(root))
        .send({ is_active: false })
        .expect(200);
      const response = await signIn(alice.username).expect(401);
      expect(response.body).toEqual(BAD_CREDENTIALS);
    });
  });

  describe('access tokens', () => {
    let alice: TestUser;
    let claims: Record<string, unknown>;

    beforeAll(async () => {
      alice = await newUser();
      claims = decodeJwt(alice.token).payload;
    });

    it('refuses a request without a bearer token', async () => {
      const response = await testApp.http().get('/api/v1/users/me').expect(401);
      expect(response.body.detail).toEqual(expect.any(String));
    });

    it('accepts a token minted by hand with HS256 and the service secret (control for the forgeries)', async () => {
      const token = forgeJwt(
        { alg: 'HS256', typ: 'JWT' },
        { ...claims, jti: randomUUID() },
        hmac('sha256', SECRET_KEY),
      );
      const response = await me(token).expect(200);
      expect(response.body.id).toBe(alice.id);
    });

    it('refuses a validly signed token whose session id is not a UUID with 401, not a database error', async () => {
      const token = forgeJwt(
        { alg: 'HS256', typ: 'JWT' },
        { ...claims, jti: randomUUID(), fam: 'not-a-uuid' },
        hmac('sha256', SECRET_KEY),
      );
      const response = await me(token).expect(401);
      expect(response.body.detail).toBe('Invalid or expired access token');
    });

    it('refuses a token with alg none', async () => {
      await me(forgeJwt({ alg: 'none', typ: 'JWT' }, claims, () => '')).expect(401);
    });

    it('refuses a token signed with HS512, even with the service secret', async () => {
      await me(forgeJwt({ alg: 'HS512', typ: 'JWT' }, claims, hmac('sha512', SECRET_KEY))).expect(401);
    });

    it('refuses a token signed with another secret', async () => {
      const otherSecret = 'another-secret-key-that-is-long-enough-000000';
      await me(forgeJwt({ alg: 'HS256', typ: 'JWT' }, claims, hmac('sha256', otherSecret))).expect(401);
    });

    it('refuses a token whose claims were altered after signing', async () => {
      const [header, , signature] = alice.token.split('.');
      const elevated = Buffer.from(JSON.stringify({ ...claims, sub: String(root.id) })).toString('base64url');
      await me(`${header}.${elevated}.${signature}`).expect(401);
    });

    it('refuses an expired token', async () => {
      const past = Date.now() / 1000 - 3600;
      const expired = forgeJwt(
        { alg: 'HS256', typ: 'JWT' },
        { ...claims, jti: randomUUID(), iat: past, exp: past + 60 },
        hmac('sha256', SECRET_KEY),
      );
      await me(expired).expect(401);
    });

    it('refuses the existing token of a user who was deactivated', async () => {
      const bob = await newUser();
      await me(bob.token).expect(200);
      await testApp
        .http()
        .patch(`/api/v1/users/${bob.id}`)
        .set(...bearer(root))
        .send({ is_active: false })
        .expect(200);
      await me(bob.token).expect(401);
      await refresh(bob.refreshToken).expect(401);
    });

    it('refuses the token of a deleted user', async () => {
      const bob = await newUser();
      await testApp
        .http()
        .delete(`/api/v1/users/${bob.id}`)
        .set(...bearer(root))
        .expect(204);
      await me(bob.token).expect(401);
    });
  });

  describe('WWW-Authenticate on 401 (RFC 6750 §3)', () => {
    const INVALID_TOKEN =
      'Bearer error="invalid_token", error_description="The access token is invalid, expired or revoked"';

    it('challenges a request without credentials, or with another scheme, with a bare Bearer', async () => {
      const anonymous = await testApp.http().get('/api/v1/users/me').expect(401);
      expect(anonymous.headers['www-authenticate']).toBe('Bearer');
      const basic = await testApp
        .http()
        .get('/api/v1/users/me')
        .set('Authorization', 'Basic cm9vdDpwYXNzd29yZA==')
        .expect(401);
      expect(basic.headers['www-authenticate']).toBe('Bearer');
    });

    it('says invalid_token when the presented token is forged, malformed or signed out', async () => {
      const alice = await newUser();
      const forged = forgeJwt(
        { alg: 'HS256', typ: 'JWT' },
        decodeJwt(alice.token).payload,
        hmac('sha256', 'another-secret-key-that-is-long-enough-000000'),
      );
      for (const token of [forged, 'not.a.token', 'not a token at all']) {
        const refused = await me(token).expect(401);
        expect(refused.headers['www-authenticate']).toBe(INVALID_TOKEN);
        expect(refused.body).toEqual({ detail: 'Invalid or expired access token' });
      }
      await testApp
        .http()
        .post('/api/v1/auth/logout')
        .set(...bearer(alice))
        .expect(204);
      const signedOut = await me(alice.token).expect(401);
      expect(signedOut.headers['www-authenticate']).toBe(INVALID_TOKEN);
    });

    it('challenges a failed sign-in and a refused refresh token with Bearer too', async () => {
      const failedSignIn = await signIn('nobody-by-this-name').expect(401);
      expect(failedSignIn.headers['www-authenticate']).toBe('Bearer');
      const refusedRefresh = await refresh('a'.repeat(43)).expect(401);
      expect(refusedRefresh.headers['www-authenticate']).toBe('Bearer');
    });
  });

  describe('POST /auth/refresh', () => {
    it('rotates: returns a new pair and the submitted refresh token dies at once', async () => {
      const alice = await newUser();
      const rotated = await refresh(alice.refreshToken).expect(200);
      expect(Object.keys(rotated.body).sort()).toEqual(['access_token', 'refresh_token', 'token_type']);
      expect(rotated.body.token_type).toBe('bearer');
      expect(rotated.body.refresh_token).not.toBe(alice.refreshToken);
      expect(rotated.body.access_token).not.toBe(alice.token);
      const profile = await me(rotated.body.access_token).expect(200);
      expect(profile.body.id).toBe(alice.id);
      const rows: { used_at: Date | null }[] = await testApp.dataSource.query(
        'SELECT used_at FROM refresh_tokens WHERE token_hash = $1',
        [createHash('sha256').update(alice.refreshToken).digest('hex')],
      );
      expect(rows[0].used_at).not.toBeNull();
      // The rotated token keeps the sign-in session (family) of the first.
      expect(decodeJwt(rotated.body.access_token).payload.fam).toBe(decodeJwt(alice.token).payload.fam);
    });

    it('refuses a second refresh with an already-rotated token and revokes its family', async () => {
      const alice = await newUser();
      const otherSession = await login(testApp, alice.username);
      const second = await refresh(alice.refreshToken).expect(200);
      const third = await refresh(second.body.refresh_token).expect(200);
      // Rotated longer ago than the grace period for concurrent refreshes.
      await testApp.dataSource.query(
        "UPDATE refresh_tokens SET used_at = used_at - interval '1 minute' WHERE token_hash = $1",
        [hashOf(alice.refreshToken)],
      );

      const replay = await refresh(alice.refreshToken).expect(401);
      expect(replay.body.detail).toEqual(expect.any(String));
      await refresh(third.body.refresh_token).expect(401);
      const family = decodeJwt(alice.token).payload.fam;
      const live: unknown[] = await testApp.dataSource.query(
        'SELECT 1 FROM refresh_tokens WHERE family_id = $1 AND revoked_at IS NULL',
        [family],
      );
      expect(live).toHaveLength(0);
      // Every access token of that session dies with it, not only its refresh tokens.
      for (const accessToken of [alice.token, second.body.access_token, third.body.access_token]) {
        const refused = await me(accessToken).expect(401);
        expect(refused.body.detail).toBe('Invalid or expired access token');
      }
      // Another sign-in of the same user is a different family and keeps working.
      await me(otherSession.token).expect(200);
      await refresh(otherSession.refreshToken).expect(200);
    });

    it('answers concurrent refreshes of one token (two tabs) each with a working pair of the same session', async () => {
      const alice = await newUser();
      const family = decodeJwt(alice.token).payload.fam;
      const responses = await Promise.all(Array.from({ length: 6 }, () => refresh(alice.refreshToken)));
      expect(responses.map((response) => response.status)).toEqual(Array(6).fill(200));
      const refreshTokens = responses.map((response) => response.body.refresh_token as string);
      expect(new Set(refreshTokens).size).toBe(6);
      for (const response of responses) {
        expect(decodeJwt(response.body.access_token).payload.fam).toBe(family);
        await me(response.body.access_token).expect(200);
      }
      // Every successor refreshes in turn, and the session is still live afterwards.
      const next = await Promise.all(refreshTokens.map((token) => refresh(token).expect(200)));
      for (const response of next) await me(response.body.access_token).expect(200);
      const audit: { detail: unknown }[] = await testApp.dataSource.query(
        "SELECT detail FROM audit_logs WHERE action = 'token_refresh' AND user_id = $1 AND detail IS NOT NULL",
        [alice.id],
      );
      expect(audit).toHaveLength(5);
    });

    it('treats a replay after the grace period as theft: the whole session ends', async () => {
      const alice = await newUser();
      const rotated = await refresh(alice.refreshToken).expect(200);
      await sleep(REUSE_GRACE_SECONDS * 1000 + 200);
      await refresh(alice.refreshToken).expect(401);
      await refresh(rotated.body.refresh_token).expect(401);
      await me(rotated.body.access_token).expect(401);
    });

    it('gives no grace to a replay once the session was signed out', async () => {
      const alice = await newUser();
      const rotated = await refresh(alice.refreshToken).expect(200);
      await testApp
        .http()
        .post('/api/v1/auth/logout')
        .set('Authorization', `Bearer ${rotated.body.access_token}`)
        .expect(204);
      await refresh(alice.refreshToken).expect(401);
    });

    it('refuses an unknown refresh token', async () => {
      const response = await refresh('a'.repeat(43)).expect(401);
      expect(response.body.detail).toEqual(expect.any(String));
    });

    it('refuses a request without a refresh token with 401', async () => {
      await testApp.http().post('/api/v1/auth/refresh').send({}).expect(401);
      await testApp.http().post('/api/v1/auth/refresh').send({ refresh_token: '' }).expect(401);
    });

    it('refuses an access token presented as a refresh token', async () => {
      const alice = await newUser();
      await refresh(alice.token).expect(401);
    });

    it('refuses an expired refresh token', async () => {
      const alice = await newUser();
      await testApp.dataSource.query(
        "UPDATE refresh_tokens SET expires_at = now() - interval '1 second' WHERE token_hash = $1",
        [createHash('sha256').update(alice.refreshToken).digest('hex')],
      );
      await refresh(alice.refreshToken).expect(401);
    });
  });

  describe('POST /auth/logout', () => {
    it('signs out the session without a body: its access token and refresh token are refused', async () => {
      const alice = await newUser();
      await testApp
        .http()
        .post('/api/v1/auth/logout')
        .set(...bearer(alice))
        .expect(204);
      await me(alice.token).expect(401);
      await refresh(alice.refreshToken).expect(401);
    });

    it('signs out the session with its refresh token in a JSON body', async () => {
      const alice = await newUser();
      const response = await testApp
        .http()
        .post('/api/v1/auth/logout')
        .set(...bearer(alice))
        .send({ refresh_token: alice.refreshToken })
        .expect(204);
      expect(response.text).toBe('');
      await me(alice.token).expect(401);
      await refresh(alice.refreshToken).expect(401);
    });

    it('revokes the rotated refresh token of the session too', async () => {
      const alice = await newUser();
      const rotated = await refresh(alice.refreshToken).expect(200);
      await testApp
        .http()
        .post('/api/v1/auth/logout')
        .set('Authorization', `Bearer ${rotated.body.access_token}`)
        .expect(204);
      await refresh(rotated.body.refresh_token).expect(401);
      await me(rotated.body.access_token).expect(401);
      // The session's access token from before the rotation ends with it.
      await me(alice.token).expect(401);
    });

    it("leaves the user's other sessions signed in", async () => {
      const alice = await newUser();
      const otherSession = await login(testApp, alice.username);
      await testApp
        .http()
        .post('/api/v1/auth/logout')
        .set(...bearer(alice))
        .expect(204);
      await me(otherSession.token).expect(200);
      await refresh(otherSession.refreshToken).expect(200);
    });

    it('also revokes the session of a refresh token of the same user named in the body', async () => {
      const alice = await newUser();
      const otherSession = await login(testApp, alice.username);
      await testApp
        .http()
        .post('/api/v1/auth/logout')
        .set(...bearer(alice))
        .send({ refresh_token: otherSession.refreshToken })
        .expect(204);
      await refresh(alice.refreshToken).expect(401);
      await refresh(otherSession.refreshToken).expect(401);
    });

    it("ignores another user's refresh token in the body", async () => {
      const alice = await newUser();
      const bob = await newUser();
      await testApp
        .http()
        .post('/api/v1/auth/logout')
        .set(...bearer(alice))
        .send({ refresh_token: bob.refreshToken })
        .expect(204);
      await refresh(bob.refreshToken).expect(200);
    });

    it('requires authentication', async () => {
      await testApp.http().post('/api/v1/auth/logout').expect(401);
      const alice = await newUser();
      await testApp
        .http()
        .post('/api/v1/auth/logout')
        .set(...bearer(alice))
        .expect(204);
      await testApp
        .http()
        .post('/api/v1/auth/logout')
        .set(...bearer(alice))
        .expect(401);
    });
  });

  describe('POST /auth/invalidate', () => {
    it('signs out every session: refresh tokens dead, older access tokens refused, a fresh sign-in works', async () => {
      const alice = await newUser();
      const secondSession = await login(testApp, alice.username);
      await testApp
        .http()
        .post('/api/v1/auth/invalidate')
        .set(...bearer(alice))
        .expect(204);
      await me(alice.token).expect(401);
      await me(secondSession.token).expect(401);
      await refresh(alice.refreshToken).expect(401);
      await refresh(secondSession.refreshToken).expect(401);
      const live: unknown[] = await testApp.dataSource.query(
        'SELECT 1 FROM refresh_tokens WHERE user_id = $1 AND revoked_at IS NULL',
        [alice.id],
      );
      expect(live).toHaveLength(0);

      const fresh = await login(testApp, alice.username);
      await me(fresh.token).expect(200);
      await refresh(fresh.refreshToken).expect(200);
    });

    it("leaves other users' sessions alone", async () => {
      const alice = await newUser();
      const bob = await newUser();
      await testApp
        .http()
        .post('/api/v1/auth/invalidate')
        .set(...bearer(alice))
        .expect(204);
      await me(bob.token).expect(200);
      await refresh(bob.refreshToken).expect(200);
    });

    it('requires authentication', async () => {
      await testApp.http().post('/api/v1/auth/invalidate').expect(401);
    });
  });
});

describe('authentication: rate limiting (AUTH_RATE_LIMIT=3/minute)', () => {
  let testApp: TestApp;
  let root: TestUser;

  beforeAll(async () => {
    testApp = await startTestApp({ AUTH_RATE_LIMIT: '3/minute' });
    root = await createUser(testApp, null, { username: 'limited-root' });
  });

  afterAll(() => testApp.close());

  const signIn = (username: string, password: string) =>
    testApp.http().post('/api/v1/auth/token').type('form').send({ username, password });

  it('answers the fourth sign-in attempt in the window with 429 and Retry-After, even with the right password', async () => {
    await testApp
      .http()
      .post('/api/v1/users/')
      .set(...bearer(root))
      .send({ username: 'target', email: 'target@example.com', password: TEST_PASSWORD })
      .expect(201);
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      await signIn('target', 'wrong password').expect(401);
    }
    const limited = await signIn('target', TEST_PASSWORD).expect(429);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retryAfter)).toBe(true);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(60);
    expect(limited.body.detail).toEqual(expect.any(String));
  });

  it('counts per username: another username from the same address still signs in', async () => {
    await signIn('limited-root', TEST_PASSWORD).expect(200);
  });

  it('limits refresh attempts too', async () => {
    for (let attempt = 1; attempt <= 3; attempt += 1) {
      await testApp.http().post('/api/v1/auth/refresh').send({ refresh_token: 'not-a-token' }).expect(401);
    }
    const limited = await testApp
      .http()
      .post('/api/v1/auth/refresh')
      .send({ refresh_token: root.refreshToken })
      .expect(429);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThanOrEqual(1);
  });
});
