/**
 * A real OpenID provider on loopback for the federation specs, run as a child process (oidc-provider 9
 * is ESM-only; the specs are CommonJS). test/support/oidc-issuer.ts starts it and reads the first line
 * of stdout: {"issuer": "http://127.0.0.1:<port>"}.
 *
 * The discovery document, the JWKS and the ID tokens of /_test/id-token are oidc-provider's own: that
 * route runs a real authorization-code flow (PKCE) against this provider over HTTP, the login step
 * answered for the account named in login_hint, and returns the id_token of the token response. The
 * audience of such a token is the client's id (the clients below), its claims the account's.
 *
 * Tokens that no provider would mint (expired, not yet valid, wrong issuer, any claim) are signed
 * by /_test/sign with the provider's current private key, so they verify against its real JWKS.
 *
 * Keys rotate like a real issuer's: /_test/rotate adds a new signing key (the JWKS then has both, the
 * new one first, and it signs from then on), /_test/retire drops every key but the newest. oidc-provider's keystore is fixed when it is built,
 * so each change builds a new Provider with the new JWKS and the server hands requests to it.
 */
import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { createServer } from 'node:http';
import Provider from 'oidc-provider';
import { importJWK, SignJWT } from 'jose';

/** The audiences (client ids) real ID tokens may be minted for. */
const CLIENTS = ['pki-ca', 'https://github.com/acme', 'https://gitlab.example.com', 'some-other-service'];
const CLIENT_SECRET = 'test-client-secret-that-is-long-enough';
const REDIRECT_URI = 'http://127.0.0.1/callback';

/** The claims GitHub Actions and GitLab CI put in their ID tokens, granted with the scope "ci". */
const CI_CLAIMS = [
  'repository',
  'repository_owner',
  'repository_id',
  'repository_owner_id',
  'repository_visibility',
  'ref',
  'ref_type',
  'ref_protected',
  'sha',
  'workflow',
  'workflow_ref',
  'job_workflow_ref',
  'environment',
  'actor',
  'actor_id',
  'event_name',
  'run_id',
  'run_number',
  'run_attempt',
  'runner_environment',
  'project_path',
  'project_id',
  'namespace_path',
  'namespace_id',
  'pipeline_source',
  'pipeline_id',
  'job_id',
  'user_login',
];

const accounts = new Map();
const stats = { discovery: 0, jwks: 0 };
let keys = [newSigningKey()];
let issuer = '';
let provider = null;

function newSigningKey() {
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = privateKey.export({ format: 'jwk' });
  return { ...jwk, kid: `k-${randomBytes(6).toString('hex')}`, alg: 'RS256', use: 'sig' };
}

function publicJwk(key) {
  const { kty, n, e, kid, alg, use } = key;
  return { kty, n, e, kid, alg, use };
}

function buildProvider() {
  const built = new Provider(issuer, {
    clients: CLIENTS.map((clientId) => ({
      client_id: clientId,
      client_secret: CLIENT_SECRET,
      redirect_uris: [REDIRECT_URI],
      grant_types: ['authorization_code'],
      response_types: ['code'],
      token_endpoint_auth_method: 'client_secret_post',
    })),
    jwks: { keys },
    cookies: { keys: ['cookie-signing-key-for-tests-only'] },
    claims: { openid: ['sub'], ci: CI_CLAIMS },
    // Claims of granted scopes in the ID token itself (as CI issuers do), not only at userinfo.
    conformIdTokenClaims: false,
    features: { devInteractions: { enabled: false } },
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    // Every client is first-party here: consent is granted without a prompt.
    async loadExistingGrant(ctx) {
      const grant = new ctx.oidc.provider.Grant({
        clientId: ctx.oidc.client.clientId,
        accountId: ctx.oidc.session.accountId,
      });
      grant.addOIDCScope('openid ci');
      await grant.save();
      return grant;
    },
    async findAccount(_ctx, sub) {
      const claims = accounts.get(sub);
      if (!claims) return undefined;
      return { accountId: sub, claims: async () => ({ ...claims, sub }) };
    },
    ttl: { IdToken: 600 },
  });
  built.proxy = false;
  return built;
}

/** Cookies as a browser would keep them for this one host, ignoring paths (the provider's names differ). */
class CookieJar {
  cookies = new Map();
  take(response) {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const at = pair.indexOf('=');
      this.cookies.set(pair.slice(0, at), pair.slice(at + 1));
    }
  }
  header() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

/** A real authorization-code flow against this provider: the id_token of its token response. */
async function mintIdToken(sub, audience) {
  const jar = new CookieJar();
  const verifier = randomBytes(32).toString('base64url');
  const challenge = createHash('sha256').update(verifier).digest('base64url');
  const authorize = new URL('/auth', issuer);
  authorize.search = new URLSearchParams({
    client_id: audience,
    response_type: 'code',
    scope: 'openid ci',
    redirect_uri: REDIRECT_URI,
    nonce: randomBytes(8).toString('hex'),
    state: randomBytes(8).toString('hex'),
    code_challenge: challenge,
    code_challenge_method: 'S256',
    login_hint: sub,
  }).toString();
  let location = authorize.toString();
  let code = null;
  for (let hop = 0; hop < 10 && code === null; hop += 1) {
    const response = await fetch(new URL(location, issuer), {
      redirect: 'manual',
      headers: { cookie: jar.header() },
    });
    jar.take(response);
    const next = response.headers.get('location');
    if (!next) throw new Error(`authorization step answered ${response.status}: ${await response.text()}`);
    if (next.startsWith(REDIRECT_URI)) {
      const callback = new URL(next);
      code = callback.searchParams.get('code');
      if (!code) throw new Error(`authorization failed: ${next}`);
    } else {
      location = next;
    }
  }
  if (code === null) throw new Error('the authorization flow did not end at the redirect URI');
  const token = await fetch(new URL('/token', issuer), {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: REDIRECT_URI,
      code_verifier: verifier,
      client_id: audience,
      client_secret: CLIENT_SECRET,
    }),
  });
  const body = await token.json();
  if (!body.id_token) throw new Error(`token endpoint answered ${token.status}: ${JSON.stringify(body)}`);
  return body.id_token;
}

/** Any claims, signed with the current (first) key, or one named by kid, as the provider signs its own. */
async function signToken({ payload, header = {}, kid }) {
  const key = kid ? keys.find((candidate) => candidate.kid === kid) : keys[0];
  if (!key) throw new Error(`no key ${kid}`);
  const now = Math.floor(Date.now() / 1000);
  const claims = { iss: issuer, iat: now, nbf: now - 5, exp: now + 300, ...payload };
  for (const [name, value] of Object.entries(claims)) if (value === null) delete claims[name];
  return new SignJWT(claims)
    .setProtectedHeader({ alg: 'RS256', typ: 'JWT', kid: key.kid, ...header })
    .sign(await importJWK(key, 'RS256'));
}

async function readJson(request) {
  const chunks = [];
  for await (const chunk of request) chunks.push(chunk);
  return chunks.length === 0 ? {} : JSON.parse(Buffer.concat(chunks).toString('utf8'));
}

function reply(response, status, body) {
  response.writeHead(status, { 'content-type': 'application/json' });
  response.end(JSON.stringify(body));
}

/** The routes the specs drive; none exists at a real issuer. */
const TEST_ROUTES = {
  '/_test/account': async (body) => {
    accounts.set(body.sub, body.claims ?? {});
    return { sub: body.sub };
  },
  '/_test/id-token': async (body) => {
    if (body.claims) accounts.set(body.sub, body.claims);
    return { id_token: await mintIdToken(body.sub, body.audience ?? 'pki-ca') };
  },
  '/_test/sign': async (body) => ({ token: await signToken(body) }),
  '/_test/rotate': async () => {
    keys = [newSigningKey(), ...keys];
    provider = buildProvider();
    return { kids: keys.map((key) => key.kid) };
  },
  '/_test/retire': async () => {
    keys = [keys[0]];
    provider = buildProvider();
    return { kids: keys.map((key) => key.kid) };
  },
  '/_test/keys': async () => ({ kids: keys.map((key) => key.kid), public: keys.map(publicJwk) }),
  '/_test/stats': async () => ({ ...stats }),
};

const server = createServer(async (request, response) => {
  try {
    const path = new URL(request.url, 'http://localhost').pathname;
    const route = TEST_ROUTES[path];
    if (route) return reply(response, 200, await route(await readJson(request)));
    const current = provider;
    if (path.startsWith('/interaction/')) {
      // The login step: the account is the login_hint of the authorization request.
      const details = await current.interactionDetails(request, response);
      return current.interactionFinished(
        request,
        response,
        { login: { accountId: details.params.login_hint } },
        { mergeWithLastSubmission: false },
      );
    }
    if (path === '/.well-known/openid-configuration') stats.discovery += 1;
    if (path === '/jwks') stats.jwks += 1;
    return current.callback()(request, response);
  } catch (error) {
    reply(response, 500, { error: String(error?.stack ?? error) });
  }
});

server.listen(0, '127.0.0.1', () => {
  issuer = `http://127.0.0.1:${server.address().port}`;
  provider = buildProvider();
  process.stdout.write(`${JSON.stringify({ issuer })}\n`);
});

process.on('SIGTERM', () => server.close(() => process.exit(0)));
process.on('disconnect', () => process.exit(0));
