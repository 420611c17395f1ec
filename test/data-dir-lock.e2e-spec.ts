import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app.setup';
import { runCli } from './support/cli';
import { bearer, createUser, login, startTestApp, TEST_PASSWORD, TestApp } from './support/test-app';

/** The embedded database on a data directory of its own (not the in-memory default of the suite). */
function onDataDir(dataDir: string): Promise<TestApp> {
  return startTestApp({ DATABASE_URL: '', DATA_DIR: dataDir });
}

const cliEnv = (dataDir: string) => ({
  DATABASE_URL: '',
  DATA_DIR: dataDir,
  CA_ADMIN_PASSWORD: TEST_PASSWORD,
});

describe('the embedded data directory belongs to one process (issue 14, defect 3)', () => {
  let dataDir: string;

  beforeAll(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'ca-lock-e2e-'));
  });
  afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  it('refuses the CLI while the service runs on the directory, and loses no write', async () => {
    let service = await onDataDir(dataDir);
    const admin = await createUser(service, null, { username: 'first', role: 'superuser' });

    const refused = await runCli(
      ['create-superuser', '--username', 'ops', '--email', 'ops@example.com'],
      cliEnv(dataDir),
    );
    expect(refused.status).toBe(1);
    expect(refused.stdout).not.toContain('Created superuser');
    expect(refused.stderr).toContain(`is in use by process ${process.pid}`);
    expect(refused.stderr).toContain('Stop the service first, or use the running service');
    expect(refused.stderr).not.toMatch(/\n\s+at /); // the message, not a stack trace

    // The service goes on serving, with its data; the refused write exists nowhere.
    const users = await service
      .http()
      .get('/api/v1/users/')
      .set(...bearer(admin))
      .expect(200);
    expect(users.body.map((user: { username: string }) => user.username)).toEqual(['first']);
    await service.close();
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(false);

    service = await onDataDir(dataDir);
    const again = await login(service, 'first');
    const after = await service
      .http()
      .get('/api/v1/users/')
      .set(...bearer(again))
      .expect(200);
    expect(after.body.map((user: { username: string }) => user.username)).toEqual(['first']);
    await service.close();
  });

  it('lets the CLI write once the service is stopped, and the service then sees the write', async () => {
    const created = await runCli(
      ['create-superuser', '--username', 'ops', '--email', 'ops@example.com'],
      cliEnv(dataDir),
    );
    expect(created.stderr).toBe('');
    expect(created.stdout).toMatch(/^Created superuser ops \(id \d+\)/);
    expect(created.status).toBe(0);

    const service = await onDataDir(dataDir);
    await login(service, 'ops');
    await service.close();
  });

  it('refuses a second service on the same directory', async () => {
    const service = await onDataDir(dataDir);
    await expect(
      createApp({ ...process.env, LOG_LEVEL: 'silent', DATABASE_URL: '', DATA_DIR: dataDir }),
    ).rejects.toThrow(`The data directory ${dataDir} is in use by process ${process.pid}`);
    await service.http().get('/status').expect(200);
    await service.close();
  });

  it('takes over the lock of a process killed while holding it', async () => {
    const killed = spawnSync(
      process.execPath,
      [
        '-r',
        'ts-node/register',
        '-e',
        `require('./src/database/data-dir-lock').acquireDataDirLock(${JSON.stringify(dataDir)});
         process.kill(process.pid, 'SIGKILL');`,
      ],
      { cwd: join(__dirname, '..'), env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1' } },
    );
    expect(killed.signal).toBe('SIGKILL');
    expect(existsSync(join(dataDir, 'pglite.lock'))).toBe(true);
    const service = await onDataDir(dataDir);
    await service.http().get('/status').expect(200);
    await service.close();
  });

  it('prints its usage for --help and help, and exits 2 on an unknown option', async () => {
    for (const args of [['--help'], ['help'], ['backup', '--help']]) {
      const help = await runCli(args);
      expect(help.status).toBe(0);
      expect(help.stdout).toContain('Usage: npm run cli -- <command> [options]');
      expect(help.stdout).toContain('create-superuser --username NAME --email EMAIL');
      expect(help.stdout).toContain('backup --file PATH');
      expect(help.stdout).toContain('restore --file PATH');
    }
    const unknown = await runCli(['create-superuser', '--bogus']);
    expect(unknown.status).toBe(2);
    expect(unknown.stderr).toContain("Unknown option '--bogus'");
    expect(unknown.stderr).toContain('Usage:');
    const missing = await runCli(['backup']);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('backup needs --file');
  });
});
