import { HttpAdapterHost } from '@nestjs/core';
import { exportJWK, generateKeyPair, type JWK } from 'jose';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import { loadAppConfig } from '../../config/app-config';
import { buildDataSourceOptions } from '../../database/data-source-options';
import type { DatabaseOutageMonitor } from '../../database/database-outage.monitor';
import { Transactions } from '../../database/transactions';
import { DomainMetrics } from '../../system/domain-metrics';
import { createTestDatabase, type TestDatabase } from '../../../test/support/test-database';
import { AcmeAccountRepository } from '../accounts/acme-account.repository';
import { AcmeOrderRepository } from '../orders/acme-order.repository';
import { AcmeChallengeValidationRepository } from './acme-challenge-validation.repository';
import { AcmeValidationJobRepository } from './acme-validation-job.repository';
import { keyAuthorization } from './key-authorization';
import { ValidationJobRunner } from './validation-job-runner';

const SECOND = 1000;

describe('ValidationJobRunner', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  let server: Server;
  let jwk: JWK;
  let accountId: number;
  /** Tokens the challenge server answers, with the key authorization; others get a 404. */
  const served = new Set<string>();
  const requests: string[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    const target =
      database.url === 'memory://'
        ? { kind: 'pglite-memory' as const }
        : { kind: 'postgres' as const, url: database.url };
    dataSource = new DataSource(await buildDataSourceOptions(target));
    await dataSource.initialize();
    jwk = await exportJWK((await generateKeyPair('ES256')).publicKey);
    const [organization] = await dataSource.query(
      `INSERT INTO organizations (name) VALUES ('acme org') RETURNING id`,
    );
    const [user] = await dataSource.query(
      `INSERT INTO users (username, role, kind, organization_id) VALUES ('acme-account', 'user', 'acme_account', $1) RETURNING id`,
      [organization.id],
    );
    const [profile] = await dataSource.query(
      `INSERT INTO certificate_profiles (name, organization_id) VALUES ('acme web', $1) RETURNING id`,
      [organization.id],
    );
    await dataSource.query(
      `INSERT INTO acme_accounts (id, profile_id, jwk, jwk_thumbprint) VALUES ($1, $2, $3, 'thumbprint')`,
      [user.id, profile.id, JSON.stringify(jwk)],
    );
    accountId = user.id;
    server = createServer(async (request, response) => {
      const token = (request.url ?? '').split('/').pop() ?? '';
      requests.push(token);
      if (served.has(token)) response.end(await keyAuthorization(token, jwk));
      else response.writeHead(404).end();
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });

  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await dataSource?.destroy();
    await database?.drop();
  });

  beforeEach(async () => {
    served.clear();
    requests.length = 0;
    await dataSource.query(`DELETE FROM acme_validation_jobs`);
  });

  function runner(): ValidationJobRunner {
    const config = loadAppConfig({
      DATABASE_URL: 'memory://',
      ACME_HTTP01_PORT: String((server.address() as AddressInfo).port),
      ACME_VALIDATION_TIMEOUT_SECONDS: '2',
      ACME_VALIDATION_ATTEMPTS: '3',
      // The challenge server is on loopback, which the default denies.
      ACME_VALIDATION_DENY_NETWORKS: '169.254.0.0/16',
    });
    const transactions = new Transactions(dataSource);
    return new ValidationJobRunner(
      config,
      transactions,
      new AcmeValidationJobRepository(),
      new AcmeChallengeValidationRepository(new AcmeOrderRepository(transactions)),
      new AcmeAccountRepository(transactions),
      new DomainMetrics(),
      {} as DatabaseOutageMonitor,
      new HttpAdapterHost(),
    );
  }

  let tokenCounter = 0;

  /** A pending order with one pending authorization per IP, each with a processing http-01 challenge queued. */
  async function order(
    count = 1,
  ): Promise<{ orderId: number; authorizationIds: number[]; challenges: { id: number; token: string }[] }> {
    const [row] = await dataSource.query(
      `INSERT INTO acme_orders (account_id, status, identifiers, expires_at)
       VALUES ($1, 'pending', '[]', now() + interval '1 day') RETURNING id`,
      [accountId],
    );
    const authorizationIds: number[] = [];
    const challenges: { id: number; token: string }[] = [];
    for (let i = 0; i < count; i++) {
      const [authorization] = await dataSource.query(
        `INSERT INTO acme_authorizations (account_id, identifier_type, identifier_value, status, expires_at)
         VALUES ($1, 'ip', '127.0.0.1', 'pending', now() + interval '1 day') RETURNING id`,
        [accountId],
      );
      await dataSource.query(
        `INSERT INTO acme_order_authorizations (order_id, authorization_id) VALUES ($1, $2)`,
        [row.id, authorization.id],
      );
      tokenCounter += 1;
      const token = `token-${tokenCounter}`;
      const [challenge] = await dataSource.query(
        `INSERT INTO acme_challenges (authorization_id, type, token, status) VALUES ($1, 'http-01', $2, 'processing') RETURNING id`,
        [authorization.id, token],
      );
      await new Transactions(dataSource).run((tx) => runner().enqueue(tx, challenge.id));
      authorizationIds.push(authorization.id);
      challenges.push({ id: challenge.id, token });
    }
    return { orderId: row.id, authorizationIds, challenges };
  }

  const statusOf = async (table: string, id: number) => {
    const [row] = await dataSource.query(`SELECT * FROM ${table} WHERE id = $1`, [id]);
    return 'error' in row ? { status: row.status, error: row.error } : { status: row.status };
  };
  const jobOf = async (challengeId: number) =>
    (await dataSource.query(`SELECT * FROM acme_validation_jobs WHERE challenge_id = $1`, [challengeId]))[0];

  it('makes the challenge and authorization valid, and the order ready once all its authorizations are', async () => {
    const { orderId, authorizationIds, challenges } = await order(2);
    served.add(challenges[0].token);
    const validations = register.getSingleMetric('acme_challenge_validations_total');
    const before =
      (await validations?.get())?.values.find((value) => value.labels.result === 'valid')?.value ?? 0;

    const worker = runner();
    await expect(worker.runDueJobs()).resolves.toBe(2);
    expect(await statusOf('acme_challenges', challenges[0].id)).toEqual({ status: 'valid', error: null });
    expect(await statusOf('acme_authorizations', authorizationIds[0])).toMatchObject({ status: 'valid' });
    expect(await statusOf('acme_orders', orderId)).toMatchObject({ status: 'pending' });
    expect(await jobOf(challenges[0].id)).toBeUndefined();

    served.add(challenges[1].token);
    await expect(worker.runDueJobs(new Date(Date.now() + 3 * SECOND))).resolves.toBe(1);
    expect(await statusOf('acme_authorizations', authorizationIds[1])).toMatchObject({ status: 'valid' });
    expect(await statusOf('acme_orders', orderId)).toMatchObject({ status: 'ready' });
    const after = (await validations?.get())?.values.find(
      (value) => value.labels.result === 'valid' && value.labels.type === 'http-01',
    )?.value;
    expect(after).toBe(before + 2);
  });

  it('retries a failed attempt after a back-off, then makes the challenge, authorization and order invalid', async () => {
    const { orderId, authorizationIds, challenges } = await order();
    const [{ id: challengeId }] = challenges;
    const worker = runner();

    await expect(worker.runDueJobs()).resolves.toBe(1);
    const job = await jobOf(challengeId);
    expect(job).toMatchObject({ attempts: 1, claimed_until: null });
    expect(job.last_error).toMatch(/^unauthorized: .* answered HTTP 404/);
    expect(new Date(job.run_after).getTime() - Date.now()).toBeGreaterThan(SECOND);
    expect(await statusOf('acme_challenges', challengeId)).toMatchObject({ status: 'processing' });
    await expect(worker.runDueJobs()).resolves.toBe(0);

    await expect(worker.runDueJobs(new Date(Date.now() + 3 * SECOND))).resolves.toBe(1);
    expect(await jobOf(challengeId)).toMatchObject({ attempts: 2 });
    await expect(worker.runDueJobs(new Date(Date.now() + 10 * SECOND))).resolves.toBe(1);

    const challenge = await statusOf('acme_challenges', challengeId);
    expect(challenge).toEqual({
      status: 'invalid',
      error: {
        type: 'urn:ietf:params:acme:error:unauthorized',
        detail: expect.stringContaining('answered HTTP 404, not 200 with the key authorization'),
        status: 403,
        identifier: { type: 'ip', value: '127.0.0.1' },
      },
    });
    expect(await statusOf('acme_authorizations', authorizationIds[0])).toMatchObject({ status: 'invalid' });
    expect(await statusOf('acme_orders', orderId)).toEqual({ status: 'invalid', error: challenge.error });
    expect(await jobOf(challengeId)).toBeUndefined();
    expect(requests).toHaveLength(3);
  });

  it('lets two instances claim a job once, and retakes a job whose claim ran out', async () => {
    const { challenges } = await order();
    served.add(challenges[0].token);
    const [first, second] = [runner(), runner()];
    const claimed = await Promise.all([first.runDueJobs(), second.runDueJobs()]);
    expect(claimed.sort()).toEqual([0, 1]);
    expect(requests).toEqual([challenges[0].token]);

    const stale = await order();
    served.add(stale.challenges[0].token);
    const claimedUntil = new Date(Date.now() + 60 * SECOND);
    await dataSource.query(`UPDATE acme_validation_jobs SET claimed_until = $2 WHERE challenge_id = $1`, [
      stale.challenges[0].id,
      claimedUntil,
    ]);
    await expect(first.runDueJobs()).resolves.toBe(0);
    await expect(first.runDueJobs(new Date(claimedUntil.getTime() + SECOND))).resolves.toBe(1);
    expect(await statusOf('acme_challenges', stale.challenges[0].id)).toMatchObject({ status: 'valid' });
  });

  it('makes the challenge invalid at once when its authorization has expired', async () => {
    const { authorizationIds, challenges } = await order();
    await dataSource.query(
      `UPDATE acme_authorizations SET expires_at = now() - interval '1 second' WHERE id = $1`,
      [authorizationIds[0]],
    );
    await expect(runner().runDueJobs()).resolves.toBe(1);
    expect(await statusOf('acme_challenges', challenges[0].id)).toMatchObject({
      status: 'invalid',
      error: { detail: 'The authorization expired before the challenge was validated' },
    });
    expect(requests).toEqual([]);
  });

  it('drops the job of a challenge that is no longer open, without connecting', async () => {
    const { challenges } = await order();
    await dataSource.query(`UPDATE acme_challenges SET status = 'valid' WHERE id = $1`, [challenges[0].id]);
    await expect(runner().runDueJobs()).resolves.toBe(1);
    expect(await jobOf(challenges[0].id)).toBeUndefined();
    expect(requests).toEqual([]);
  });
});
