import { spawn } from 'node:child_process';
import { readFileSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import {
  createAdmin,
  createIntermediate,
  createOrganization,
  createRootCa,
  createSuperuser,
} from './support/fixtures';
import { CURL, itWithTool, JQ } from './support/external-tools';
import { OpensslWorkspace } from './support/openssl';
import { CaBody, pemBlocks } from './support/pki';
import { bearer, startTestApp, TestApp, TestUser } from './support/test-app';

const README = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

/** The shell block the README marks with `<!-- recipe: name -->`, exactly as printed. */
function recipe(name: string): string {
  const match = new RegExp(`<!-- recipe: ${name} -->\\n\`\`\`sh\\n([\\s\\S]*?)\`\`\``).exec(README);
  if (!match) throw new Error(`README.md has no "${name}" recipe`);
  return match[1];
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

/**
 * The README's "From CI" recipes, run as the README prints them (bash, curl, jq, openssl) against the
 * app listening on loopback, so the documentation cannot drift from the API.
 */
describe('README "From CI" recipes', () => {
  let testApp: TestApp;
  let baseUrl: string;
  let ssl: OpensslWorkspace;
  let admin: TestUser;
  let root: CaBody;
  let issuing: CaBody;
  let apiKey: string;

  beforeAll(async () => {
    const port = await freePort();
    baseUrl = `http://127.0.0.1:${port}`;
    testApp = await startTestApp({ PUBLIC_BASE_URL: baseUrl });
    await testApp.app.listen(port, '127.0.0.1');
    ssl = new OpensslWorkspace();
    const superuser = await createSuperuser(testApp);
    const organization = await createOrganization(testApp, superuser);
    admin = await createAdmin(testApp, superuser, organization);
    root = await createRootCa(testApp, admin, { name: 'Recipe Root', key_type: 'ec' });
    issuing = await createIntermediate(testApp, admin, root, { name: 'Recipe Issuing', key_type: 'ec' });
    const profile = await testApp
      .http()
      .post('/api/v1/profiles')
      .set(...bearer(admin))
      .send({
        name: 'ci',
        ca_ids: [issuing.id],
        certificate_types: ['server'],
        allowed_dns: ['*.ci.internal'],
        max_validity_days: 30,
      })
      .expect(201);
    const account = await testApp
      .http()
      .post('/api/v1/service-accounts')
      .set(...bearer(admin))
      .send({ name: 'pipeline', profile_ids: [profile.body.id] })
      .expect(201);
    const key = await testApp
      .http()
      .post(`/api/v1/service-accounts/${account.body.id}/keys`)
      .set(...bearer(admin))
      .send({ name: 'recipe' })
      .expect(201);
    apiKey = key.body.key;
  });

  afterAll(async () => {
    await testApp.close();
    ssl.dispose();
  });

  /**
   * Runs a recipe in bash without blocking the event loop (the app it calls runs in this process),
   * stdin closed: bash started with a socket or pipe on stdin thinks rshd ran it and reads bashrc.
   */
  function run(
    script: string,
    env: Record<string, string>,
  ): Promise<{ status: number | null; output: string }> {
    return new Promise((resolve) => {
      const child = spawn('bash', ['-euo', 'pipefail', '-c', script], {
        cwd: ssl.dir,
        env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: ssl.dir, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
        timeout: 60_000,
      });
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
      child.on('close', (status) => resolve({ status, output }));
    });
  }

  /**
   * tls.pem as the recipes write it: the leaf for app.ci.internal, then the issuing CA and the root
   * exactly as the service holds them, verifying up to that root.
   */
  function expectServerBundle(): void {
    const bundle = join(ssl.dir, 'tls.pem');
    const blocks = pemBlocks(readFileSync(bundle, 'utf8'));
    expect(blocks.slice(1)).toEqual([issuing.certificate, root.certificate]);
    const rootFile = ssl.write('trusted-root.pem', root.certificate);
    expect(ssl.run(['verify', '-CAfile', rootFile, '-untrusted', bundle, bundle]).output).toContain(': OK');
    const names = ssl.run(['x509', '-in', bundle, '-noout', '-subject', '-ext', 'subjectAltName']);
    expect(names.output).toContain('DNS:app.ci.internal');
  }

  itWithTool(JQ, CURL)(
    'the API-key recipe writes a certificate and its chain that openssl verifies',
    async () => {
      const result = await run(recipe('api-key'), {
        CA_URL: baseUrl,
        CA_API_KEY: apiKey,
        CA_ID: String(issuing.id),
      });
      expect(result).toMatchObject({ status: 0 });
      expectServerBundle();
    },
  );

  itWithTool(CURL)(
    'the renewal recipe renews that certificate with a new key once it is due, with no API key',
    async () => {
      // The recipe runs from a checkout: scripts/ beside the files it renews.
      symlinkSync(join(__dirname, '..', 'scripts'), join(ssl.dir, 'scripts'));
      const before = {
        certificate: readFileSync(join(ssl.dir, 'tls.pem'), 'utf8'),
        key: readFileSync(join(ssl.dir, 'tls.key'), 'utf8'),
      };
      const notDue = await run(recipe('renewal'), { CA_URL: baseUrl });
      expect(notDue).toMatchObject({ status: 0, output: expect.stringContaining('not due') });
      expect(readFileSync(join(ssl.dir, 'tls.pem'), 'utf8')).toBe(before.certificate);
      const renewed = await run(recipe('renewal'), { CA_URL: baseUrl, RENEW_AT_PERCENT: '0' });
      expect(renewed).toMatchObject({ status: 0, output: expect.stringContaining('renewed: serial=') });
      const blocks = pemBlocks(readFileSync(join(ssl.dir, 'tls.pem'), 'utf8'));
      expect(blocks.slice(1)).toEqual([issuing.certificate, root.certificate]);
      expect(blocks[0]).not.toBe(pemBlocks(before.certificate)[0]);
      expect(readFileSync(join(ssl.dir, 'tls.key'), 'utf8')).not.toBe(before.key);
      expectServerBundle();
    },
  );

  itWithTool(JQ, CURL)('the API-key recipe fails loudly with a revoked key', async () => {
    const id = /^pkca_([0-9a-f]{16})_/.exec(apiKey)?.[1];
    const account = await testApp
      .http()
      .get('/api/v1/service-accounts')
      .set(...bearer(admin))
      .expect(200);
    await testApp
      .http()
      .delete(`/api/v1/service-accounts/${account.body[0].id}/keys/${id}`)
      .set(...bearer(admin))
      .expect(204);
    const result = await run(recipe('api-key'), {
      CA_URL: baseUrl,
      CA_API_KEY: apiKey,
      CA_ID: String(issuing.id),
    });
    expect(result.status).not.toBe(0);
  });
});
