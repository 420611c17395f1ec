import { spawnSync } from 'node:child_process';
import { chmodSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createAdmin,
  createIntermediate,
  createMember,
  createRootCa,
  createSuperuser,
} from './support/fixtures';
import { CURL, itWithTool } from './support/external-tools';
import { OpensslWorkspace } from './support/openssl';
import { CaBody, pemBlocks, revokeCertificate } from './support/pki';
import { runCommand, ShellResult } from './support/shell';
import { eventually, freePort, Service, START_TIMEOUT_MS, startService } from './support/service-process';
import {
  bearer,
  createOrganization,
  startTestApp,
  TEST_PASSWORD,
  TestApp,
  TestUser,
} from './support/test-app';
import { createTestDatabase, TestDatabase } from './support/test-database';

const SCRIPT = join(__dirname, '..', 'scripts', 'renew-certificate.sh');

const KEYS: Record<string, string[]> = {
  'EC P-256': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
  'EC P-384': ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-384'],
  RSA: ['-newkey', 'rsa:2048'],
  Ed25519: ['-newkey', 'ed25519'],
};

/** `sh scripts/renew-certificate.sh …` with only PATH (openssl, curl, awk) and the given variables. */
function runScript(cwd: string, args: string[], env: Record<string, string> = {}): Promise<ShellResult> {
  return runCommand('sh', [SCRIPT, ...args], {
    cwd,
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', ...env },
  });
}

/**
 * scripts/renew-certificate.sh, the cron job of docs/renewal.md, against the app listening on
 * loopback (PUBLIC_BASE_URL is that address, so the token's audience is the URL it calls).
 */
describe('scripts/renew-certificate.sh', () => {
  let testApp: TestApp;
  let baseUrl: string;
  const ssl = new OpensslWorkspace();
  let owner: TestUser;
  let root: CaBody;
  let issuing: CaBody;
  let counter = 0;

  beforeAll(async () => {
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    testApp = await startTestApp({ PUBLIC_BASE_URL: baseUrl });
    await testApp.app.listen(port, '127.0.0.1');
    const superuser = await createSuperuser(testApp);
    const organization = await createOrganization(testApp, superuser, 'Script Org');
    const admin = await createAdmin(testApp, superuser, organization);
    owner = await createMember(testApp, superuser, organization, {
      can_create_cert: true,
      can_revoke_cert: true,
    });
    root = await createRootCa(testApp, admin, { name: 'Script Root', key_type: 'ec' });
    issuing = await createIntermediate(testApp, admin, root, { name: 'Script Issuing', key_type: 'ec' });
    await testApp
      .http()
      .post('/api/v1/profiles')
      .set(...bearer(admin))
      .send({ name: 'keeps-key', ca_ids: [issuing.id], renewal_reuses_key: true })
      .expect(201);
    ssl.write('root.pem', root.certificate);
  });

  afterAll(async () => {
    await testApp.close();
    ssl.dispose();
  });

  /** tls.pem (the certificate and its chain, as the README's recipes write it) and tls.key, in a directory of their own. */
  async function deploy(keyArgs: string[], fields: Record<string, unknown> = {}) {
    counter += 1;
    const dir = join(ssl.dir, `host-${counter}`);
    spawnSync('mkdir', ['-p', dir]);
    const { csr, keyPath } = ssl.csr(`host-${counter}`, keyArgs, `/CN=host${counter}.example.com`);
    const signed = await testApp
      .http()
      .post('/api/v1/certificates/sign-csr')
      .set(...bearer(owner))
      .send({ csr, ca_id: issuing.id, certificate_type: 'server', valid_days: 20, ...fields })
      .expect(201);
    const certPath = join(dir, 'tls.pem');
    const keyFile = join(dir, 'tls.key');
    writeFileSync(certPath, signed.body.certificate + signed.body.chain_pem);
    writeFileSync(keyFile, readFileSync(keyPath));
    chmodSync(keyFile, 0o640);
    return {
      dir,
      certPath,
      keyFile,
      certificate: signed.body as { id: number; subject_dn: string; san_dns_names: string[] },
    };
  }

  function verifies(path: string): string {
    return ssl.run(['verify', '-CAfile', 'root.pem', '-untrusted', path, path]).output;
  }

  function publicKeyOf(path: string, kind: 'x509' | 'pkey'): string {
    return ssl.run(
      kind === 'x509' ? ['x509', '-in', path, '-noout', '-pubkey'] : ['pkey', '-in', path, '-pubout'],
    ).output;
  }

  itWithTool(CURL)('does nothing before two thirds of the lifetime, and says when it will', async () => {
    const host = await deploy(KEYS['EC P-256']);
    const before = readFileSync(host.certPath, 'utf8');
    const result = await runScript(host.dir, [baseUrl, 'tls.pem', 'tls.key']);
    expect(result).toMatchObject({
      status: 0,
      stdout: expect.stringContaining('not due: 66% of the lifetime passes at'),
    });
    expect(readFileSync(host.certPath, 'utf8')).toBe(before);
  });

  for (const [kind, keyArgs] of Object.entries(KEYS)) {
    itWithTool(CURL)(
      `renews a certificate with an ${kind} key: a new key and certificate of the same kind, with their chain`,
      async () => {
        const host = await deploy(keyArgs, {
          san_dns_names: [`host${counter + 1}.example.com`, 'also.example.com'],
        });
        const oldKey = readFileSync(host.keyFile, 'utf8');
        const result = await runScript(host.dir, [`${baseUrl}/`, 'tls.pem', 'tls.key'], {
          RENEW_AT_PERCENT: '0',
        });
        expect(result).toMatchObject({
          stderr: '',
          status: 0,
          stdout: expect.stringContaining('renewed: serial='),
        });
        expect(result.stderr).toBe('');
        const blocks = pemBlocks(readFileSync(host.certPath, 'utf8'));
        expect(blocks.slice(1)).toEqual([issuing.certificate, root.certificate]);
        expect(verifies(host.certPath)).toContain(': OK');
        const newKey = readFileSync(host.keyFile, 'utf8');
        expect(newKey).not.toBe(oldKey);
        expect(publicKeyOf(host.certPath, 'x509')).toBe(publicKeyOf(host.keyFile, 'pkey'));
        expect(ssl.run(['pkey', '-in', host.keyFile, '-noout', '-text']).output.split('\n')[0]).toBe(
          ssl
            .run(['pkey', '-in', ssl.write(`old-${counter}.key`, oldKey), '-noout', '-text'])
            .output.split('\n')[0],
        );
        // The files keep their modes; nothing of the work is left beside them.
        expect(statSync(host.keyFile).mode & 0o777).toBe(0o640);
        expect(spawnSync('ls', [host.dir], { encoding: 'utf8' }).stdout.trim().split('\n')).toEqual([
          'tls.key',
          'tls.pem',
        ]);
        const renewed = (
          await testApp
            .http()
            .get(`/api/v1/certificates/?limit=1`)
            .set(...bearer(owner))
            .expect(200)
        ).body[0];
        expect(renewed).toMatchObject({
          renewed_from: host.certificate.id,
          subject_dn: host.certificate.subject_dn,
          san_dns_names: host.certificate.san_dns_names,
        });
        // The renewed files renew in their turn (x5c: the new certificate and its chain).
        expect(
          (await runScript(host.dir, [baseUrl, 'tls.pem', 'tls.key'], { RENEW_AT_PERCENT: '0' })).status,
        ).toBe(0);
      },
    );
  }

  itWithTool(CURL)(
    'keeps the key with RENEW_REUSE_KEY=1 where the profile allows it, and fails with the reason where not',
    async () => {
      const keeping = await deploy(KEYS['EC P-256'], { profile: 'keeps-key' });
      const oldKey = readFileSync(keeping.keyFile, 'utf8');
      const oldCertificate = readFileSync(keeping.certPath, 'utf8');
      const kept = await runScript(keeping.dir, [baseUrl, 'tls.pem', 'tls.key'], {
        RENEW_AT_PERCENT: '0',
        RENEW_REUSE_KEY: '1',
      });
      expect(kept.status).toBe(0);
      expect(readFileSync(keeping.keyFile, 'utf8')).toBe(oldKey);
      expect(readFileSync(keeping.certPath, 'utf8')).not.toBe(oldCertificate);
      expect(publicKeyOf(keeping.certPath, 'x509')).toBe(publicKeyOf(keeping.keyFile, 'pkey'));

      const strict = await deploy(KEYS.Ed25519);
      const before = readFileSync(strict.certPath, 'utf8');
      const refused = await runScript(strict.dir, [baseUrl, 'tls.pem', 'tls.key'], {
        RENEW_AT_PERCENT: '0',
        RENEW_REUSE_KEY: '1',
      });
      expect(refused.status).toBe(1);
      expect(refused.stderr).toContain(
        `renew-certificate: the service answered 400: Certificate ${strict.certificate.id} cannot be renewed for its current public key`,
      );
      expect(readFileSync(strict.certPath, 'utf8')).toBe(before);
    },
  );

  itWithTool(CURL)(
    'fails, leaving the files, for a revoked certificate, a wrong URL, or bad arguments',
    async () => {
      const host = await deploy(KEYS.RSA);
      const before = readFileSync(host.certPath, 'utf8');
      await revokeCertificate(testApp, owner, host.certificate.id);
      const revoked = await runScript(host.dir, [baseUrl, 'tls.pem', 'tls.key'], { RENEW_AT_PERCENT: '0' });
      expect(revoked).toMatchObject({ status: 1 });
      expect(revoked.stderr).toContain(
        `the service answered 403: Certificate ${host.certificate.id} is revoked: it cannot be renewed`,
      );
      // The token is made for the URL it is sent to: another name for the service is refused.
      const other = await deploy(KEYS.RSA);
      const elsewhere = await runScript(
        other.dir,
        [baseUrl.replace('127.0.0.1', 'localhost'), 'tls.pem', 'tls.key'],
        { RENEW_AT_PERCENT: '0' },
      );
      expect(elsewhere.stderr).toContain(
        `the service answered 401: Renewal token refused: claim "aud" must be ${baseUrl}/api/v1/certificates/renew`,
      );
      expect(readFileSync(host.certPath, 'utf8')).toBe(before);
      expect((await runScript(host.dir, [baseUrl, 'tls.pem'])).status).toBe(2);
      expect((await runScript(host.dir, [baseUrl, 'missing.pem', 'tls.key'])).stderr).toContain(
        'cannot read missing.pem',
      );
      expect(
        (await runScript(host.dir, [baseUrl, 'tls.pem', 'tls.key'], { RENEW_AT_PERCENT: 'soon' })).status,
      ).toBe(1);
    },
  );
});

/**
 * The secrets check of issue 17 for renewal, on the real entry point's log at debug level: the
 * script's token, and a refused one, appear in no log line.
 */
describe('renewal tokens in the log', () => {
  let database: TestDatabase;
  let service: Service;
  const ssl = new OpensslWorkspace();

  beforeAll(async () => {
    database = await createTestDatabase();
    const port = await freePort();
    service = startService({
      DATABASE_URL: process.env.TEST_DATABASE_URL ? database.url : 'memory://',
      PORT: String(port),
      LOG_LEVEL: 'debug',
      BCRYPT_ROUNDS: '4',
      PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    });
    await eventually(
      async () => ((await service.call('GET', '/status')).status === 200 ? true : null),
      'start',
    );
  }, START_TIMEOUT_MS + 5000);

  afterAll(async () => {
    await service?.stop();
    await database.drop();
    ssl.dispose();
  });

  itWithTool(CURL)('holds no renewal token', async () => {
    const json = { 'Content-Type': 'application/json' };
    await service.call(
      'POST',
      '/api/v1/users/',
      JSON.stringify({ username: 'logroot', email: 'l@example.com', password: TEST_PASSWORD }),
      json,
    );
    const signIn = await service.call(
      'POST',
      '/api/v1/auth/token',
      `username=logroot&password=${encodeURIComponent(TEST_PASSWORD)}`,
      {
        'Content-Type': 'application/x-www-form-urlencoded',
      },
    );
    const auth = { ...json, Authorization: `Bearer ${String(signIn.json().access_token)}` };
    const ca = await service.call(
      'POST',
      '/api/v1/cas/',
      JSON.stringify({ name: 'Log Root', subject_dn: 'CN=Log Root', key_type: 'ec' }),
      auth,
    );
    const { csr, keyPath } = ssl.csr('log', KEYS['EC P-256'], '/CN=log.example.com');
    const signed = await service.call(
      'POST',
      '/api/v1/certificates/sign-csr',
      JSON.stringify({ csr, ca_id: ca.json().id, certificate_type: 'server' }),
      auth,
    );
    expect(signed.status).toBe(201);
    writeFileSync(ssl.path('tls.pem'), String(signed.json().certificate) + String(signed.json().chain_pem));
    writeFileSync(ssl.path('tls.key'), readFileSync(keyPath));
    const baseUrl = `http://127.0.0.1:${service.port}`;
    const renewed = await runScript(ssl.dir, [baseUrl, 'tls.pem', 'tls.key'], { RENEW_AT_PERCENT: '0' });
    expect(renewed).toMatchObject({ status: 0 });
    // A replayed or forged token is refused; it is not logged either.
    const forged = 'eyJhbGciOiJFUzI1NiIsIng1YyI6WyJNSUkiXX0.eyJhdWQiOiJ4In0.c2lnbmF0dXJl';
    expect(
      (
        await service.call('POST', '/api/v1/certificates/renew', '{}', {
          ...json,
          Authorization: `Bearer ${forged}`,
        })
      ).status,
    ).toBe(401);
    const log = await eventually(() => {
      const text = service.output();
      return (text.match(/"route":"\/api\/v1\/certificates\/renew"/g) ?? []).length >= 2 ? text : null;
    }, 'the log lines of both renewals');
    expect(log).toContain('"status":201');
    expect(log).not.toMatch(/eyJ[A-Za-z0-9_-]{10,}\.eyJ/);
    expect(log).not.toContain(forged.split('.')[2]);
    expect(log).not.toContain('x5c');
  });
});
