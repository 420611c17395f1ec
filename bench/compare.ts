import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ApiClient } from './lib/api-client';
import { AppServer, newSecrets } from './lib/app-server';
import { createDatabase, dropDatabase, siblingDatabaseUrl } from './lib/database';
import { jsonPost, LoadRequest, LoadResult, runLoad } from './lib/load';
import { LEAF_NAME, makeRsaCsr } from './lib/pki-files';
import { settle } from './lib/proc-stats';
import { fixed, median } from './lib/stats';
import { printTable } from './lib/table';

/**
 * `npm run bench:compare`: two builds of the app side by side on PostgreSQL, the same load on each in
 * alternating order, round after round, so a change is measured against the machine's drift (this
 * VM's speed swings by a third between minutes). Each side is a checkout with a built `dist/`.
 */
interface Side {
  label: string;
  root: string;
  workers: number;
  port: number;
}

interface RunningSide {
  side: Side;
  app: AppServer;
  databaseUrl: string;
  request: LoadRequest;
}

type Mode = 'sign-csr' | 'issue';

function setting(name: string, fallback: string): string {
  const value = process.env[name];
  return value === undefined || value === '' ? fallback : value;
}

function whole(name: string, fallback: number): number {
  const value = Number(setting(name, String(fallback)));
  if (!Number.isInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer`);
  return value;
}

function modeOf(raw: string): Mode {
  if (raw === 'sign-csr' || raw === 'issue') return raw;
  throw new Error(`COMPARE_MODE must be sign-csr or issue, got "${raw}"`);
}

async function startSide(
  side: Side,
  serverUrl: string,
  workDir: string,
  csrPem: string,
): Promise<RunningSide> {
  const databaseUrl = siblingDatabaseUrl(serverUrl, side.label.toLowerCase());
  await dropDatabase(databaseUrl);
  await createDatabase(databaseUrl);
  const app = await AppServer.start({
    repoRoot: side.root,
    dataDir: join(workDir, side.label),
    port: side.port,
    databaseUrl,
    logFile: join(workDir, `${side.label}.log`),
    secrets: newSecrets(),
    workers: side.workers,
  });
  const api = new ApiClient(app.baseUrl);
  await api.signUp('compare', 'compare-password-1234');
  await api.signIn('compare', 'compare-password-1234');
  const keyType = setting('COMPARE_CA', 'ec') === 'rsa' ? 'rsa' : 'ec';
  const ca = await api.createCa(`Compare ${keyType}`, keyType, keyType === 'rsa' ? 4096 : 256);
  const mode = modeOf(setting('COMPARE_MODE', 'sign-csr'));
  const request =
    mode === 'issue'
      ? jsonPost(
          `/api/v1/certificates/?ca_id=${ca.id}`,
          {
            common_name: LEAF_NAME,
            subject_dn: 'O=Bench',
            certificate_type: 'server',
            key_type: 'ec',
            key_size: 256,
          },
          api.accessToken,
        )
      : jsonPost(
          '/api/v1/certificates/sign-csr',
          { csr: csrPem, ca_id: ca.id, certificate_type: 'server' },
          api.accessToken,
        );
  return { side, app, databaseUrl, request };
}

function cells(results: readonly LoadResult[]): string[] {
  const perRequestMs = results.map((result) =>
    result.usage
      ? ((result.usage.cpuCores + result.usage.postgresCores) / result.requestsPerSecond) * 1000
      : Number.NaN,
  );
  return [
    results.map((result) => fixed(result.requestsPerSecond, 0)).join(' '),
    fixed(median(results.map((result) => result.requestsPerSecond))),
    fixed(median(results.map((result) => result.usage?.postgresCores ?? Number.NaN)), 2),
    perRequestMs.map((value) => fixed(value, 2)).join(' '),
    fixed(median(perRequestMs), 2),
    String(results.reduce((sum, result) => sum + result.errors, 0)),
  ];
}

async function main(): Promise<void> {
  const serverUrl = process.env.COMPARE_DATABASE_URL;
  const otherRoot = process.env.COMPARE_WITH;
  if (!serverUrl || !otherRoot) {
    throw new Error(
      'Set COMPARE_WITH=<checkout with a built dist/> and COMPARE_DATABASE_URL=postgres://… (databases are created beside it)',
    );
  }
  const sides: Side[] = [
    { label: 'A', root: resolve(otherRoot), workers: whole('COMPARE_WORKERS_A', 1), port: 18501 },
    { label: 'B', root: resolve(__dirname, '..'), workers: whole('COMPARE_WORKERS_B', 1), port: 18502 },
  ];
  const rounds = whole('COMPARE_ROUNDS', 5);
  const seconds = whole('COMPARE_DURATION', 8);
  const connections = whole('COMPARE_CONNECTIONS', 8);
  const workDir = mkdtempSync(join(tmpdir(), 'ca-compare-'));
  const csrPem = await makeRsaCsr(workDir);
  const running: RunningSide[] = [];
  try {
    for (const side of sides) running.push(await startSide(side, serverUrl, workDir, csrPem));
    const load = (one: RunningSide, durationSeconds: number): Promise<LoadResult> =>
      runLoad({
        baseUrl: one.app.baseUrl,
        requests: [one.request],
        connections,
        durationSeconds,
        pid: one.app.pid,
      });
    // Warm-up: the JIT, PostgreSQL's caches and the named statements, not measured.
    for (const one of running) await load(one, whole('COMPARE_WARMUP', 6));
    const results = new Map<string, LoadResult[]>(sides.map((side) => [side.label, []]));
    for (let round = 0; round < rounds; round += 1) {
      for (const one of round % 2 === 0 ? running : [...running].reverse()) {
        const result = await load(one, seconds);
        await settle(one.app.pid);
        results.get(one.side.label)?.push(result);
        process.stdout.write(
          `round ${round + 1} ${one.side.label}: ${fixed(result.requestsPerSecond)} req/s\n`,
        );
      }
    }
    printTable(
      `compare: ${setting('COMPARE_MODE', 'sign-csr')} under an ${setting('COMPARE_CA', 'ec')} CA, c=${connections}, ${rounds} rounds × ${seconds} s, alternating`,
      [
        'side',
        'req/s per round',
        'req/s median',
        'PG CPU cores',
        'CPU ms/req per round',
        'CPU ms/req median',
        'errors',
      ],
      running.map((one) => [
        `${one.side.label}: ${one.side.root} (workers ${one.side.workers})`,
        ...cells(results.get(one.side.label) ?? []),
      ]),
    );
  } finally {
    for (const one of running) {
      await one.app.stop();
      await dropDatabase(one.databaseUrl);
    }
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
