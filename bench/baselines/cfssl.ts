import type { ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isInstalled, run, startLogged, stopProcess } from '../lib/commands';
import { openPostgres } from '../lib/database';

export type CfsslKeyType = 'rsa' | 'ec';

/** cfssl's PostgreSQL certdb schema (certdb/pg/migrations/001_CreateCertificates.sql). */
const CERTDB_SCHEMA = `
CREATE TABLE IF NOT EXISTS certificates (
  serial_number bytea NOT NULL,
  authority_key_identifier bytea NOT NULL,
  ca_label bytea,
  status bytea NOT NULL,
  reason int,
  expiry timestamptz,
  revoked_at timestamptz,
  pem bytea NOT NULL,
  PRIMARY KEY (serial_number, authority_key_identifier)
);
CREATE TABLE IF NOT EXISTS ocsp_responses (
  serial_number bytea NOT NULL,
  authority_key_identifier bytea NOT NULL,
  body bytea NOT NULL,
  expiry timestamptz,
  PRIMARY KEY (serial_number, authority_key_identifier),
  FOREIGN KEY (serial_number, authority_key_identifier)
    REFERENCES certificates (serial_number, authority_key_identifier)
)`;

const SIGNING_CONFIG = {
  signing: {
    default: {
      usages: ['digital signature', 'key encipherment', 'server auth'],
      expiry: '8760h',
    },
  },
};

export async function cfsslAvailable(): Promise<boolean> {
  return isInstalled('cfssl');
}

export async function cfsslVersion(): Promise<string> {
  const { stdout } = await run('cfssl', ['version']);
  return stdout.split('\n')[0]?.replace('Version: ', '') ?? 'unknown';
}

/** Does this cfssl's `serve` take -db-config (a certificate database)? */
export async function cfsslSupportsDbConfig(): Promise<boolean> {
  const { stdout, stderr } = await run('sh', ['-c', 'cfssl serve -h 2>&1 || true']);
  return `${stdout}${stderr}`.includes('-db-config');
}

export async function createCertdbSchema(databaseUrl: string): Promise<void> {
  const session = await openPostgres(databaseUrl);
  try {
    await session.query(CERTDB_SCHEMA);
  } finally {
    await session.close();
  }
}

export async function certdbRowCount(databaseUrl: string): Promise<number> {
  const session = await openPostgres(databaseUrl);
  try {
    const rows = await session.query<{ count: string }>('SELECT count(*) FROM certificates');
    return Number(rows[0]?.count ?? 0);
  } finally {
    await session.close();
  }
}

/** A root CA made by cfssl itself (gencert -initca), in the files `serve` reads. */
async function makeCa(
  dir: string,
  keyType: CfsslKeyType,
  rsaBits: number,
): Promise<{ cert: string; key: string }> {
  const request = {
    CN: `cfssl bench ${keyType.toUpperCase()} CA`,
    key: keyType === 'rsa' ? { algo: 'rsa', size: rsaBits } : { algo: 'ecdsa', size: 256 },
  };
  const { stdout } = await run('cfssl', ['gencert', '-initca', '-'], { input: JSON.stringify(request) });
  const generated = JSON.parse(stdout) as { cert: string; key: string };
  const cert = join(dir, `ca-${keyType}.pem`);
  const key = join(dir, `ca-${keyType}-key.pem`);
  writeFileSync(cert, generated.cert);
  writeFileSync(key, generated.key, { mode: 0o600 });
  return { cert, key };
}

export interface CfsslServerOptions {
  dir: string;
  port: number;
  keyType: CfsslKeyType;
  /** Certificate database on PostgreSQL; null: no storage. */
  databaseUrl: string | null;
}

/** `cfssl serve` with one CA, optionally storing every certificate it signs. */
export class CfsslServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
    readonly label: string,
  ) {}

  static async start(
    options: CfsslServerOptions,
    files: { cert: string; key: string },
  ): Promise<CfsslServer> {
    const config = join(options.dir, 'cfssl-config.json');
    writeFileSync(config, JSON.stringify(SIGNING_CONFIG));
    const args = ['serve', '-address', '127.0.0.1', '-port', String(options.port), '-loglevel', '3'];
    args.push('-ca', files.cert, '-ca-key', files.key, '-config', config);
    if (options.databaseUrl) {
      const dbConfig = join(options.dir, `cfssl-db-${options.keyType}.json`);
      const url = new URL(options.databaseUrl);
      url.searchParams.set('sslmode', 'disable');
      writeFileSync(dbConfig, JSON.stringify({ driver: 'postgres', data_source: url.toString() }));
      args.push('-db-config', dbConfig);
    }
    const label = `cfssl ${options.databaseUrl ? '+ PostgreSQL certdb' : 'no storage'}`;
    const child = startLogged(
      'cfssl',
      args,
      join(options.dir, `cfssl-${options.keyType}-${options.port}.log`),
    );
    const baseUrl = `http://127.0.0.1:${options.port}`;
    try {
      // Any HTTP answer means it listens.
      await waitForListening(baseUrl, child);
    } catch (error) {
      await stopProcess(child);
      throw error;
    }
    return new CfsslServer(child, baseUrl, label);
  }

  /** Both servers of a key type share the CA files. */
  static async startPair(
    dir: string,
    keyType: CfsslKeyType,
    ports: [number, number],
    databaseUrl: string | null,
  ): Promise<{ plain: CfsslServer; stored: CfsslServer | null }> {
    const ca = await makeCa(dir, keyType, 4096);
    const plain = await CfsslServer.start({ dir, port: ports[0], keyType, databaseUrl: null }, ca);
    const stored = databaseUrl
      ? await CfsslServer.start({ dir, port: ports[1], keyType, databaseUrl }, ca)
      : null;
    return { plain, stored };
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('cfssl has no pid');
    return this.child.pid;
  }

  stop(): Promise<void> {
    return stopProcess(this.child);
  }
}

async function waitForListening(baseUrl: string, child: ChildProcess): Promise<void> {
  const started = performance.now();
  while (performance.now() - started < 20_000) {
    if (child.exitCode !== null) throw new Error(`cfssl serve exited with ${child.exitCode}`);
    try {
      await fetch(`${baseUrl}/api/v1/cfssl/info`, { method: 'POST', body: '{}' });
      return;
    } catch {
      await new Promise((resolvePromise) => setTimeout(resolvePromise, 50));
    }
  }
  throw new Error(`cfssl serve did not listen on ${baseUrl} within 20 s`);
}
