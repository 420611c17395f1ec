import { NestExpressApplication } from '@nestjs/platform-express';
import { execFile, spawn } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { get as httpGet } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect, PeerCertificate } from 'node:tls';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { createApp } from '../src/app.setup';
import { caSlug } from '../src/ca/ca-slug';
import { loadAppConfig } from '../src/config/app-config';
import { SelfIssuedTls } from '../src/tls/self-issued-tls.service';
import { TlsFileReloader } from '../src/tls/tls-file-reloader';
import { describeWithPostgres } from './support/postgres-only';
import { createTestDatabase, TestDatabase } from './support/test-database';

const run = promisify(execFile);

const BASE_ENV = {
  LOG_LEVEL: 'silent',
  BCRYPT_ROUNDS: '4',
  AUTH_RATE_LIMIT: '10000/minute',
  CA_KEY_SIZE: '2048',
  PUBLIC_BASE_URL: 'https://pki.test:8443',
  SECRET_KEY: 'tls-spec-secret-key-0123456789abcdefghijklmnop',
  PRIVATE_KEY_ENCRYPTION_KEY: '11'.repeat(32),
};

interface Served {
  app: NestExpressApplication;
  port: number;
}

/** The app as main.ts serves it: the real (HTTPS) server, listening on 127.0.0.1. */
async function serve(env: Record<string, string>): Promise<Served> {
  const app = await createApp({ ...process.env, ...BASE_ENV, ...env });
  await app.listen(0, '127.0.0.1');
  return { app, port: (app.getHttpServer().address() as AddressInfo).port };
}

interface HttpsAnswer {
  status: number;
  body: string;
  peer: PeerCertificate;
}

function fetchHttps(
  port: number,
  path: string,
  options: { ca?: string; method?: string; token?: string; body?: unknown; servername?: string } = {},
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
    const request = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path,
        method: options.method ?? 'GET',
        servername: options.servername ?? 'localhost',
        agent: false,
        ...(options.ca ? { ca: options.ca } : { rejectUnauthorized: false }),
        headers: {
          ...(options.token ? { Authorization: `Bearer ${options.token}` } : {}),
          ...(payload ? { 'Content-Type': 'application/json' } : {}),
        },
      },
      (response) => {
        const peer = (response.socket as import('node:tls').TLSSocket).getPeerCertificate();
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8'), peer }),
        );
      },
    );
    request.on('error', reject);
    request.end(payload);
  });
}

/** The certificate the server presents, without trusting it. */
function servedCertificate(port: number): Promise<X509Certificate> {
  return new Promise((resolve, reject) => {
    const socket = connect(
      { host: '127.0.0.1', port, servername: 'localhost', rejectUnauthorized: false },
      () => {
        const peer = socket.getPeerCertificate();
        socket.end();
        resolve(new X509Certificate(peer.raw));
      },
    );
    socket.on('error', reject);
  });
}

/**
 * `openssl s_client` to the local port, verifying with `caFile` and failing on any verification
 * error; asynchronous, since the server answering it runs in this process.
 */
function sClient(
  port: number,
  caFile: string,
  args: string[],
): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve) => {
    const connect = ['-connect', `127.0.0.1:${port}`, '-CAfile', caFile, '-verify_return_error'];
    const child = spawn('openssl', ['s_client', ...connect, ...args]);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stdin.end();
    child.on('close', (code) => resolve({ code, output }));
  });
}

async function signInAsFirstUser(port: number, ca: string): Promise<string> {
  const created = await fetchHttps(port, '/api/v1/users/', {
    ca,
    method: 'POST',
    body: { username: 'root', email: 'root@example.com', password: 'correct horse battery' },
  });
  expect(created.status).toBe(201);
  const token = await new Promise<string>((resolve, reject) => {
    const form = 'username=root&password=correct%20horse%20battery';
    const request = httpsRequest(
      {
        host: '127.0.0.1',
        port,
        path: '/api/v1/auth/token',
        method: 'POST',
        servername: 'localhost',
        ca,
        agent: false,
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      },
      (response) => {
        let text = '';
        response.on('data', (chunk: Buffer) => (text += chunk.toString()));
        response.on('end', () => resolve((JSON.parse(text) as { access_token: string }).access_token));
      },
    );
    request.on('error', reject);
    request.end(form);
  });
  return token;
}

describe('TLS_SELF_ISSUED=true: the service serves HTTPS with a certificate from its own CA', () => {
  let database: TestDatabase;
  let dataDir: string;
  let env: Record<string, string>;
  let served: Served | null = null;
  let rootPem: string;
  let rootSlug: string;
  let token: string;
  const workDir = mkdtempSync(join(tmpdir(), 'tls-e2e-'));

  beforeAll(async () => {
    database = await createTestDatabase();
    dataDir = mkdtempSync(join(tmpdir(), 'tls-e2e-data-'));
    // PGlite on disk (not memory://), so a restart sees the same database.
    const url = database.url === 'memory://' ? '' : database.url;
    env = { TLS_SELF_ISSUED: 'true', DATA_DIR: dataDir, DATABASE_URL: url };
    served = await serve(env);
  });

  afterAll(async () => {
    await served?.app.close();
    await database.drop();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(workDir, { recursive: true, force: true });
  });

  const current = (): Served => {
    if (!served) throw new Error('the app is not running');
    return served;
  };

  it('publishes its TLS root at /ca/{slug}.pem, and openssl s_client verifies the served chain with it', async () => {
    const dataSource = current().app.get(DataSource);
    const [root] = await dataSource.query(
      'SELECT ca.id, ca.name, ca.certificate_pem FROM service_tls_roots r JOIN certificate_authorities ca ON ca.id = r.ca_id',
    );
    expect(root.name).toMatch(/^pki\.test TLS root/);
    // The operator's one-time download; compared with what the database holds.
    rootSlug = caSlug(root.name, root.id);
    const download = await fetchHttps(current().port, `/ca/${rootSlug}.pem`);
    expect(download.status).toBe(200);
    expect(download.body.trim()).toBe(String(root.certificate_pem).trim());
    rootPem = download.body;
    const caFile = join(workDir, 'root.pem');
    writeFileSync(caFile, rootPem);

    const verified = await sClient(current().port, caFile, [
      '-servername',
      'localhost',
      '-verify_hostname',
      'localhost',
    ]);
    expect(verified.output).toContain('Verify return code: 0 (ok)');
    expect(verified.code).toBe(0);

    const wrongName = await sClient(current().port, caFile, ['-verify_hostname', 'elsewhere.test']);
    expect(wrongName.code).not.toBe(0);
  });

  it('answers a Node https client that trusts only that CA', async () => {
    const status = await fetchHttps(current().port, '/status', { ca: rootPem });
    expect(status.status).toBe(200);
    token = await signInAsFirstUser(current().port, rootPem);
  });

  it('does not answer plain HTTP on its port', async () => {
    const outcome = await new Promise<string>((resolve) => {
      const request = httpGet({ host: '127.0.0.1', port: current().port, path: '/status' }, (response) =>
        resolve(`status ${response.statusCode}`),
      );
      request.on('error', (error) => resolve(`error ${error.message}`));
      request.setTimeout(5000, () => request.destroy(new Error('timeout')));
    });
    expect(outcome).toMatch(/^error /);
  });

  it("names PUBLIC_BASE_URL's host, localhost and 127.0.0.1, and is a normal certificate in the API and audit trail", async () => {
    const certificate = await servedCertificate(current().port);
    expect(certificate.subjectAltName?.split(', ').sort()).toEqual(
      ['DNS:localhost', 'DNS:pki.test', 'IP Address:127.0.0.1'].sort(),
    );
    const lifetimeDays =
      (new Date(certificate.validTo).getTime() - new Date(certificate.validFrom).getTime()) / 86_400_000;
    expect(Math.round(lifetimeDays)).toBe(30);
    const serial = certificate.serialNumber.toLowerCase();

    const list = await fetchHttps(current().port, '/api/v1/certificates/', { ca: rootPem, token });
    const listed = (JSON.parse(list.body) as { serial_number: string; certificate_type: string }[]).filter(
      (item) =>
        item.serial_number.replace(/:/g, '').toLowerCase().replace(/^0+/, '') === serial.replace(/^0+/, ''),
    );
    expect(listed).toHaveLength(1);
    expect(listed[0].certificate_type).toBe('server');

    const audit = await fetchHttps(current().port, '/api/v1/audit-logs/?action=cert_create', {
      ca: rootPem,
      token,
    });
    expect(audit.body).toContain('service_tls');
  });

  it('swaps in a new certificate without a restart when two thirds of the lifetime are past', async () => {
    const before = await servedCertificate(current().port);
    const twentyOneDaysOn = new Date(Date.now() + 21 * 86_400_000);
    await current().app.get(SelfIssuedTls).refresh(twentyOneDaysOn);
    const after = await servedCertificate(current().port);
    expect(after.serialNumber).not.toBe(before.serialNumber);
    expect((await fetchHttps(current().port, '/status', { ca: rootPem })).status).toBe(200);
  });

  it('replaces a revoked certificate, which then appears on the CRL', async () => {
    const before = await servedCertificate(current().port);
    const list = await fetchHttps(current().port, '/api/v1/certificates/', { ca: rootPem, token });
    const target = (JSON.parse(list.body) as { id: number; serial_number: string }[]).find(
      (item) =>
        item.serial_number.replace(/:/g, '').toLowerCase().replace(/^0+/, '') ===
        before.serialNumber.toLowerCase().replace(/^0+/, ''),
    );
    expect(target).toBeDefined();
    const revoked = await fetchHttps(current().port, `/api/v1/certificates/${target?.id}/revoke`, {
      ca: rootPem,
      token,
      method: 'POST',
      body: { reason: 'keyCompromise' },
    });
    expect(revoked.status).toBe(200);
    let after = before;
    for (let attempt = 0; attempt < 50 && after.serialNumber === before.serialNumber; attempt += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      after = await servedCertificate(current().port);
    }
    expect(after.serialNumber).not.toBe(before.serialNumber);

    const crl = await fetchHttps(current().port, `/crl/${rootSlug}.pem`, { ca: rootPem });
    writeFileSync(join(workDir, 'root.crl'), crl.body);
    const { stdout } = await run('openssl', ['crl', '-in', join(workDir, 'root.crl'), '-noout', '-text']);
    expect(stdout).toContain(`Serial Number: ${before.serialNumber.toUpperCase()}`);
    expect(stdout).toContain('Key Compromise');
  });

  it('reuses the still-valid certificate after a restart on the same database', async () => {
    const before = await servedCertificate(current().port);
    await current().app.close();
    served = null;
    served = await serve(env);
    const after = await servedCertificate(current().port);
    expect(after.serialNumber).toBe(before.serialNumber);
    expect(after.fingerprint256).toBe(before.fingerprint256);
  });

  it('issues a new certificate when TLS_SELF_ISSUED_NAMES changes', async () => {
    await current().app.close();
    served = null;
    env = { ...env, TLS_SELF_ISSUED_NAMES: 'api.internal.test, 127.0.0.1, ::1', TLS_SELF_ISSUED_DAYS: '7' };
    served = await serve(env);
    const certificate = await servedCertificate(current().port);
    expect(certificate.subjectAltName?.split(', ').sort()).toEqual(
      ['DNS:api.internal.test', 'IP Address:0:0:0:0:0:0:0:1', 'IP Address:127.0.0.1'].sort(),
    );
    const check = await sClient(current().port, join(workDir, 'root.pem'), ['-verify_ip', '127.0.0.1']);
    expect(check.output).toContain('Verify return code: 0 (ok)');
  });
});

describe("TLS_CERT_FILE/TLS_KEY_FILE: HTTPS with the operator's certificate", () => {
  const dir = mkdtempSync(join(tmpdir(), 'tls-files-'));
  const file = (name: string) => join(dir, name);
  let database: TestDatabase;
  let served: Served | null = null;

  async function makePair(name: string, commonName: string): Promise<{ cert: string; key: string }> {
    await run('openssl', [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      file(`${name}.key`),
      '-out',
      file(`${name}.crt`),
      '-days',
      '2',
      '-subj',
      `/CN=${commonName}`,
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
    ]);
    return { cert: file(`${name}.crt`), key: file(`${name}.key`) };
  }

  beforeAll(async () => {
    database = await createTestDatabase();
  });

  afterAll(async () => {
    await served?.app.close();
    await database.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the files, and reloads them on SIGHUP without a restart, keeping the old pair when the new one is broken', async () => {
    const first = await makePair('first', 'first.test');
    served = await serve({ DATABASE_URL: database.url, TLS_CERT_FILE: first.cert, TLS_KEY_FILE: first.key });
    const { readFileSync } = await import('node:fs');
    const answer = await fetchHttps(served.port, '/status', { ca: readFileSync(first.cert, 'utf8') });
    expect(answer.status).toBe(200);
    expect(answer.peer.subject.CN).toBe('first.test');

    const second = await makePair('second', 'second.test');
    writeFileSync(first.cert, readFileSync(second.cert));
    writeFileSync(first.key, readFileSync(second.key));
    process.emit('SIGHUP', 'SIGHUP');
    expect((await servedCertificate(served.port)).subject).toBe('CN=second.test');

    // A broken pair is refused and the served one kept.
    writeFileSync(first.key, 'not a key');
    expect(served.app.get(TlsFileReloader).reloadNow()).toBe(false);
    expect((await servedCertificate(served.port)).subject).toBe('CN=second.test');
  });

  it("refuses to start when the key is not the certificate's", async () => {
    const one = await makePair('one', 'one.test');
    const other = await makePair('other', 'other.test');
    await expect(
      createApp({
        ...process.env,
        ...BASE_ENV,
        DATABASE_URL: 'memory://',
        TLS_CERT_FILE: one.cert,
        TLS_KEY_FILE: other.key,
      }),
    ).rejects.toThrow(/TLS_KEY_FILE: .* is not the private key of the certificate/);
    await expect(
      createApp({
        ...process.env,
        ...BASE_ENV,
        DATABASE_URL: 'memory://',
        TLS_CERT_FILE: file('missing.crt'),
        TLS_KEY_FILE: one.key,
      }),
    ).rejects.toThrow(/TLS_CERT_FILE: cannot read .*missing\.crt \(ENOENT\)/);
    await expect(
      createApp({
        ...process.env,
        ...BASE_ENV,
        DATABASE_URL: 'memory://',
        TLS_CERT_FILE: one.key,
        TLS_KEY_FILE: one.key,
      }),
    ).rejects.toThrow(/TLS_CERT_FILE: .* holds no PEM certificate/);
  });

  it('refuses one file without the other, and files together with TLS_SELF_ISSUED', () => {
    expect(() => loadAppConfig({ TLS_CERT_FILE: '/etc/tls/cert.pem' })).toThrow(
      /TLS_KEY_FILE: must be set together with TLS_CERT_FILE/,
    );
    expect(() => loadAppConfig({ TLS_KEY_FILE: '/etc/tls/key.pem' })).toThrow(
      /TLS_CERT_FILE: must be set together with TLS_KEY_FILE/,
    );
    expect(() => loadAppConfig({ TLS_CERT_FILE: '/a', TLS_KEY_FILE: '/b', TLS_SELF_ISSUED: 'true' })).toThrow(
      /TLS_SELF_ISSUED: cannot be true together with TLS_CERT_FILE/,
    );
    expect(() => loadAppConfig({ TLS_SELF_ISSUED: 'true', TLS_SELF_ISSUED_NAMES: 'bad name!' })).toThrow(
      /TLS_SELF_ISSUED_NAMES/,
    );
  });
});

describeWithPostgres(
  'TLS_SELF_ISSUED=true with two instances on one PostgreSQL',
  () => {
    let database: TestDatabase;
    const instances: Served[] = [];

    beforeAll(async () => {
      database = await createTestDatabase();
      // Migrations first, as the cluster primary does; then both instances start at once.
      await (await serve({ DATABASE_URL: database.url })).app.close();
    });

    afterAll(async () => {
      for (const instance of instances) await instance.app.close();
      await database.drop();
    });

    it('stores one TLS root and one certificate, and both instances serve it', async () => {
      const env = { DATABASE_URL: database.url, TLS_SELF_ISSUED: 'true' };
      instances.push(...(await Promise.all([serve(env), serve(env)])));
      const [first, second] = await Promise.all(
        instances.map((instance) => servedCertificate(instance.port)),
      );
      expect(second.serialNumber).toBe(first.serialNumber);
      const dataSource = instances[0].app.get(DataSource);
      const [counts] = await dataSource.query(
        `SELECT (SELECT count(*) FROM service_tls_roots)::int AS roots,
              (SELECT count(*) FROM service_tls_certificates)::int AS served,
              (SELECT count(*) FROM certificates)::int AS certificates,
              (SELECT count(*) FROM certificate_authorities)::int AS cas`,
      );
      expect(counts).toEqual({ roots: 1, served: 1, certificates: 1, cas: 1 });
    });
  },
  'PGlite belongs to one process',
);
