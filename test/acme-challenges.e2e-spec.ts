import * as acme from 'acme-client';
import { createServer, Server } from 'node:http';
import * as tls from 'node:tls';
import { DnsTestServer } from '../src/acme/validation/testing/dns-test-server';
import {
  acmeFixture,
  AcmeProfileBody,
  AcmeTestApp,
  createAcmeProfile,
  startListeningTestApp,
} from './support/acme';
import { freePort } from './support/service-process';
import { OpensslWorkspace } from './support/openssl';
import { CaBody, pemBlocks } from './support/pki';

/**
 * The whole ACME flow with real validation (issue 18 items 3 and 4): acme-client answers http-01 from
 * an HTTP server, dns-01 through a DNS server (ACME_DNS_RESOLVER) and tls-alpn-01 from a TLS server,
 * all on loopback at the ports the validator is told to use; the validator's job runner decides.
 */
describe('ACME challenges validated for real (http-01, dns-01, tls-alpn-01)', () => {
  let testApp: AcmeTestApp;
  let dns: DnsTestServer;
  let http01: Server;
  let alpn: tls.Server;
  let root: CaBody;
  let profile: AcmeProfileBody;
  let ssl: OpensslWorkspace;
  const httpTokens = new Map<string, string>();
  const alpnContexts = new Map<string, tls.SecureContext>();

  beforeAll(async () => {
    dns = await DnsTestServer.start();
    const httpPort = await freePort();
    const alpnPort = await freePort();
    http01 = createServer((req, res) => {
      const token = (req.url ?? '').replace('/.well-known/acme-challenge/', '');
      const answer = httpTokens.get(token);
      res.writeHead(answer === undefined ? 404 : 200, { 'Content-Type': 'text/plain' }).end(answer ?? 'no');
    });
    await new Promise<void>((resolve) => http01.listen(httpPort, '127.0.0.1', resolve));
    alpn = tls.createServer({
      ALPNProtocols: ['acme-tls/1'],
      SNICallback: (name, done) => done(null, alpnContexts.get(name)),
    });
    alpn.on('tlsClientError', () => undefined);
    await new Promise<void>((resolve) => alpn.listen(alpnPort, '127.0.0.1', resolve));
    testApp = await startListeningTestApp({
      ACME_DNS_RESOLVER: dns.address,
      ACME_HTTP01_PORT: String(httpPort),
      ACME_TLS_ALPN01_PORT: String(alpnPort),
      ACME_VALIDATION_ATTEMPTS: '1',
      ACME_VALIDATION_DENY_NETWORKS: '127.0.0.2/32',
    });
    let superuser;
    ({ superuser, root } = await acmeFixture(testApp));
    profile = await createAcmeProfile(testApp, superuser, root, {
      acme_eab_required: false,
      allowed_dns: ['*.example.test', 'example.test'],
      allow_wildcard_certificates: true,
      allowed_ip_ranges: ['127.0.0.0/8'],
    });
    ssl = new OpensslWorkspace();
  });

  afterAll(async () => {
    ssl?.dispose();
    await testApp?.close();
    await new Promise((resolve) => http01?.close(resolve));
    await new Promise((resolve) => alpn?.close(resolve));
    await dns?.close();
  });

  async function newClient(): Promise<acme.Client> {
    const client = new acme.Client({
      directoryUrl: profile.acme_directory_url ?? '',
      accountKey: await acme.crypto.createPrivateEcdsaKey(),
    });
    await client.createAccount({ termsOfServiceAgreed: true });
    return client;
  }

  /** Every name resolves to 127.0.0.1 (the challenge servers), like pebble-challtestsrv. */
  function resolvable(...names: string[]): void {
    for (const name of names) dns.a.set(name.replace(/^\*\./, ''), ['127.0.0.1']);
  }

  async function obtain(
    client: acme.Client,
    names: string[],
    type: 'http-01' | 'dns-01' | 'tls-alpn-01',
  ): Promise<string> {
    const [key, csr] = await acme.crypto.createCsr({ commonName: names[0], altNames: names });
    void key;
    return client.auto({
      csr,
      challengePriority: [type],
      skipChallengeVerification: true,
      challengeCreateFn: async (authz, challenge, keyAuthorization) => {
        if (challenge.type === 'http-01') httpTokens.set(challenge.token, keyAuthorization);
        if (challenge.type === 'dns-01') {
          const name = `_acme-challenge.${authz.identifier.value}`;
          // acme-client hands dns-01 the TXT value itself: base64url(SHA-256(key authorization)).
          dns.txt.set(name, [...(dns.txt.get(name) ?? []), keyAuthorization]);
        }
        if ((challenge.type as string) === 'tls-alpn-01') {
          const [alpnKey, alpnCert] = await acme.crypto.createAlpnCertificate(authz, keyAuthorization);
          alpnContexts.set(authz.identifier.value, tls.createSecureContext({ key: alpnKey, cert: alpnCert }));
        }
      },
      challengeRemoveFn: async () => undefined,
    });
  }

  function verifies(chainPem: string): void {
    const [leaf, ...chain] = pemBlocks(chainPem);
    ssl.write('root.pem', root.certificate ?? '');
    ssl.write('chain.pem', chain.join(''));
    ssl.write('leaf.pem', leaf);
    const args = ['verify', '-CAfile', ssl.path('root.pem')];
    if (chain.length > 0) args.push('-untrusted', ssl.path('chain.pem'));
    const result = ssl.run([...args, ssl.path('leaf.pem')]);
    expect(result.output).toContain('leaf.pem: OK');
  }

  it('issues after http-01, audited with the account as actor', async () => {
    resolvable('www.example.test');
    const client = await newClient();
    const chain = await obtain(client, ['www.example.test'], 'http-01');
    verifies(chain);
    const accountId = Number(client.getAccountUrl().split('/').pop());
    const rows: { username: string; credential: string; detail: Record<string, unknown> }[] =
      await testApp.dataSource.query(
        `SELECT username, credential, detail FROM audit_logs WHERE action = 'cert_sign_csr' AND user_id = $1`,
        [accountId],
      );
    expect(rows).toEqual([
      expect.objectContaining({
        username: `acme-account-${accountId}`,
        credential: `acme_account:${accountId}`,
        detail: expect.objectContaining({ acme_account_id: accountId, profile_id: profile.id }),
      }),
    ]);
  });

  it('issues a wildcard after dns-01, the only challenge a wildcard is offered', async () => {
    resolvable('example.test');
    const client = await newClient();
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: '*.example.test' }] });
    const [authz] = await client.getAuthorizations(order);
    expect(authz.wildcard).toBe(true);
    expect(authz.challenges.map((challenge) => challenge.type)).toEqual(['dns-01']);
    const chain = await obtain(client, ['*.example.test', 'example.test'], 'dns-01');
    verifies(chain);
    expect(
      ssl.run(['x509', '-noout', '-ext', 'subjectAltName', '-in', ssl.write('w.pem', pemBlocks(chain)[0])])
        .output,
    ).toContain('DNS:*.example.test');
  });

  it('issues after tls-alpn-01 (RFC 8737)', async () => {
    resolvable('alpn.example.test');
    const chain = await obtain(await newClient(), ['alpn.example.test'], 'tls-alpn-01');
    verifies(chain);
  });

  it('issues for an IP identifier after http-01 (RFC 8738)', async () => {
    const client = await newClient();
    const [, csr] = await acme.crypto.createCsr({ altNames: ['127.0.0.1'] });
    const order = await client.createOrder({ identifiers: [{ type: 'ip', value: '127.0.0.1' }] });
    const [authz] = await client.getAuthorizations(order);
    expect(authz.challenges.map((challenge) => challenge.type).sort()).toEqual(['http-01', 'tls-alpn-01']);
    const challenge = authz.challenges.find((candidate) => candidate.type === 'http-01');
    if (!challenge) throw new Error('no http-01');
    httpTokens.set(challenge.token, await client.getChallengeKeyAuthorization(challenge));
    await client.completeChallenge(challenge);
    await client.waitForValidStatus(challenge);
    const finalized = await client.finalizeOrder(order, csr);
    verifies(await client.getCertificate(finalized));
  });

  it('makes the challenge, authorization and order invalid when the answer is wrong', async () => {
    resolvable('wrong.example.test');
    const client = await newClient();
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'wrong.example.test' }] });
    const [authz] = await client.getAuthorizations(order);
    const challenge = authz.challenges.find((candidate) => candidate.type === 'http-01');
    if (!challenge) throw new Error('no http-01');
    httpTokens.set(challenge.token, 'not the key authorization');
    await client.completeChallenge(challenge);
    await expect(client.waitForValidStatus(challenge)).rejects.toThrow();
    const failed = await client.getAuthorizations(order);
    expect(failed[0].status).toBe('invalid');
    const failedChallenge = failed[0].challenges.find((candidate) => candidate.type === 'http-01');
    expect(failedChallenge?.status).toBe('invalid');
    expect(failedChallenge?.error).toMatchObject({ type: 'urn:ietf:params:acme:error:unauthorized' });
    expect((await client.getOrder(order)).status).toBe('invalid');
  });

  it('never connects to a denied network (ACME_VALIDATION_DENY_NETWORKS)', async () => {
    dns.a.set('inside.example.test', ['127.0.0.2']);
    const client = await newClient();
    const order = await client.createOrder({ identifiers: [{ type: 'dns', value: 'inside.example.test' }] });
    const [authz] = await client.getAuthorizations(order);
    const challenge = authz.challenges.find((candidate) => candidate.type === 'http-01');
    if (!challenge) throw new Error('no http-01');
    await client.completeChallenge(challenge);
    await expect(client.waitForValidStatus(challenge)).rejects.toThrow();
    const [failed] = await client.getAuthorizations(order);
    const failedChallenge = failed.challenges.find((candidate) => candidate.type === 'http-01');
    expect(failedChallenge?.error).toMatchObject({ type: 'urn:ietf:params:acme:error:rejectedIdentifier' });
    expect(JSON.stringify(failedChallenge?.error)).toContain('127.0.0.2');
  });

  it('counts validations, orders and issuance latency on /metrics', async () => {
    const metrics = (await testApp.http().get('/metrics')).text;
    expect(metrics).toMatch(/acme_challenge_validations_total\{type="http-01",result="valid"\} [1-9]/);
    expect(metrics).toMatch(/acme_challenge_validations_total\{type="http-01",result="invalid"\} [1-9]/);
    expect(metrics).toMatch(/acme_challenge_validations_total\{type="dns-01",result="valid"\} [1-9]/);
    expect(metrics).toMatch(/acme_challenge_validations_total\{type="tls-alpn-01",result="valid"\} [1-9]/);
    expect(metrics).toMatch(/acme_orders\{status="valid"\} [1-9]/);
    expect(metrics).toMatch(/acme_orders\{status="invalid"\} [1-9]/);
    expect(metrics).toMatch(/acme_issuance_duration_seconds_count [1-9]/);
  });
});
