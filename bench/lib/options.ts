import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const SCENARIOS = ['sign', 'issue', 'reads', 'crl', 'listing', 'login', 'startup', 'profile'] as const;
export type ScenarioName = (typeof SCENARIOS)[number];

/** Every scenario except the CPU profile, which restarts the app under --cpu-prof. */
const DEFAULT_SCENARIOS: readonly ScenarioName[] = SCENARIOS.filter((name) => name !== 'profile');

export interface BenchOptions {
  repoRoot: string;
  workDir: string;
  scenarios: ReadonlySet<ScenarioName>;
  /** Seconds per measured run. */
  durationSeconds: number;
  runs: number;
  /** PostgreSQL database the bench creates, uses and drops; null for the embedded PGlite. */
  databaseUrl: string | null;
  /** Certificate and audit rows seeded for the listing scenario. */
  listingRows: number;
  /** Revoked certificates seeded for the CRL scenario. */
  crlRows: number;
  appPort: number;
  /** WORKERS for the app (cluster mode, PostgreSQL only). */
  workers: number;
  keepWorkDir: boolean;
  skipBuild: boolean;
}

function positiveNumber(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new Error(`${name} must be a positive number, got "${raw}"`);
  return value;
}

function scenarioSet(raw: string | undefined): ReadonlySet<ScenarioName> {
  if (raw === undefined || raw.trim() === '' || raw === 'all') return new Set(DEFAULT_SCENARIOS);
  const names = raw.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(SCENARIOS as readonly string[]).includes(name));
  if (unknown.length > 0) {
    throw new Error(`BENCH_SCENARIOS: unknown ${unknown.join(', ')} (known: ${SCENARIOS.join(', ')})`);
  }
  return new Set(names as ScenarioName[]);
}

export function readOptions(): BenchOptions {
  const repoRoot = resolve(__dirname, '..', '..');
  return {
    repoRoot,
    workDir: process.env.BENCH_WORK_DIR ?? mkdtempSync(join(tmpdir(), 'ca-bench-')),
    scenarios: scenarioSet(process.env.BENCH_SCENARIOS),
    durationSeconds: positiveNumber('BENCH_DURATION', 5),
    runs: Math.max(1, Math.round(positiveNumber('BENCH_RUNS', 3))),
    databaseUrl: process.env.BENCH_DATABASE_URL || null,
    listingRows: Math.round(positiveNumber('BENCH_LISTING_ROWS', 1_000_000)),
    crlRows: Math.round(positiveNumber('BENCH_CRL_ROWS', 100_000)),
    appPort: Math.round(positiveNumber('BENCH_PORT', 18_400)),
    workers: Math.round(positiveNumber('BENCH_WORKERS', 1)),
    keepWorkDir: process.env.BENCH_KEEP === '1',
    skipBuild: process.env.BENCH_SKIP_BUILD === '1',
  };
}
