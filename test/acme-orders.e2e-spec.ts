import * as acme from 'acme-client';
import { createIntermediate, createRootCa, createSuperuser } from './support/fixtures';
import { AcmeProfileBody, AcmeTestApp, createAcmeProfile, startListeningTestApp } from './support/acme';
import { createOrganization, createUser, EVERY_CAPABILITY } from './support/test-app';
import { OpensslWorkspace } from './support/openssl';
import { auditRows, CaBody, pemBlocks } from './support/pki';

/** acme-client's signed-request layer (not in its types): a full response, problems included. */
interface SignedHttp {
  signedRequest(
    url: string,
    payload: unknown,
    options: { kid: string },
  ): Promise<{ status: number; headers: Record<string, string>; data: Record<string, unknown> }>;
}

interface Problem {
  type: string;
  detail: string;
  subproblems?: { type: string; detail: string; identifier: { type: string; value: string } }[];
}

describe('ACME orders, authorizations, finalization (RFC 8555 7.4-7.5, RFC 8738)', () => {
  let testApp: AcmeTestApp;
  let root: CaBody;
  let profile: AcmeProfileBody;
  let client: acme.Client;
  let ssl: OpensslWorkspace;

  const http = (of: acme.Client = client): SignedHttp => (of as unknown as { http: SignedHttp }).http;
  const post = (url: string, payload: unknown, of: acme.Client = client) =>
    http(of).signedRequest(url, payload, { kid: of.getAccountUrl() });
  const newOrderUrl = () => (profile.acme_directory_url ?? '').replace(/directory$/, 'new-order');
  const accountId = () => Number(client.getAccountUrl().split('/').pop());

  /** What the validator would do: the order's authorizations valid, as if their challenges passed. */
  async function authorize(order: acme.Order): Promise<void> {
    const ids = order.authorizations.map((url) => Number(url.split('/').pop()));
    await testApp.dataSource.query(
      `UPDATE acme_authorizations SET status = 'valid' WHERE id = ANY ($1::integer[])`,
      [ids],
    );
  }

  beforeAll(async () => {
    testApp = await startListeningTestApp();
    // An ACME account issues under its profile's organisation's CAs (the policy's create_cert).
    const superuser = await createSuperuser(testApp);
    const organizationId = await createOrganization(testApp, superuser);
    const admin = await createUser(testApp, superuser, {
      role: 'admin',
      organization_id: organizationId,
      ...EVERY_CAPABILITY,
    });
    root = await createRootCa(testApp, admin, { name: 'ACME Root', key_type: 'ec', key_size: 256 });
    const issuing = await createIntermediate(testApp, admin, root, {
      name: 'ACME Issuing',
      key_type: 'ec',
      key_size: 256,
    });
    profile = await createAcmeProfile(testApp, admin, issuing, {
      acme_eab_required: false,
      allowed_dns: ['example.com', '*.example.com'],
      allow_wildcard_certificates: true,
      allowed_ip_ranges: ['192.0.2.0/24', '2001:db8::/32'],
    });
    client = new acme.Client({
      directoryUrl: profile.acme_directory_url ?? '',
      accountKey: await acme.crypto.createPrivateKey(),
    });
    await client.createAccount({ termsOfServiceAgreed: true });
    ssl = new OpensslWorkspace();
  });

  afterAll(async () => {
    ssl?.dispose();
    await testApp?.close();
  });

  it('creates a pending order for a DNS name, in lower case, with http-01, dns-01 and tls-alpn-01', async () => {
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'WWW.Example.com' }] });
    expect(order.status).toBe('pending');
    expect(order.identifiers).toEqual([{ type: 'dns', value: 'www.example.com' }]);
    expect(order.url).toMatch(/\/order\/\d+$/);
    expect(order.finalize).toBe(`${order.url}/finalize`);
    expect(order).not.toHaveProperty('notBefore');
    expect(order).not.toHaveProperty('certificate');
    const [authz] = await client.getAuthorizations(order);
    expect(authz.identifier).toEqual({ type: 'dns', value: 'www.example.com' });
    expect(authz.status).toBe('pending');
    expect(authz).not.toHaveProperty('wildcard');
    expect(authz.challenges.map((challenge) => challenge.type).sort()).toEqual([
      'dns-01',
      'http-01',
      'tls-alpn-01',
    ]);
    for (const challenge of authz.challenges) {
      expect(challenge.status).toBe('pending');
      expect(challenge.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    }
  });

  it('proves a wildcard with dns-01 only, its authorization naming the base domain', async () => {
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: '*.example.com' }] });
    expect(order.identifiers).toEqual([{ type: 'dns', value: '*.example.com' }]);
    const [authz] = await client.getAuthorizations(order);
    expect(authz.identifier).toEqual({ type: 'dns', value: 'example.com' });
    expect(authz.wildcard).toBe(true);
    expect(authz.challenges.map((challenge) => challenge.type)).toEqual(['dns-01']);
  });

  it('takes IP identifiers in canonical form, without dns-01 (RFC 8738 7)', async () => {
    const order = await client.createOrder({ identifiers: [{ type: 'ip', value: '2001:0DB8:0:0::0001' }] });
    expect(order.identifiers).toEqual([{ type: 'ip', value: '2001:db8::1' }]);
    const [authz] = await client.getAuthorizations(order);
    expect(authz.challenges.map((challenge) => challenge.type).sort()).toEqual(['http-01', 'tls-alpn-01']);
  });

  it('collapses duplicates among several identifiers, one authorization each, and lists the orders', async () => {
    const order = await client.createOrder({
      identifiers: [
        { type: 'dns', value: 'a.example.com' },
        { type: 'dns', value: 'A.EXAMPLE.COM' },
        { type: 'ip', value: '192.0.2.7' },
      ],
    });
    expect(order.identifiers).toEqual([
      { type: 'dns', value: 'a.example.com' },
      { type: 'ip', value: '192.0.2.7' },
    ]);
    expect(order.authorizations).toHaveLength(2);
    const listed = await post(`${client.getAccountUrl()}/orders`, null);
    expect(listed.status).toBe(200);
    expect((listed.data.orders as string[])[0]).toBe(order.url);
  });

  it('refuses names the profile does not allow with one rejectedIdentifier subproblem each', async () => {
    const answer = await post(newOrderUrl(), {
      identifiers: [
        { type: 'dns', value: 'ok.example.com' },
        { type: 'dns', value: 'evil.test' },
        { type: 'ip', value: '198.51.100.1' },
      ],
    });
    const problem = answer.data as unknown as Problem;
    expect(answer.status).toBe(400);
    expect(answer.headers['content-type']).toContain('application/problem+json');
    expect(problem.type).toBe('urn:ietf:params:acme:error:rejectedIdentifier');
    expect(problem.subproblems?.map((sub) => [sub.type, sub.identifier])).toEqual([
      ['urn:ietf:params:acme:error:rejectedIdentifier', { type: 'dns', value: 'evil.test' }],
      ['urn:ietf:params:acme:error:rejectedIdentifier', { type: 'ip', value: '198.51.100.1' }],
    ]);
    expect(problem.subproblems?.[0].detail).toContain('is not allowed by profile');
    const [{ count }]: { count: string }[] = await testApp.dataSource.query(
      `SELECT count(*) AS count FROM acme_authorizations WHERE identifier_value = 'ok.example.com'`,
    );
    expect(Number(count)).toBe(0);
  });

  it('refuses unknown identifier types, notBefore/notAfter and misplaced wildcards', async () => {
    const newOrder = newOrderUrl();
    const unsupported = await post(newOrder, { identifiers: [{ type: 'email', value: 'a@example.com' }] });
    expect(unsupported.data.type).toBe('urn:ietf:params:acme:error:unsupportedIdentifier');
    const validity = await post(newOrder, {
      identifiers: [{ type: 'dns', value: 'www.example.com' }],
      notAfter: new Date().toISOString(),
    });
    expect(validity.status).toBe(400);
    expect(validity.data.type).toBe('urn:ietf:params:acme:error:malformed');
    expect(validity.data.detail).toContain('notAfter');
    const wildcard = await post(newOrder, { identifiers: [{ type: 'dns', value: 'www.*.example.com' }] });
    expect(wildcard.data.type).toBe('urn:ietf:params:acme:error:malformed');
  });

  it("reads orders and authorizations only with POST-as-GET, and only the account's own", async () => {
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'get.example.com' }] });
    const withPayload = await post(order.url, {});
    expect(withPayload.status).toBe(400);
    expect(withPayload.data.type).toBe('urn:ietf:params:acme:error:malformed');
    const read = await post(order.url, null);
    expect(read.status).toBe(200);
    expect(read.data.status).toBe('pending');

    const other = new acme.Client({
      directoryUrl: profile.acme_directory_url ?? '',
      accountKey: await acme.crypto.createPrivateKey(),
    });
    await other.createAccount({ termsOfServiceAgreed: true });
    expect((await post(order.url, null, other)).status).toBe(404);
    expect((await post(order.authorizations[0], null, other)).status).toBe(404);
  });

  it('deactivates an authorization (RFC 8555 7.5.2), which invalidates its order', async () => {
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'gone.example.com' }] });
    const [authz] = await client.getAuthorizations(order);
    const deactivated = await client.deactivateAuthorization(authz);
    expect(deactivated.status).toBe('deactivated');
    const again = await post(authz.url, { status: 'deactivated' });
    expect(again.status).toBe(403);
    const reread = await client.getOrder(order);
    expect(reread.status).toBe('invalid');
    expect(reread.error).toMatchObject({ type: 'urn:ietf:params:acme:error:unauthorized' });
  });

  it('starts a validation when a challenge is posted: processing, a job queued, Link rel="up"', async () => {
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'job.example.com' }] });
    const [authz] = await client.getAuthorizations(order);
    const challenge =
      authz.challenges.find((candidate) => candidate.type === 'http-01') ?? authz.challenges[0];
    const answer = await post(challenge.url, {});
    expect(answer.status).toBe(200);
    expect(answer.data.status).toBe('processing');
    expect(answer.headers.link).toContain(`<${authz.url}>;rel="up"`);
    const jobs: unknown[] = await testApp.dataSource.query(
      `SELECT 1 FROM acme_validation_jobs WHERE challenge_id = $1`,
      [Number(challenge.url.split('/').pop())],
    );
    expect(jobs).toHaveLength(1);
    expect((await post(challenge.url, null)).data.status).toBe('processing');
  });

  it('answers orderNotReady to a finalize before the authorizations are valid', async () => {
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'early.example.com' }] });
    const [, csr] = await acme.crypto.createCsr({ altNames: ['early.example.com'] });
    const answer = await post(order.finalize, { csr: acme.crypto.getPemBodyAsB64u(csr) });
    expect(answer.status).toBe(403);
    expect(answer.data.type).toBe('urn:ietf:params:acme:error:orderNotReady');
  });

  it('refuses a CSR naming what the order does not (badCSR), and keeps the order ready', async () => {
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'csr.example.com' }] });
    await authorize(order);
    expect((await client.getOrder(order)).status).toBe('ready');
    const [, csr] = await acme.crypto.createCsr({ altNames: ['csr.example.com', 'extra.example.com'] });
    const answer = await post(order.finalize, { csr: acme.crypto.getPemBodyAsB64u(csr) });
    expect(answer.status).toBe(400);
    expect(answer.data.type).toBe('urn:ietf:params:acme:error:badCSR');
    expect(answer.data.detail).toContain('extra.example.com');
    expect((await client.getOrder(order)).status).toBe('ready');
  });

  it('finalizes a ready order through the issuance pipeline as the account, and serves the chain', async () => {
    const names = ['www.example.com', '*.example.com', '192.0.2.10'];
    const order = await client.createOrder({
      identifiers: names.map((value) => ({ type: /^\d/.test(value) ? 'ip' : 'dns', value })),
    });
    await authorize(order);
    const [, csr] = await acme.crypto.createCsr({ commonName: 'www.example.com', altNames: names });
    const finalized = await client.finalizeOrder(order, csr);
    expect(finalized.status).toBe('valid');
    expect(finalized.certificate).toMatch(/\/cert\/\d+$/);
    const certificateUrl = finalized.certificate ?? '';

    const download = await post(certificateUrl, null);
    expect(download.status).toBe(200);
    expect(download.headers['content-type']).toContain('application/pem-certificate-chain');
    const chain = String(download.data);
    const blocks = pemBlocks(chain);
    expect(blocks).toHaveLength(2);
    ssl.write('root.pem', root.certificate);
    ssl.write('intermediate.pem', blocks[1]);
    ssl.write('leaf.pem', blocks[0]);
    const verified = ssl.run(['verify', '-CAfile', 'root.pem', '-untrusted', 'intermediate.pem', 'leaf.pem']);
    expect(verified.output).toContain('leaf.pem: OK');
    const text = ssl.run(['x509', '-in', 'leaf.pem', '-noout', '-ext', 'subjectAltName']).output;
    expect(text).toContain('DNS:*.example.com');
    expect(text).toContain('IP Address:192.0.2.10');

    const certificateId = Number(certificateUrl.split('/').pop());
    const [row]: { created_by_user_id: number; profile_id: number }[] = await testApp.dataSource.query(
      `SELECT created_by_user_id, profile_id FROM certificates WHERE id = $1`,
      [certificateId],
    );
    expect(row).toEqual({ created_by_user_id: accountId(), profile_id: profile.id });
    const [audit] = await auditRows(testApp, 'cert_sign_csr', certificateId);
    expect(audit.user_id).toBe(accountId());
    expect(audit.detail).toMatchObject({ acme_order_id: Number(order.url.split('/').pop()) });
    const [named]: { username: string; credential: string }[] = await testApp.dataSource.query(
      `SELECT username, credential FROM audit_logs WHERE action = 'cert_sign_csr' AND resource_id = $1`,
      [certificateId],
    );
    expect(named).toEqual({
      username: `acme-account-${accountId()}`,
      credential: `acme_account:${accountId()}`,
    });

    const other = new acme.Client({
      directoryUrl: profile.acme_directory_url ?? '',
      accountKey: await acme.crypto.createPrivateKey(),
    });
    await other.createAccount({ termsOfServiceAgreed: true });
    expect((await post(certificateUrl, null, other)).status).toBe(404);
    const finalizedAgain = await post(order.finalize, { csr: acme.crypto.getPemBodyAsB64u(csr) });
    expect(finalizedAgain.data.type).toBe('urn:ietf:params:acme:error:orderNotReady');
  });

  it("reuses the account's valid authorization for the same identifier: the new order is ready", async () => {
    const first = await client.createOrder({ identifiers: [{ type: 'dns', value: 'reuse.example.com' }] });
    await authorize(first);
    const second = await client.createOrder({ identifiers: [{ type: 'dns', value: 'reuse.example.com' }] });
    expect(second.status).toBe('ready');
    expect(second.authorizations).toEqual(first.authorizations);
  });

  it('expires a pending authorization when read past its expiry, and invalidates its order', async () => {
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'late.example.com' }] });
    const ids = order.authorizations.map((url) => Number(url.split('/').pop()));
    await testApp.dataSource.query(
      `UPDATE acme_authorizations SET expires_at = now() - interval '1 minute' WHERE id = ANY ($1::integer[])`,
      [ids],
    );
    expect((await post(order.authorizations[0], null)).data.status).toBe('expired');
    expect((await client.getOrder(order)).status).toBe('invalid');
  });

  it('refuses a finalize whose CSR the profile refuses: the order becomes invalid with the error', async () => {
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'subject.example.com' }] });
    await authorize(order);
    const [, csr] = await acme.crypto.createCsr({
      commonName: 'subject.example.com',
      altNames: ['subject.example.com'],
      locality: 'Nowhere',
    });
    const answer = await post(order.finalize, { csr: acme.crypto.getPemBodyAsB64u(csr) });
    expect(answer.status).toBe(400);
    expect(answer.data.type).toBe('urn:ietf:params:acme:error:badCSR');
    const reread = await client.getOrder(order);
    expect(reread.status).toBe('invalid');
    expect(reread.error).toMatchObject({ type: 'urn:ietf:params:acme:error:badCSR' });
  });

  it('cancels what a deactivated account had pending (RFC 8555 7.3.6): authorizations deactivated, orders invalid', async () => {
    const leaving = new acme.Client({
      directoryUrl: profile.acme_directory_url ?? '',
      accountKey: await acme.crypto.createPrivateKey(),
    });
    await leaving.createAccount({ termsOfServiceAgreed: true });
    const pending = await leaving.createOrder({
      identifiers: [{ type: 'dns', value: 'leaving.example.com' }],
    });
    const ready = await leaving.createOrder({ identifiers: [{ type: 'dns', value: 'ready.example.com' }] });
    await authorize(ready);
    expect((await leaving.getOrder(ready)).status).toBe('ready');
    await leaving.updateAccount({ status: 'deactivated' });
    const orderIds = [pending, ready].map((order) => Number(order.url.split('/').pop()));
    const orders: { status: string }[] = await testApp.dataSource.query(
      `SELECT status FROM acme_orders WHERE id = ANY ($1::integer[])`,
      [orderIds],
    );
    expect(orders.map((order) => order.status)).toEqual(['invalid', 'invalid']);
    const authorizationIds = [...pending.authorizations, ...ready.authorizations].map((url) =>
      Number(url.split('/').pop()),
    );
    const authorizations: { status: string }[] = await testApp.dataSource.query(
      `SELECT status FROM acme_authorizations WHERE id = ANY ($1::integer[])`,
      [authorizationIds],
    );
    expect(authorizations.map((authorization) => authorization.status)).toEqual([
      'deactivated',
      'deactivated',
    ]);
  });
});
