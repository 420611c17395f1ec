import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { TEST_PASSWORD } from './support/test-app';

/** The operator CLI takes its password from a file too (CA_ADMIN_PASSWORD_FILE), like the service's secrets. */
describe('CLI: CA_ADMIN_PASSWORD_FILE', () => {
  const directory = mkdtempSync(join(tmpdir(), 'ca-cli-secret-'));
  const passwordFile = join(directory, 'admin_password');
  writeFileSync(passwordFile, `${TEST_PASSWORD}\n`, { mode: 0o600 });
  afterAll(() => rmSync(directory, { recursive: true, force: true }));

  const cli = (env: Record<string, string>) =>
    promisify(execFile)(
      process.execPath,
      [
        '-r',
        'ts-node/register',
        'src/cli.ts',
        'create-superuser',
        '--username',
        'ops',
        '--email',
        'ops@example.com',
      ],
      {
        cwd: join(__dirname, '..'),
        env: {
          ...process.env,
          TS_NODE_TRANSPILE_ONLY: '1',
          NODE_OPTIONS: '',
          DATABASE_URL: 'memory://',
          BCRYPT_ROUNDS: '4',
          ...env,
        },
      },
    ).then(
      ({ stdout, stderr }) => ({ code: 0, output: stdout + stderr }),
      (error: { code: number; stdout: string; stderr: string }) => ({
        code: error.code,
        output: error.stdout + error.stderr,
      }),
    );

  it('reads the password from the file', async () => {
    const result = await cli({ CA_ADMIN_PASSWORD_FILE: passwordFile });
    expect(result.output).toMatch(/Created superuser ops \(id \d+\)/);
    expect(result.code).toBe(0);
  });

  it('refuses both CA_ADMIN_PASSWORD and CA_ADMIN_PASSWORD_FILE', async () => {
    const result = await cli({ CA_ADMIN_PASSWORD_FILE: passwordFile, CA_ADMIN_PASSWORD: TEST_PASSWORD });
    expect(result.code).not.toBe(0);
    expect(result.output).toContain(
      'CA_ADMIN_PASSWORD: set either CA_ADMIN_PASSWORD or CA_ADMIN_PASSWORD_FILE, not both',
    );
  });
});
