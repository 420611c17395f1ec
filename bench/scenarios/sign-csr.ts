import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BareNodeServer } from '../baselines/bare-node-server';
import { opensslSignRate } from '../baselines/openssl-speed';
import type { SpeedAlgorithm } from '../baselines/openssl-speed';
import { jsonPost } from '../lib/load';
import type { LoadRequest } from '../lib/load';
import { LEAF_NAME } from '../lib/pki-files';
import { fixed, median, ratio } from '../lib/stats';
import { LOAD_COLUMNS, loadCells, rateOnlyCells, summarise } from '../lib/summary';
import { note, printTable } from '../lib/table';
import type { BenchContext } from './context';
import { cfsslContenders, cfsslNotes, checkRatio, interleaved, probe, RunBook } from './shared';
import type { Contender } from './shared';

const CONCURRENCIES = [8, 32] as const;

async function signUnder(ctx: BenchContext, kind: 'rsa' | 'ec'): Promise<void> {
  const { options, report, host } = ctx;
  const ca = kind === 'rsa' ? ctx.fixtures.rsaCa : ctx.fixtures.ecCa;
  const caLabel = kind === 'rsa' ? `RSA-${ca.keySize}` : 'EC P-256';
  const algorithm: SpeedAlgorithm = kind === 'rsa' ? 'rsa4096' : 'ecdsap256';
  const pair = ctx.cfssl ? ctx.cfssl[kind] : null;
  const ours: Contender = {
    key: 'ours',
    label: `ours (${host.databaseLabel})`,
    baseUrl: host.app.baseUrl,
    pid: host.app.pid,
    request: jsonPost(
      '/api/v1/certificates/sign-csr',
      { csr: ctx.fixtures.csrPem, ca_id: ca.id, certificate_type: 'server' },
      ctx.api.accessToken,
    ),
  };
  const cfsslRequest = jsonPost('/api/v1/cfssl/sign', {
    certificate_request: ctx.fixtures.csrPem,
    hosts: [LEAF_NAME],
  });
  // Under the EC CA the signature is nearly free, so the floor is Node's HTTP itself: measure it.
  const bare = kind === 'ec' ? await startBareJsonServer(ctx, ours) : null;
  const everyone = [ours, ...(bare ? [bare.contender] : []), ...cfsslContenders(pair, cfsslRequest)];
  for (const contender of everyone) await probe(contender.baseUrl, contender.request);

  const speed = new RunBook<number>();
  const speedSeconds = Math.max(1, Math.round(options.durationSeconds / 2));
  const loads = await interleaved(
    options.runs,
    options.durationSeconds,
    CONCURRENCIES,
    everyone,
    async () => {
      speed.add('1', await opensslSignRate(algorithm, 1, speedSeconds));
      speed.add('2', await opensslSignRate(algorithm, 2, speedSeconds));
    },
  ).finally(() => bare?.server.stop());

  const openssl2 = median(speed.get('2'));
  const rows: string[][] = [];
  for (const connections of CONCURRENCIES) {
    const cfssl = summarise(loads.get(`cfssl@${connections}`)).requestsPerSecond;
    const cfsslDb = summarise(loads.get(`cfssl-db@${connections}`)).requestsPerSecond;
    for (const contender of everyone) {
      const summary = summarise(loads.get(`${contender.key}@${connections}`));
      const isOurs = contender.key === 'ours';
      rows.push([
        `${contender.label} c=${connections}`,
        ...loadCells(summary),
        contender.key === 'bare' ? '' : ratio(summary.requestsPerSecond, openssl2),
        isOurs ? ratio(summary.requestsPerSecond, cfssl) : '',
        isOurs ? ratio(summary.requestsPerSecond, cfsslDb) : '',
      ]);
    }
    const name = `sign-csr ${caLabel} c=${connections} (${host.databaseLabel})`;
    const oursSummary = summarise(loads.get(`ours@${connections}`));
    if (kind === 'rsa') {
      checkRatio(report, `${name} / openssl speed 2 processes`, oursSummary, openssl2, 0.6);
      checkRatio(report, `${name} / cfssl no storage`, oursSummary, cfssl, 1.3);
    } else {
      checkRatio(report, `${name} / cfssl + PostgreSQL certdb`, oursSummary, cfsslDb, 1.0);
      checkRatio(report, `${name} / cfssl no storage`, oursSummary, cfssl, 0.5);
    }
  }
  for (const processes of ['1', '2']) {
    const rate = median(speed.get(processes));
    rows.push([
      `openssl speed ${algorithm} sign, ${processes} proc`,
      ...rateOnlyCells(rate),
      ratio(rate, openssl2),
      '',
      '',
    ]);
  }
  const perRun = (processes: string): string =>
    speed
      .get(processes)
      .map((rate) => fixed(rate, 0))
      .join(', ');
  printTable(
    `1. sign-csr: one RSA-2048 CSR under an ${caLabel} CA (${options.runs} runs × ${options.durationSeconds} s, medians)`,
    ['contender', ...LOAD_COLUMNS, '× openssl 2p', '× cfssl', '× cfssl+db'],
    rows,
  );
  note(`openssl speed per run: 1 process ${perRun('1')}; 2 processes ${perRun('2')} sign/s.`);
  if (bare) {
    note(
      'bare Node http: reads and parses the same JSON body and answers with one of our own responses, ' +
        'nothing else: no framework, no auth, no signature, no database.',
    );
  }
  cfsslNotes(ctx, pair);
}

/** A bare Node server answering our own request body with our own response: see BareNodeServer. */
async function startBareJsonServer(
  ctx: BenchContext,
  ours: Contender,
): Promise<{ server: BareNodeServer; contender: Contender }> {
  const { options } = ctx;
  const response = await probe(ours.baseUrl, ours.request);
  const file = join(options.workDir, 'bare-node-sign-response.json');
  writeFileSync(file, response);
  const server = await BareNodeServer.start({
    mode: 'json-post',
    file,
    contentType: 'application/json; charset=utf-8',
    port: options.appPort + 6,
    logFile: join(options.workDir, 'bare-node-sign.log'),
  });
  const request: LoadRequest = { ...ours.request, path: '/' };
  const contender = {
    key: 'bare',
    label: 'bare Node http, JSON in/out',
    baseUrl: server.baseUrl,
    pid: server.pid,
    request,
  };
  return { server, contender };
}

export async function signCsrScenario(ctx: BenchContext): Promise<void> {
  await signUnder(ctx, 'rsa');
  await signUnder(ctx, 'ec');
}
