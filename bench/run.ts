import { mkdirSync, readFileSync, rmSync } from 'node:fs';
import { cpus, release, totalmem } from 'node:os';
import { join } from 'node:path';
import {
  certdbRowCount,
  cfsslAvailable,
  cfsslSupportsDbConfig,
  cfsslVersion,
  CfsslServer,
  createCertdbSchema,
} from './baselines/cfssl';
import { nodeKeyGenerationRate, nodeSignRate, signingKey } from './baselines/native-rates';
import { AppHost } from './lib/app-host';
import { ApiClient } from './lib/api-client';
import { run } from './lib/commands';
import { createDatabase, dropDatabase, siblingDatabaseUrl } from './lib/database';
import { readOptions } from './lib/options';
import type { BenchOptions, ScenarioName } from './lib/options';
import { issuerSlugOf, makeRsaCsr } from './lib/pki-files';
import { TargetReport } from './lib/report';
import { fixed } from './lib/stats';
import { note, printTable } from './lib/table';
import type { BenchContext, CfsslFleet, Fixtures } from './scenarios/context';
import { crlScenario } from './scenarios/crl';
import { issueScenario } from './scenarios/issue';
import { listingScenario } from './scenarios/listing';
import { loginScenario } from './scenarios/login';
import { profileScenario } from './scenarios/profile';
import { readsScenario } from './scenarios/reads';
import { signCsrScenario } from './scenarios/sign-csr';
import { startupScenario } from './scenarios/startup';

/** In this order: the scale seeding comes after the throughput runs, the restarts last. */
const SCENARIO_RUNNERS: readonly [ScenarioName, (ctx: BenchContext) => Promise<void>][] = [
  ['sign', signCsrScenario],
  ['issue', issueScenario],
  ['reads', readsScenario],
  ['login', loginScenario],
  ['crl', crlScenario],
  ['listing', listingScenario],
  ['startup', startupScenario],
  ['profile', profileScenario],
];

const BENCH_USER = { username: 'bench', password: 'bench-password-1234' };

async function machine(): Promise<string> {
  const debian = (() => {
    try {
      return `Debian ${readFileSync('/etc/debian_version', 'utf8').trim()}`;
    } catch {
      return 'Linux';
    }
  })();
  const openssl = (await run('openssl', ['version'])).stdout.trim();
  return `${cpus().length} × ${cpus()[0]?.model ?? 'unknown CPU'}, ${fixed(totalmem() / 2 ** 30, 0)} GiB, ${debian}, kernel ${release()}, Node ${process.version}, ${openssl}`;
}

/** The commit the app is built from, and whether src/ or migrations/ differ from it. */
async function appRevision(repoRoot: string): Promise<string> {
  try {
    const commit = (await run('git', ['rev-parse', '--short', 'HEAD'], { cwd: repoRoot })).stdout.trim();
    const { stdout } = await run('git', ['status', '--porcelain', '--', 'src', 'migrations'], {
      cwd: repoRoot,
    });
    return stdout.trim() === '' ? commit : `${commit} + uncommitted changes in src/ or migrations/`;
  } catch {
    return 'unknown (not a git checkout)';
  }
}

async function setUpFixtures(api: ApiClient, options: BenchOptions): Promise<Fixtures> {
  await api.signUp(BENCH_USER.username, BENCH_USER.password);
  await api.signIn(BENCH_USER.username, BENCH_USER.password);
  const csrPem = await makeRsaCsr(options.workDir);
  const rsa = await api.createCa('Bench RSA CA', 'rsa', 4096);
  const ec = await api.createCa('Bench EC CA', 'ec', 256);
  const sample = await api.signCsr(rsa.id, csrPem);
  const ecSample = await api.signCsr(ec.id, csrPem);
  return {
    ...BENCH_USER,
    csrPem,
    rsaCa: { ...rsa, slug: issuerSlugOf(sample.certificatePem) },
    ecCa: { ...ec, slug: issuerSlugOf(ecSample.certificatePem) },
    sample,
  };
}

async function startCfssl(options: BenchOptions, databaseUrl: string | null): Promise<CfsslFleet | null> {
  if (!(await cfsslAvailable())) {
    note('cfssl not found: its baselines are skipped (install: apt-get install golang-cfssl).');
    return null;
  }
  const version = await cfsslVersion();
  let storage: CfsslFleet['storage'];
  if (!(await cfsslSupportsDbConfig())) storage = { skipped: `cfssl ${version} serve has no -db-config` };
  else if (!databaseUrl) {
    storage = {
      skipped: 'no PostgreSQL for its certdb (set BENCH_DATABASE_URL or BENCH_CFSSL_DATABASE_URL)',
    };
  } else {
    await createDatabase(databaseUrl);
    await createCertdbSchema(databaseUrl);
    storage = { databaseUrl };
  }
  const dir = join(options.workDir, 'cfssl');
  mkdirSync(dir, { recursive: true });
  const storedUrl = 'databaseUrl' in storage ? storage.databaseUrl : null;
  const port = options.appPort;
  const rsa = await CfsslServer.startPair(dir, 'rsa', [port + 1, port + 2], storedUrl);
  const ec = await CfsslServer.startPair(dir, 'ec', [port + 3, port + 4], storedUrl);
  return { version, rsa, ec, storage };
}

async function stopCfssl(fleet: CfsslFleet | null): Promise<void> {
  if (!fleet) return;
  for (const pair of [fleet.rsa, fleet.ec]) {
    await pair.plain.stop();
    await pair.stored?.stop();
  }
}

async function printNativeBaselines(options: BenchOptions): Promise<void> {
  const seconds = Math.max(1, Math.round(options.durationSeconds / 2));
  const rsaKey = signingKey('rsa4096');
  const ecKey = signingKey('ecp256');
  const rows: string[][] = [];
  for (const parallel of [1, 2]) {
    rows.push([
      `generateKeyPair RSA-2048, ${parallel} parallel`,
      fixed(await nodeKeyGenerationRate('rsa2048', parallel, seconds)),
    ]);
    rows.push([
      `generateKeyPair EC P-256, ${parallel} parallel`,
      fixed(await nodeKeyGenerationRate('ecp256', parallel, seconds)),
    ]);
    rows.push([
      `crypto.sign RSA-4096, ${parallel} parallel`,
      fixed(await nodeSignRate(rsaKey, parallel, seconds)),
    ]);
    rows.push([
      `crypto.sign EC P-256, ${parallel} parallel`,
      fixed(await nodeSignRate(ecKey, parallel, seconds)),
    ]);
  }
  printTable(
    '0. native rates of Node on this machine (in the bench process, per second)',
    ['operation', 'per s'],
    rows,
  );
}

async function runScenarios(ctx: BenchContext): Promise<void> {
  for (const [name, runner] of SCENARIO_RUNNERS) {
    if (!ctx.options.scenarios.has(name)) continue;
    const started = performance.now();
    try {
      await runner(ctx);
    } catch (error) {
      console.log(`\n## scenario ${name} FAILED: ${(error as Error).message}`);
      ctx.report.invalid(`scenario ${name}`, 'failed, see above');
    }
    note(`(scenario ${name}: ${fixed((performance.now() - started) / 1000, 0)} s)`);
  }
}

async function main(): Promise<void> {
  const options = readOptions();
  mkdirSync(options.workDir, { recursive: true });
  const benchStarted = performance.now();
  console.log(`# npm run bench — ${new Date().toISOString()}`);
  console.log(`machine: ${await machine()}`);
  console.log(`app: commit ${await appRevision(options.repoRoot)}`);
  console.log(
    `database: ${options.databaseUrl ? 'PostgreSQL (BENCH_DATABASE_URL)' : 'embedded PGlite'}; app workers: ${options.workers}; runs: ${options.runs} × ${options.durationSeconds} s; scenarios: ${[...options.scenarios].join(', ')}; work dir: ${options.workDir}`,
  );
  if (!options.skipBuild) {
    process.stderr.write('building the app (npm run build)…\n');
    await run('npm', ['run', 'build'], { cwd: options.repoRoot });
  }
  const cfsslDatabaseUrl =
    process.env.BENCH_CFSSL_DATABASE_URL ||
    (options.databaseUrl ? siblingDatabaseUrl(options.databaseUrl, 'cfssl') : null);
  if (options.databaseUrl) await createDatabase(options.databaseUrl);
  const host = new AppHost(
    options.repoRoot,
    join(options.workDir, 'data'),
    options.workDir,
    options.appPort,
    options.databaseUrl,
    options.workers,
  );
  let cfssl: CfsslFleet | null = null;
  try {
    await host.start();
    const api = new ApiClient(host.app.baseUrl);
    const fixtures = await setUpFixtures(api, options);
    cfssl = await startCfssl(options, cfsslDatabaseUrl);
    if (cfssl) {
      const storage =
        'databaseUrl' in cfssl.storage
          ? 'with and without a PostgreSQL certdb'
          : `without storage (${cfssl.storage.skipped})`;
      console.log(`cfssl: ${cfssl.version}, serve ${storage}`);
    }
    await printNativeBaselines(options);
    const report = new TargetReport();
    await runScenarios({ options, host, api, fixtures, cfssl, report });
    if (cfssl && 'databaseUrl' in cfssl.storage) {
      note(`cfssl certdb rows written during the run: ${await certdbRowCount(cfssl.storage.databaseUrl)}`);
    }
    report.print();
    console.log(`\nbench finished in ${fixed((performance.now() - benchStarted) / 1000, 0)} s`);
  } finally {
    await host.stop();
    await stopCfssl(cfssl);
    if (cfssl && 'databaseUrl' in cfssl.storage) await dropDatabase(cfssl.storage.databaseUrl);
    if (options.databaseUrl) await dropDatabase(options.databaseUrl);
    if (!options.keepWorkDir) rmSync(options.workDir, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? (error.stack ?? error.message) : error);
  process.exit(1);
});
