import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCli } from './support/cli';
import {
  backupLines,
  listen,
  populate,
  PopulatedService,
  rowCounts,
  scratchDir,
  writeBackup,
} from './support/backup-drill';
import { OpensslWorkspace } from './support/openssl';
import { auditRows, crlNumber, fetchCrl, issueCertificate, revokeCertificate } from './support/pki';
import { createTestDatabase, TestDatabase } from './support/test-database';
import { bearer, createUser, login, startTestApp, TestApp } from './support/test-app';

const PASSPHRASE = 'drill passphrase 2026';

/**
 * The restore drill (issue 14, operation 13): back up a running service through its API with the CLI,
 * restore into a fresh database, start the service on it, and check it carries on where it stopped.
 * The target is an embedded DATA_DIR, or with TEST_DATABASE_URL a new PostgreSQL database.
 */
describe('backup and restore drill', () => {
  let source: TestApp;
  let populated: PopulatedService;
  let sourceUrl: string;
  let scratch: string;
  let ssl: OpensslWorkspace;
  let withKek: string;
  let withoutKek: string;
  let crlNumberBefore: bigint;
  let countsAtBackup: Record<string, number>;

  beforeAll(async () => {
    source = await startTestApp();
    populated = await populate(source);
    sourceUrl = await listen(source);
    scratch = scratchDir('ca-backup-drill-');
    ssl = new OpensslWorkspace();
    withKek = join(scratch, 'with-kek.jsonl');
    withoutKek = join(scratch, 'without-kek.jsonl');
    crlNumberBefore = crlNumber(ssl, await fetchCrl(source, populated.superuser, populated.intermediate.id));
  });

  afterAll(async () => {
    await source.close();
    ssl.dispose();
    rmSync(scratch, { recursive: true, force: true });
  });

  /** A fresh target: an embedded data directory, or a new PostgreSQL database. */
  async function freshTarget(): Promise<{ env: Record<string, string>; database: TestDatabase | null }> {
    if (process.env.TEST_DATABASE_URL) {
      const database = await createTestDatabase();
      return { env: { DATABASE_URL: database.url }, database };
    }
    return { env: { DATABASE_URL: '', DATA_DIR: scratchDir('ca-restore-target-') }, database: null };
  }

  const backup = (file: string, env: Record<string, string>, ...flags: string[]) =>
    runCli(['backup', '--file', file, '--url', sourceUrl, ...flags], { DATABASE_URL: 'memory://', ...env });

  it('backs up the running service through its API, KEK included under a passphrase, file mode 0600', async () => {
    const result = await backup(
      withKek,
      { CA_ADMIN_TOKEN: populated.superuser.token, CA_BACKUP_PASSPHRASE: PASSPHRASE },
      '--include-kek',
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/^Backed up \d+ rows of \d+ tables \(schema \w+\) to /);
    expect(result.stdout).toContain('KEK included');
    expect(statSync(withKek).mode & 0o777).toBe(0o600);
    const [header] = backupLines(withKek);
    expect(header).toMatchObject({
      format: 'private-ca-backup',
      format_version: 1,
      schema_version: expect.stringMatching(/^Requests\d+$|^\w+\d{13}$/),
      kek_included: true,
      kek_envelope: expect.objectContaining({ kdf: 'scrypt', cipher: 'aes-256-gcm' }),
    });
    expect(readFileSync(withKek, 'utf8')).not.toContain(PASSPHRASE);
    const audit = await auditRows(source, 'system_backup');
    expect(audit).toEqual([
      expect.objectContaining({ user_id: populated.superuser.id, detail: { kek_included: true } }),
    ]);
    countsAtBackup = await rowCounts(source.dataSource);
  });

  it('says clearly when the KEK is not in the backup', async () => {
    const result = await backup(withoutKek, { CA_ADMIN_TOKEN: populated.superuser.token });
    expect(result.status).toBe(0);
    expect(result.stdout).toContain('The KEK is NOT included');
    expect(result.stdout).toContain('Back up PRIVATE_KEY_ENCRYPTION_KEY');
    expect(backupLines(withoutKek)[0]).toMatchObject({ kek_included: false, kek_envelope: null });
  });

  it('lets only superusers back up, and asks for a passphrase with include_kek', async () => {
    const member = await login(source, 'drill-member');
    const refused = await source
      .http()
      .post('/api/v1/system/backup')
      .set(...bearer(member))
      .send({})
      .expect(403);
    expect(refused.body).toEqual({ detail: 'Only superusers may back up the service' });
    const admin = await createUser(source, populated.superuser, { role: 'admin', organization_id: null });
    await source
      .http()
      .post('/api/v1/system/backup')
      .set(...bearer(admin))
      .send({})
      .expect(403);
    const noPassphrase = await source
      .http()
      .post('/api/v1/system/backup')
      .set(...bearer(populated.superuser))
      .send({ include_kek: true })
      .expect(400);
    expect(noPassphrase.body.detail).toContain('passphrase');
    const cli = await backup(join(scratch, 'refused.jsonl'), { CA_ADMIN_TOKEN: member.token });
    expect(cli.status).toBe(1);
    expect(cli.stderr).toContain(
      'The service refused the backup (403): Only superusers may back up the service',
    );
  });

  it('refuses a wrong passphrase, a truncated or altered file, another schema and a KEK that does not fit', async () => {
    const target = await freshTarget();
    const restore = (file: string, env: Record<string, string> = {}) =>
      runCli(
        ['restore', '--file', file, '--write-kek', join(scratch, `kek-${randomBytes(4).toString('hex')}`)],
        {
          ...target.env,
          ...env,
        },
      );
    try {
      const wrong = await restore(withKek, { CA_BACKUP_PASSPHRASE: 'not the passphrase' });
      expect(wrong.status).toBe(1);
      expect(wrong.stderr).toContain(
        'Restore refused: The passphrase (CA_BACKUP_PASSPHRASE) does not open the KEK',
      );

      const missing = await restore(withKek);
      expect(missing.stderr).toContain('set CA_BACKUP_PASSPHRASE');

      const lines = readFileSync(withKek, 'utf8').trimEnd().split('\n');
      const truncatedFile = join(scratch, 'truncated.jsonl');
      writeFileSync(truncatedFile, lines.slice(0, -3).join('\n') + '\n');
      const truncated = await restore(truncatedFile, { CA_BACKUP_PASSPHRASE: PASSPHRASE });
      expect(truncated.status).toBe(1);
      expect(truncated.stderr).toContain('is truncated (no end marker)');

      const alteredFile = join(scratch, 'altered.jsonl');
      writeFileSync(alteredFile, lines.join('\n').replace('kept.example', 'kept.examplf') + '\n');
      const altered = await restore(alteredFile, { CA_BACKUP_PASSPHRASE: PASSPHRASE });
      expect(altered.stderr).toContain('its checksum does not match');

      const [header, ...rest] = backupLines(withKek);
      const otherSchema = join(scratch, 'other-schema.jsonl');
      writeBackup(otherSchema, [{ ...header, schema_version: 'Future9999999999999' }, ...rest.slice(0, -1)]);
      const schema = await restore(otherSchema, { CA_BACKUP_PASSPHRASE: PASSPHRASE });
      expect(schema.status).toBe(1);
      expect(schema.stderr).toContain('the backup has schema version Future9999999999999');

      const mismatch = await restore(withoutKek, {
        PRIVATE_KEY_ENCRYPTION_KEY: randomBytes(32).toString('hex'),
      });
      expect(mismatch.status).toBe(1);
      expect(mismatch.stderr).toMatch(
        /the KEK in use \(id \w+\) does not open the private keys in this backup/,
      );

      const noKek = await restore(withoutKek);
      expect(noKek.status).toBe(1);
      expect(noKek.stderr).toContain('this backup does not include its KEK');
    } finally {
      await target.database?.drop();
    }
  }, 600_000);

  it('restores into a fresh database where every CA still signs, the CRL number goes on upward and every row is there', async () => {
    const target = await freshTarget();
    const kekFile = join(scratch, 'restored-kek.hex');
    const restored = await runCli(['restore', '--file', withKek, '--write-kek', kekFile], {
      ...target.env,
      CA_BACKUP_PASSPHRASE: PASSPHRASE,
    });
    expect(restored.stderr).toBe('');
    expect(restored.status).toBe(0);
    expect(restored.stdout).toMatch(/^Restored \d+ rows/);
    const service = await startTestApp({
      ...target.env,
      PRIVATE_KEY_ENCRYPTION_KEY: readFileSync(kekFile, 'utf8').trim(),
    });
    try {
      const counts = await rowCounts(service.dataSource);
      expect(counts).toEqual({ ...countsAtBackup, audit_logs: countsAtBackup.audit_logs + 1 });
      expect(await auditRows(service, 'system_restore')).toEqual([
        expect.objectContaining({
          user_id: null,
          resource_type: 'system',
          detail: expect.objectContaining({ via: 'cli' }),
        }),
      ]);

      const admin = await login(service, 'drill-admin');
      await service
        .http()
        .get('/api/v1/certificates')
        .set('Authorization', `Bearer ${populated.apiKey}`)
        .expect(200);
      const [{ max }] = await service.dataSource.query('SELECT max(id) AS max FROM certificates');
      const rootLeaf = await issueCertificate(service, admin, populated.root.id, {
        common_name: 'after-root.example',
        certificate_type: 'server',
      });
      const intermediateLeaf = await issueCertificate(service, admin, populated.intermediate.id, {
        common_name: 'after-intermediate.example',
        certificate_type: 'server',
      });
      expect(rootLeaf.id).toBeGreaterThan(Number(max));
      const rootFile = ssl.write('root.pem', populated.root.certificate);
      const intermediateFile = ssl.write('intermediate.pem', populated.intermediate.certificate);
      for (const [name, pem] of [
        ['root-leaf.pem', rootLeaf.certificate],
        ['intermediate-leaf.pem', intermediateLeaf.certificate],
      ]) {
        const verified = ssl.run([
          'verify',
          '-CAfile',
          rootFile,
          '-untrusted',
          intermediateFile,
          ssl.write(name, pem),
        ]);
        expect(verified.output).toContain(': OK');
      }

      const revokedBefore = await service
        .http()
        .get(`/api/v1/certificates/${populated.revokedCertificateId}`)
        .set(...bearer(admin))
        .expect(200);
      expect(revokedBefore.body.status).toBe('revoked');
      await revokeCertificate(service, admin, intermediateLeaf.id, { reason: 'superseded' });
      const crl = await fetchCrl(service, admin, populated.intermediate.id);
      expect(crlNumber(ssl, crl)).toBeGreaterThan(crlNumberBefore);
    } finally {
      await service.close();
    }
    try {
      const again = await runCli(['restore', '--file', withoutKek], {
        ...target.env,
        PRIVATE_KEY_ENCRYPTION_KEY: readFileSync(kekFile, 'utf8').trim(),
      });
      expect(again.status).toBe(1);
      expect(again.stderr).toContain('Restore refused: the target database is not empty');
    } finally {
      await target.database?.drop();
    }
  }, 300_000);
});
