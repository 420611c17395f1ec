import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './support/cli';
import { listen, populate, PopulatedService, rowCounts, scratchDir } from './support/backup-drill';
import { OpensslWorkspace } from './support/openssl';
import { issueCertificate } from './support/pki';
import { describeWhenPostgresAnswers } from './support/postgres-only';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { bearer, login, startTestApp, TestApp } from './support/test-app';

const POSTGRES_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/**
 * The move from the embedded database to production (issue 14, operation 13): a backup of a running
 * embedded service (through its API, found by the data directory's lock) restored into a new
 * PostgreSQL database, and the service on PostgreSQL serves the same data.
 */
describeWhenPostgresAnswers(POSTGRES_URL, 'moving from the embedded database to PostgreSQL', () => {
  let dataDir: string;
  let embedded: TestApp | null = null;
  let populated: PopulatedService;
  let target: TestDatabase;
  let ssl: OpensslWorkspace;

  beforeAll(async () => {
    dataDir = scratchDir('ca-move-embedded-');
    ssl = new OpensslWorkspace();
    const service = await startTestApp({ DATABASE_URL: '', DATA_DIR: dataDir });
    embedded = service;
    populated = await populate(service);
    target = await createTestDatabase(POSTGRES_URL);
  });

  afterAll(async () => {
    await embedded?.close();
    await target?.drop();
    ssl?.dispose();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('backs up the running embedded service, restores into PostgreSQL, and the service there serves the data', async () => {
    const service = embedded as TestApp;
    const url = new URL(await listen(service));
    const file = join(dataDir, 'move.jsonl');
    const backup = await runCli(['backup', '--file', file], {
      DATABASE_URL: '',
      DATA_DIR: dataDir,
      HOST: url.hostname,
      PORT: url.port,
      CA_ADMIN_TOKEN: populated.superuser.token,
    });
    expect(backup.stderr).toContain(
      `The service (process ${process.pid}) holds ${dataDir}: backing up through`,
    );
    expect(backup.status).toBe(0);
    expect(backup.stdout).toContain('The KEK is NOT included');
    const countsAtBackup = await rowCounts(service.dataSource);
    embedded = null;
    await service.close();

    // The KEK moves separately, as the backup says: the embedded default keeps it in DATA_DIR.
    const kek = readFileSync(join(dataDir, 'private_key_encryption_key'), 'utf8').trim();
    const restore = await runCli(['restore', '--file', file], {
      DATABASE_URL: target.url,
      PRIVATE_KEY_ENCRYPTION_KEY: kek,
    });
    expect(restore.stderr).toBe('');
    expect(restore.status).toBe(0);
    expect(restore.stdout).toContain('from pglite');

    const production = await startTestApp({ DATABASE_URL: target.url, PRIVATE_KEY_ENCRYPTION_KEY: kek });
    try {
      expect(await rowCounts(production.dataSource)).toEqual({
        ...countsAtBackup,
        audit_logs: countsAtBackup.audit_logs + 1,
      });
      const admin = await login(production, 'drill-admin');
      const cas = await production
        .http()
        .get('/api/v1/cas/')
        .set(...bearer(admin))
        .expect(200);
      expect(cas.body.map((ca: { name: string }) => ca.name).sort()).toEqual([
        'Drill Intermediate',
        'Drill Root',
      ]);
      const leaf = await issueCertificate(production, admin, populated.intermediate.id, {
        common_name: 'on-postgres.example',
        certificate_type: 'server',
      });
      const verified = ssl.run([
        'verify',
        '-CAfile',
        ssl.write('root.pem', populated.root.certificate),
        '-untrusted',
        ssl.write('intermediate.pem', populated.intermediate.certificate),
        ssl.write('leaf.pem', leaf.certificate),
      ]);
      expect(verified.output).toContain(': OK');
      await production
        .http()
        .get(`/api/v1/cas/${populated.intermediate.id}/crl`)
        .set(...bearer(admin))
        .expect(200);
    } finally {
      await production.close();
    }
  }, 300_000);
});
