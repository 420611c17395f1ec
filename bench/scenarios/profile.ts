import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { summariseProfile } from '../lib/cpu-profile';
import { jsonPost, runLoad } from '../lib/load';
import { cpuSeconds, threadCpuSeconds } from '../lib/proc-stats';
import { fixed } from '../lib/stats';
import { note, printTable } from '../lib/table';
import type { BenchContext } from './context';

const CONNECTIONS = 8;
const WARM_UP_SECONDS = 2;
const TOP_FUNCTIONS = 15;

function monotonicMicros(): number {
  return Number(process.hrtime.bigint() / 1000n);
}

async function profileSigning(ctx: BenchContext, kind: 'rsa' | 'ec', dir: string): Promise<void> {
  const { options, host, fixtures } = ctx;
  const ca = kind === 'rsa' ? fixtures.rsaCa : fixtures.ecCa;
  const caLabel = kind === 'rsa' ? `RSA-${ca.keySize}` : 'EC P-256';
  const file = `sign-csr-${kind}.cpuprofile`;
  // One process, so the main thread measured is the one serving every request.
  await host.restart(['--cpu-prof', `--cpu-prof-dir=${dir}`, `--cpu-prof-name=${file}`], 1);
  const request = jsonPost(
    '/api/v1/certificates/sign-csr',
    { csr: fixtures.csrPem, ca_id: ca.id, certificate_type: 'server' },
    ctx.api.accessToken,
  );
  const spec = { baseUrl: host.app.baseUrl, requests: [request], connections: CONNECTIONS };
  await runLoad({ ...spec, durationSeconds: WARM_UP_SECONDS });
  const pid = host.app.pid;
  const mainBefore = threadCpuSeconds(pid, pid);
  const allBefore = cpuSeconds(pid);
  const from = monotonicMicros();
  const result = await runLoad({ ...spec, durationSeconds: Math.max(10, options.durationSeconds * 2) });
  const to = monotonicMicros();
  const mainMs = (threadCpuSeconds(pid, pid) - mainBefore) * 1000;
  const allMs = (cpuSeconds(pid) - allBefore) * 1000;
  await host.stop();
  await host.start();

  const requests = result.ok;
  const summary = summariseProfile(join(dir, file), from, to);
  const perRequest = (ms: number): string => fixed(ms / requests, 3);
  printTable(
    `8. profile: sign-csr under the ${caLabel} CA, c=${CONNECTIONS}, ${requests} requests (${fixed(result.requestsPerSecond)} req/s, ${host.databaseUrl ? 'PostgreSQL' : 'embedded PGlite'}, one process)`,
    ['where', 'ms per request', 'share'],
    [
      ['whole process CPU (/proc: all threads)', perRequest(allMs), '100 %'],
      ['  main JS thread CPU (/proc)', perRequest(mainMs), `${fixed((100 * mainMs) / allMs, 0)} %`],
      [
        '  other threads: libuv pool (native sign, verify, keygen), V8 helpers',
        perRequest(allMs - mainMs),
        `${fixed((100 * (allMs - mainMs)) / allMs, 0)} %`,
      ],
      ['main thread, sampled by --cpu-prof (self time by module):', perRequest(summary.busyMs), ''],
      ...summary.categories.map((entry) => [
        `  ${entry.name}`,
        perRequest(entry.selfMs),
        `${fixed((100 * entry.selfMs) / summary.busyMs, 1)} %`,
      ]),
    ],
  );
  printTable(
    `8. top ${TOP_FUNCTIONS} functions by self time (main thread), ${caLabel} CA`,
    ['function', 'module group', 'ms per request'],
    summary.functions
      .slice(0, TOP_FUNCTIONS)
      .map((entry) => [entry.name, entry.category, perRequest(entry.selfMs)]),
  );
  note(`Profile: ${join(dir, file)} (open in Chrome DevTools); window ${fixed(summary.windowMs / 1000)} s.`);
}

export async function profileScenario(ctx: BenchContext): Promise<void> {
  const dir = join(ctx.options.workDir, 'profiles');
  mkdirSync(dir, { recursive: true });
  await profileSigning(ctx, 'rsa', dir);
  await profileSigning(ctx, 'ec', dir);
}
