import * as acme from 'acme-client';
import { X509Certificate } from 'node:crypto';
import { AcmeProfileBody, AcmeTestApp } from './support/acme';
import {
  AcmeIssued,
  AcmeTestAccount,
  ariCertificateId,
  orderCertificate,
  postJws,
  startAcmeServer,
} from './support/acme-issued';
import { OpensslWorkspace } from './support/openssl';
import { CaBody, signCsr } from './support/pki';
import { TestUser } from './support/test-app';

const PROBLEM = 'urn:ietf:params:acme:error:';

describe('ACME renewal information (RFC 9773)', () => {
  let testApp: AcmeTestApp;
  let superuser: TestUser;
  let root: CaBody;
  let profile: AcmeProfileBody;
  let directory: Record<string, string>;
  let owner: AcmeTestAccount;
  let other: AcmeTestAccount;
  let counter = 0;
  const ssl = new OpensslWorkspace();

  beforeAll(async () => {
    ({
      testApp,
      superuser,
      root,
      profile,
      directory,
      accounts: [owner, other],
    } = await startAcmeServer());
  });

  afterAll(async () => {
    ssl.dispose();
    await testApp.close();
  });

  function ordered(account: AcmeTestAccount = owner): Promise<AcmeIssued> {
    counter += 1;
    return orderCertificate(testApp, account, [`ari${counter}.example.com`]);
  }

  async function renewalInfo(certificateId: string): Promise<Response> {
    return fetch(`${directory.renewalInfo}/${certificateId}`);
  }

  function newOrder(account: AcmeTestAccount, payload: Record<string, unknown>) {
    return postJws(profile.acme_directory_url ?? '', directory.newOrder, payload, {
      keyPem: account.keyPem,
      kid: account.url,
    });
  }

  it('the directory names the renewalInfo URL', () => {
    expect(directory.renewalInfo).toMatch(/\/acme\/[^/]+\/renewal-info$/);
  });

  it('suggests a window in the last third of the validity, with Retry-After', async () => {
    const certificate = await ordered();
    const response = await renewalInfo(ariCertificateId(ssl, certificate.pem));
    expect(response.status).toBe(200);
    expect(response.headers.get('retry-after')).toBe('21600');
    expect(response.headers.get('replay-nonce')).toBeTruthy();
    const body = (await response.json()) as { suggestedWindow: { start: string; end: string } };
    const x509 = new X509Certificate(certificate.pem);
    const notBefore = Date.parse(x509.validFrom);
    const notAfter = Date.parse(x509.validTo);
    const lifetime = notAfter - notBefore;
    const start = Date.parse(body.suggestedWindow.start);
    const end = Date.parse(body.suggestedWindow.end);
    expect(body.suggestedWindow.start).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(Math.abs(start - (notBefore + (lifetime * 2) / 3))).toBeLessThanOrEqual(1000);
    expect(Math.abs(end - (notBefore + (lifetime * 5) / 6))).toBeLessThanOrEqual(1000);
    expect(start).toBeGreaterThan(Date.now());
    expect(end).toBeLessThan(notAfter);
  });

  it('suggests renewing at once once the certificate is revoked', async () => {
    const certificate = await ordered();
    await owner.client.revokeCertificate(certificate.pem, { reason: 1 });
    const response = await renewalInfo(ariCertificateId(ssl, certificate.pem));
    expect(response.status).toBe(200);
    const body = (await response.json()) as { suggestedWindow: { start: string; end: string } };
    const now = Date.now();
    expect(Date.parse(body.suggestedWindow.start)).toBeLessThan(now);
    expect(Date.parse(body.suggestedWindow.end)).toBeGreaterThan(now);
    expect(Date.parse(body.suggestedWindow.end)).toBeLessThan(now + 3600_000);
  });

  it.each([
    ['no dot', 'abcdef'],
    ['three parts', 'YQ.AQ.AQ'],
    ['an empty part', 'YQ.'],
    ['padding', 'YQ==.AQ'],
    ['a negative serial', 'YQ.gA'],
    ['a non-minimal serial', 'YQ.AAE'],
    ['a zero serial', 'YQ.AA'],
  ])('answers 400 malformed for an identifier with %s', async (_why, certificateId) => {
    const response = await renewalInfo(certificateId);
    expect(response.status).toBe(400);
    expect(response.headers.get('content-type')).toContain('application/problem+json');
    expect(await response.json()).toMatchObject({ type: `${PROBLEM}malformed` });
  });

  it("answers 404 for a certificate this server did not issue under the profile (unknown, another profile's)", async () => {
    const certificate = await ordered();
    const [keyId] = ariCertificateId(ssl, certificate.pem).split('.');
    const [, csr] = await acme.crypto.createCsr({
      commonName: 'rest.example.com',
      altNames: ['rest.example.com'],
    });
    const rest = await signCsr(testApp, superuser, {
      csr: csr.toString(),
      ca_id: root.id,
      certificate_type: 'server',
    });
    for (const certificateId of [`${keyId}.AQID`, ariCertificateId(ssl, rest.certificate)]) {
      const response = await renewalInfo(certificateId);
      expect(response.status).toBe(404);
      expect(await response.json()).toMatchObject({ type: `${PROBLEM}malformed` });
    }
  });

  describe('newOrder "replaces" (RFC 9773 5)', () => {
    it('accepts the certificate the account obtained and stores what it replaces; a second order is alreadyReplaced', async () => {
      const certificate = await ordered();
      const replaces = ariCertificateId(ssl, certificate.pem);
      const identifiers = [{ type: 'dns', value: `ari${counter}.example.com` }];
      const first = await newOrder(owner, { identifiers, replaces });
      expect(first.status).toBe(201);
      const orderId = Number((first.headers.get('location') ?? '').split('/').pop());
      const [row] = (await testApp.dataSource.query(`SELECT replaces FROM acme_orders WHERE id = $1`, [
        orderId,
      ])) as { replaces: string }[];
      expect(row.replaces).toBe(String(certificate.id));

      const second = await newOrder(owner, { identifiers, replaces });
      expect(second.status).toBe(409);
      expect(second.body).toMatchObject({ type: `${PROBLEM}alreadyReplaced` });

      // A replacing order that failed replaces nothing.
      await testApp.dataSource.query(`UPDATE acme_orders SET status = 'invalid' WHERE id = $1`, [orderId]);
      expect((await newOrder(owner, { identifiers, replaces })).status).toBe(201);
    });

    it("refuses another account's certificate, an order sharing no identifier with it, and a malformed value", async () => {
      const certificate = await ordered(other);
      const replaces = ariCertificateId(ssl, certificate.pem);
      const identifiers = [{ type: 'dns', value: `ari${counter}.example.com` }];
      const refusals = [
        await newOrder(owner, { identifiers, replaces }),
        await newOrder(other, { identifiers: [{ type: 'dns', value: 'elsewhere.example.com' }], replaces }),
        await newOrder(other, { identifiers, replaces: 42 }),
        await newOrder(other, { identifiers, replaces: 'not-an-id' }),
      ];
      for (const answer of refusals) {
        expect(answer.status).toBe(400);
        expect(answer.body).toMatchObject({ type: `${PROBLEM}malformed` });
      }
      expect((await newOrder(other, { identifiers, replaces })).status).toBe(201);
    });
  });
});
