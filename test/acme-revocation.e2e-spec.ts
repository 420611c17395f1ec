import { AcmeTestApp } from './support/acme';
import {
  AcmeIssued,
  AcmeTestAccount,
  certificateField,
  createAcmeAccount,
  orderCertificate,
  postJws,
  startAcmeServer,
} from './support/acme-issued';
import { OpensslWorkspace } from './support/openssl';
import { CaBody, crlText, fetchCrl, signCsr } from './support/pki';
import { bearer, TestUser } from './support/test-app';
import * as acme from 'acme-client';

const PROBLEM = 'urn:ietf:params:acme:error:';

describe('ACME revokeCert (RFC 8555 7.6)', () => {
  let testApp: AcmeTestApp;
  let superuser: TestUser;
  let root: CaBody;
  let directoryUrl: string;
  let revokeUrl: string;
  let owner: AcmeTestAccount;
  let stranger: AcmeTestAccount;
  let counter = 0;
  const ssl = new OpensslWorkspace();

  beforeAll(async () => {
    let directory: Record<string, string>;
    ({
      testApp,
      superuser,
      root,
      directoryUrl,
      directory,
      accounts: [owner, stranger],
    } = await startAcmeServer());
    revokeUrl = directory.revokeCert;
  });

  afterAll(async () => {
    ssl.dispose();
    await testApp.close();
  });

  function issued(account: AcmeTestAccount = owner): Promise<AcmeIssued> {
    counter += 1;
    return orderCertificate(testApp, account, [
      `site${counter}.example.com`,
      `www.site${counter}.example.com`,
    ]);
  }

  async function certificateRow(id: number): Promise<Record<string, unknown>> {
    const response = await testApp
      .http()
      .get(`/api/v1/certificates/${id}`)
      .set(...bearer(superuser))
      .expect(200);
    return response.body as Record<string, unknown>;
  }

  async function revocationAudit(id: number): Promise<Record<string, unknown>[]> {
    const rows: Record<string, unknown>[] = await testApp.dataSource.query(
      `SELECT user_id, username, credential, detail FROM audit_logs
        WHERE action = 'cert_revoke' AND resource_id = $1 ORDER BY id`,
      [id],
    );
    return rows.map((row) => ({
      ...row,
      detail: typeof row.detail === 'string' ? (JSON.parse(row.detail) as unknown) : row.detail,
    }));
  }

  /** The one cert_revoke row of the certificate: who it names (an account, or nobody) and the proof. */
  async function expectRevokedBy(
    id: number,
    actor: AcmeTestAccount | null,
    detail: { revoked_by: string; reason_code?: number },
  ): Promise<void> {
    expect(await revocationAudit(id)).toEqual([
      {
        user_id: actor?.id ?? null,
        username: actor ? `acme-account-${actor.id}` : null,
        credential: actor ? `acme_account:${actor.id}` : null,
        detail: expect.objectContaining(detail),
      },
    ]);
  }

  function byAccount(account: AcmeTestAccount, payload: unknown) {
    return postJws(directoryUrl, revokeUrl, payload, { keyPem: account.keyPem, kid: account.url });
  }

  it('revokes for the account that ordered it (keyCompromise): 200, empty, the CRL lists it, the audit row names the account', async () => {
    const certificate = await issued();
    await owner.client.revokeCertificate(certificate.pem, { reason: 1 });

    const row = await certificateRow(certificate.id);
    expect(row).toMatchObject({ status: 'revoked', revocation_reason_code: 1 });
    const crl = crlText(ssl, await fetchCrl(testApp, superuser, root.id));
    expect(crl).toContain(`Serial Number: ${certificate.serialNumber.toUpperCase()}`);
    expect(crl).toMatch(/Key Compromise/);
    await expectRevokedBy(certificate.id, owner, { reason_code: 1, revoked_by: 'account' });
  });

  it('answers 200 with an empty body, and alreadyRevoked the second time', async () => {
    const certificate = await issued();
    const first = await byAccount(owner, { certificate: certificateField(certificate.pem) });
    expect(first.status).toBe(200);
    expect(first.body).toBeNull();
    expect(first.headers.get('replay-nonce')).toBeTruthy();
    expect((await certificateRow(certificate.id)).revocation_reason_code).toBe(0);

    const second = await byAccount(owner, { certificate: certificateField(certificate.pem), reason: 4 });
    expect(second.status).toBe(400);
    expect(second.body).toMatchObject({ type: `${PROBLEM}alreadyRevoked` });
    expect(await revocationAudit(certificate.id)).toHaveLength(1);
  });

  it.each([7, 8, 11, -1, 1.5, '1', null])('refuses reason %p with badRevocationReason', async (reason) => {
    const certificate = await issued();
    const answer = await byAccount(owner, { certificate: certificateField(certificate.pem), reason });
    expect(answer.status).toBe(400);
    expect(answer.body).toMatchObject({ type: `${PROBLEM}badRevocationReason` });
    expect((await certificateRow(certificate.id)).status).toBe('valid');
  });

  it('refuses a payload without a base64url certificate (malformed)', async () => {
    for (const payload of [{}, { certificate: 'not base64url!' }, { certificate: 42 }, 'x']) {
      const answer = await byAccount(owner, payload);
      expect(answer.status).toBe(400);
      expect(answer.body).toMatchObject({ type: `${PROBLEM}malformed` });
    }
  });

  it('revokes with the certificate key (jwk): the audit row names the ordering account and the proof', async () => {
    const certificate = await issued();
    const answer = await postJws(
      directoryUrl,
      revokeUrl,
      { certificate: certificateField(certificate.pem), reason: 4 },
      { keyPem: certificate.keyPem },
    );
    expect(answer.status).toBe(200);
    expect(await certificateRow(certificate.id)).toMatchObject({
      status: 'revoked',
      revocation_reason_code: 4,
    });
    await expectRevokedBy(certificate.id, owner, { reason_code: 4, revoked_by: 'certificate_key' });
  });

  it('revokes with the certificate key after its account is gone, with no actor', async () => {
    const gone = await createAcmeAccount(directoryUrl);
    const certificate = await issued(gone);
    await testApp.dataSource.query(`DELETE FROM users WHERE id = $1`, [gone.id]);
    const answer = await postJws(
      directoryUrl,
      revokeUrl,
      { certificate: certificateField(certificate.pem) },
      { keyPem: certificate.keyPem },
    );
    expect(answer.status).toBe(200);
    await expectRevokedBy(certificate.id, null, { revoked_by: 'certificate_key' });
  });

  it("refuses a jwk that is not the certificate's key (unauthorized)", async () => {
    const certificate = await issued();
    const other = await issued();
    const answer = await postJws(
      directoryUrl,
      revokeUrl,
      { certificate: certificateField(certificate.pem) },
      { keyPem: other.keyPem },
    );
    expect(answer.status).toBe(403);
    expect(answer.body).toMatchObject({ type: `${PROBLEM}unauthorized` });
    expect((await certificateRow(certificate.id)).status).toBe('valid');
  });

  it('refuses another account without authorizations, and revokes once it holds valid ones for every name', async () => {
    const certificate = await issued();
    const refused = await byAccount(stranger, { certificate: certificateField(certificate.pem) });
    expect(refused.status).toBe(403);
    expect(refused.body).toMatchObject({ type: `${PROBLEM}unauthorized` });

    // Authorizations as the orders module leaves them once validated: one name short, then all.
    const names = [`site${counter}.example.com`, `www.site${counter}.example.com`];
    const authorize = (value: string, status: string, expiresIn: string) =>
      testApp.dataSource.query(
        `INSERT INTO acme_authorizations (account_id, identifier_type, identifier_value, status, expires_at)
         VALUES ($1, 'dns', $2, $3, now() + $4::interval)`,
        [stranger.id, value, status, expiresIn],
      );
    await authorize(names[0], 'valid', '1 day');
    await authorize(names[1], 'valid', '-1 minute');
    await authorize(names[1], 'pending', '1 day');
    expect((await byAccount(stranger, { certificate: certificateField(certificate.pem) })).status).toBe(403);

    await authorize(names[1], 'valid', '1 day');
    const answer = await byAccount(stranger, { certificate: certificateField(certificate.pem), reason: 5 });
    expect(answer.status).toBe(200);
    await expectRevokedBy(certificate.id, stranger, { reason_code: 5, revoked_by: 'authorizations' });
  });

  it("answers 404 for a certificate this ACME server did not issue (another profile's, or none)", async () => {
    const [, csr] = await acme.crypto.createCsr({
      commonName: 'rest.example.com',
      altNames: ['rest.example.com'],
    });
    const rest = await signCsr(testApp, superuser, {
      csr: csr.toString(),
      ca_id: root.id,
      certificate_type: 'server',
    });
    // Owned by the account, but not issued under its profile: still not this server's.
    await testApp.dataSource.query(`UPDATE certificates SET created_by_user_id = $1 WHERE id = $2`, [
      owner.id,
      rest.id,
    ]);
    for (const certificate of [
      certificateField(rest.certificate),
      Buffer.from('junk').toString('base64url'),
    ]) {
      const answer = await byAccount(owner, { certificate });
      expect(answer.status).toBe(404);
      expect(answer.body).toMatchObject({ type: `${PROBLEM}malformed` });
    }
    expect((await certificateRow(rest.id)).status).toBe('valid');
  });
});
