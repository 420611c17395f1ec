import * as acme from 'acme-client';
import {
  acmeFixture,
  AcmeProfileBody,
  AcmeTestApp,
  createAcmeProfile,
  startListeningTestApp,
} from './support/acme';
import { OpensslWorkspace } from './support/openssl';
import { CaBody } from './support/pki';
import { bearer, TestUser } from './support/test-app';

/** acme-client's signed-request layer (not in its types): the full answer, problems included. */
interface SignedHttp {
  signedRequest(
    url: string,
    payload: unknown,
    options: { kid: string },
  ): Promise<{ status: number; headers: Record<string, string>; data: Record<string, unknown> }>;
}

const TERMS = 'https://ca.example.test/terms';

/**
 * What an attacker or a sloppy client tries against the ACME server, and what it must not get: a
 * name nobody validated in the subject, the account key as certificate key, addresses that stand
 * for others, an order stuck processing, an unsigned probe of an account's state.
 */
describe('ACME hardening', () => {
  let testApp: AcmeTestApp;
  let superuser: TestUser;
  let root: CaBody;
  let profile: AcmeProfileBody;
  let ssl: OpensslWorkspace;
  let accountKeyPem: Buffer;
  let client: acme.Client;

  const post = (url: string, payload: unknown) =>
    (client as unknown as { http: SignedHttp }).http.signedRequest(url, payload, {
      kid: client.getAccountUrl(),
    });

  async function readyOrder(name: string): Promise<acme.Order> {
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: name }] });
    const ids = order.authorizations.map((url) => Number(url.split('/').pop()));
    await testApp.dataSource.query(
      `UPDATE acme_authorizations SET status = 'valid' WHERE id = ANY ($1::integer[])`,
      [ids],
    );
    return client.getOrder(order);
  }

  beforeAll(async () => {
    testApp = await startListeningTestApp({ ACME_TERMS_OF_SERVICE_URL: TERMS });
    ({ superuser, root } = await acmeFixture(testApp));
    profile = await createAcmeProfile(testApp, superuser, root, {
      acme_eab_required: false,
      allowed_dns: ['*.example.com'],
      allowed_ip_ranges: ['2001:db8::/32', '10.0.0.0/8', '::/0'],
    });
    ssl = new OpensslWorkspace();
    accountKeyPem = await acme.crypto.createPrivateEcdsaKey();
    client = new acme.Client({ directoryUrl: profile.acme_directory_url ?? '', accountKey: accountKeyPem });
    await client.createAccount({ termsOfServiceAgreed: true });
  });

  afterAll(async () => {
    ssl?.dispose();
    await testApp?.close();
  });

  it('links the terms of service when an account does not agree to them (RFC 8555 7.3.3)', async () => {
    const stranger = new acme.Client({
      directoryUrl: profile.acme_directory_url ?? '',
      accountKey: await acme.crypto.createPrivateEcdsaKey(),
    });
    const directory = await testApp.http().get(new URL(profile.acme_directory_url ?? '').pathname);
    expect(directory.body.meta.termsOfService).toBe(TERMS);
    const refused = await stranger
      .createAccount({ termsOfServiceAgreed: false })
      .catch((error: Error) => error);
    expect(String(refused)).toContain('Agree to the terms of service');
    const raw = (stranger as unknown as { http: { signedRequest: SignedHttp['signedRequest'] } }).http;
    const answer = await (
      raw as unknown as {
        signedRequest(
          url: string,
          payload: unknown,
          options: { jwk: unknown },
        ): ReturnType<SignedHttp['signedRequest']>;
      }
    ).signedRequest(
      profile.acme_directory_url?.replace(/directory$/, 'new-account') ?? '',
      { termsOfServiceAgreed: false },
      { jwk: (stranger as unknown as { http: { getJwk(): unknown } }).http.getJwk() },
    );
    expect(answer.status).toBe(403);
    expect(answer.data.type).toBe('urn:ietf:params:acme:error:userActionRequired');
    expect(answer.headers.link).toContain(`<${TERMS}>;rel="terms-of-service"`);
  });

  it('refuses a CSR with a second Common Name, which no identifier of the order validates', async () => {
    const order = await readyOrder('multi.example.com');
    const { csr } = ssl.csr(
      'two-cns',
      ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      '/CN=evil.attacker.net/CN=multi.example.com',
      ['subjectAltName=DNS:multi.example.com'],
    );
    const answer = await post(order.finalize, { csr: acme.crypto.getPemBodyAsB64u(csr) });
    expect(answer.status).toBe(400);
    expect(answer.data).toMatchObject({
      type: 'urn:ietf:params:acme:error:badCSR',
      detail: expect.stringContaining('several Common Names'),
    });
    expect((await client.getOrder(order)).status).toBe('ready');
  });

  it('refuses two Common Names on the REST API too (the issuance rule, not only ACME)', async () => {
    const { csr } = ssl.csr(
      'rest-two-cns',
      ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
      '/CN=a.example.com/CN=b.example.com',
    );
    const answer = await testApp
      .http()
      .post('/api/v1/certificates/sign-csr')
      .set(...bearer(superuser))
      .send({ ca_id: root.id, csr, certificate_type: 'server' });
    expect(answer.status).toBe(400);
    expect(answer.body.detail).toBe('The subject has 2 Common Names (CN); a certificate may have one');
  });

  it('refuses the account key as the certificate key', async () => {
    const order = await readyOrder('same-key.example.com');
    const [, csr] = await acme.crypto.createCsr({ commonName: 'same-key.example.com' }, accountKeyPem);
    const answer = await post(order.finalize, { csr: acme.crypto.getPemBodyAsB64u(csr) });
    expect(answer.status).toBe(400);
    expect(answer.data).toMatchObject({
      type: 'urn:ietf:params:acme:error:badCSR',
      detail: expect.stringContaining('is the account key'),
    });
    const [, ownKeyCsr] = await acme.crypto.createCsr({ commonName: 'same-key.example.com' });
    expect((await client.finalizeOrder(order, ownKeyCsr)).status).toBe('valid');
  });

  it.each(['::ffff:10.0.0.1', '::ffff:a00:1', '::a00:1', '64:ff9b::a9fe:a9fe', '0.0.0.0', '::'])(
    'refuses the IP identifier %s, which stands for another address or none',
    async (address) => {
      const answer = await post(profile.acme_directory_url?.replace(/directory$/, 'new-order') ?? '', {
        identifiers: [{ type: 'ip', value: address }],
      });
      expect(answer.status).toBe(400);
      expect(JSON.stringify(answer.data)).toContain('stands for another address or none');
    },
  );

  it('lets an order left processing by a dead instance be finalized again after a while', async () => {
    const order = await readyOrder('stuck.example.com');
    const id = Number(order.url.split('/').pop());
    await testApp.dataSource.query(
      `UPDATE acme_orders SET status = 'processing', updated_at = now() - interval '1 minute' WHERE id = $1`,
      [id],
    );
    const processing = await post(order.url, '');
    expect(processing.data.status).toBe('processing');
    expect(processing.headers['retry-after']).toBeDefined();
    await testApp.dataSource.query(
      `UPDATE acme_orders SET updated_at = now() - interval '10 minutes' WHERE id = $1`,
      [id],
    );
    expect((await client.getOrder(order)).status).toBe('ready');
    const [, csr] = await acme.crypto.createCsr({ commonName: 'stuck.example.com' });
    expect((await client.finalizeOrder(order, csr)).status).toBe('valid');
  });

  it("tells an unsigned request nothing of a deactivated account's state", async () => {
    const leaving = new acme.Client({
      directoryUrl: profile.acme_directory_url ?? '',
      accountKey: await acme.crypto.createPrivateEcdsaKey(),
    });
    await leaving.createAccount({ termsOfServiceAgreed: true });
    const accountUrl = leaving.getAccountUrl();
    await leaving.updateAccount({ status: 'deactivated' });
    const nonce = (
      await testApp
        .http()
        .head(new URL(profile.acme_directory_url?.replace(/directory$/, 'new-nonce') ?? '').pathname)
    ).headers['replay-nonce'];
    const header = Buffer.from(
      JSON.stringify({ alg: 'ES256', kid: accountUrl, nonce, url: accountUrl }),
    ).toString('base64url');
    const forged = await testApp
      .http()
      .post(new URL(accountUrl).pathname)
      .set('Content-Type', 'application/jose+json')
      .send(JSON.stringify({ protected: header, payload: '', signature: 'AAAA' }));
    expect(forged.status).toBe(400);
    expect(forged.body.type).toBe('urn:ietf:params:acme:error:malformed');
    expect(forged.body.detail).toContain('signature');
  });
});
