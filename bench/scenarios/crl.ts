import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { BareNodeServer } from '../baselines/bare-node-server';
import { get, runLoad } from '../lib/load';
import type { LoadResult } from '../lib/load';
import { crlEntryCount, issuerSlugOf } from '../lib/pki-files';
import { runWrk, wrkAvailable } from '../lib/wrk';
import { seedRevokedCertificates } from '../lib/seed';
import { fixed, median, ratio } from '../lib/stats';
import { LOAD_COLUMNS, loadCells, summarise } from '../lib/summary';
import { note, printTable } from '../lib/table';
import type { BenchContext } from './context';
import { RunBook } from './shared';

const CONCURRENCIES = [1, 8] as const;

async function fetchCrl(url: string): Promise<Buffer> {
  const response = await fetch(url);
  if (!response.ok) throw new Error(`GET ${url} answered ${response.status}`);
  return Buffer.from(await response.arrayBuffer());
}

export async function crlScenario(ctx: BenchContext): Promise<void> {
  const { options, report, host, api, fixtures } = ctx;
  const ca = await api.createCa('Bench CRL CA', 'rsa', 4096);
  const first = await api.signCsr(ca.id, fixtures.csrPem);
  const slug = issuerSlugOf(first.certificatePem);
  const seedStarted = performance.now();
  await host.withDatabase((session) =>
    seedRevokedCertificates(session, { caId: ca.id, userId: 1, pem: first.certificatePem }, options.crlRows),
  );
  const seedSeconds = (performance.now() - seedStarted) / 1000;
  const crlUrl = () => `${host.app.baseUrl}/crl/${slug}`;

  const coldStarted = performance.now();
  await fetchCrl(crlUrl());
  const coldMs = performance.now() - coldStarted;

  // One revocation through the API, then the first GET, which re-signs the whole CRL.
  const revokeMs: number[] = [];
  const firstGetMs: number[] = [];
  const totalMs: number[] = [];
  let der: Buffer = Buffer.alloc(0);
  for (let run = 1; run <= options.runs; run += 1) {
    const certificate = await api.signCsr(ca.id, fixtures.csrPem);
    const started = performance.now();
    await api.revoke(certificate.id);
    const revoked = performance.now();
    der = await fetchCrl(crlUrl());
    const served = performance.now();
    revokeMs.push(revoked - started);
    firstGetMs.push(served - revoked);
    totalMs.push(served - started);
  }
  const crlFile = join(options.workDir, 'bench-crl.der');
  writeFileSync(crlFile, der);
  const entries = await crlEntryCount(crlFile);

  const useWrk = await wrkAvailable();
  // The same bytes from a bare Node server, interleaved run by run: what any Node server can reach here.
  const bare = useWrk
    ? await BareNodeServer.start({
        mode: 'get',
        file: crlFile,
        contentType: 'application/pkix-crl',
        port: options.appPort + 5,
        logFile: join(options.workDir, 'bare-node-crl.log'),
      })
    : null;
  const book = new RunBook<LoadResult>();
  try {
    for (let run = 1; run <= options.runs; run += 1) {
      for (const connections of CONCURRENCIES) {
        const spec = { connections, durationSeconds: options.durationSeconds };
        book.add(
          String(connections),
          useWrk
            ? await runWrk({ ...spec, url: crlUrl(), pid: host.app.pid })
            : await runLoad({
                ...spec,
                pid: host.app.pid,
                baseUrl: host.app.baseUrl,
                requests: [get(`/crl/${slug}`)],
              }),
        );
        if (bare)
          book.add(`bare ${connections}`, await runWrk({ ...spec, url: `${bare.baseUrl}/`, pid: bare.pid }));
      }
    }
  } finally {
    await bare?.stop();
  }

  const bareP99 = (connections: number): number => summarise(book.get(`bare ${connections}`)).p99Ms;
  printTable(
    `4. CRL with ${options.crlRows} revoked certificates (${host.databaseLabel}; seeded by SQL in ${fixed(seedSeconds)} s)`,
    ['measure', 'value'],
    [
      ['entries in the served CRL (openssl crl -text)', String(entries)],
      ['CRL size, DER bytes', String(der.length)],
      ['first CRL after seeding (signs all entries), ms', fixed(coldMs)],
      [`revocation POST, ms (median of ${options.runs})`, fixed(median(revokeMs))],
      ['first GET after it (re-sign), ms', fixed(median(firstGetMs))],
      ['time to the new CRL (revoke + first GET), ms', fixed(median(totalMs))],
    ],
  );
  printTable(
    `4. GET /crl/{slug} with ${entries} entries, measured with ${useWrk ? 'wrk' : 'autocannon'} (${options.runs} runs × ${options.durationSeconds} s, medians)`,
    ['load', ...LOAD_COLUMNS, 'p99 / bare Node'],
    CONCURRENCIES.flatMap((connections) => {
      const ours = summarise(book.get(String(connections)));
      const rows = [
        [`c=${connections}`, ...loadCells(ours), bare ? ratio(ours.p99Ms, bareP99(connections)) : ''],
      ];
      if (bare) {
        rows.push([
          `c=${connections} bare Node http, same bytes`,
          ...loadCells(summarise(book.get(`bare ${connections}`))),
          '',
        ]);
      }
      return rows;
    }),
  );
  note(`Expected entries: ${options.crlRows} seeded + ${options.runs} revoked through the API.`);
  if (bare) {
    note(
      'bare Node http: a server that answers every GET with the CRL file read once, nothing else on the path.',
    );
  }
  if (!useWrk) {
    note(
      'wrk is not installed (apt-get install wrk): autocannon adds ~60 ms per 4.5 MB body to these latencies.',
    );
  }
  report.check(
    `CRL ${options.crlRows} entries: time to the new CRL (${host.databaseLabel})`,
    median(totalMs),
    2000,
    'lower',
    ' ms',
  );
  for (const connections of CONCURRENCIES) {
    const summary = summarise(book.get(String(connections)));
    const name = `CRL ${options.crlRows} entries: GET /crl p99 at c=${connections} (${host.databaseLabel})`;
    if (summary.errors > 0) report.invalid(name, `run invalid: ${summary.errors} errors`);
    else report.check(name, summary.p99Ms, 20, 'lower', ' ms');
    if (bare) {
      report.check(
        `bare Node http serving the same ${der.length}-byte file: p99 at c=${connections} (same limit, for scale)`,
        bareP99(connections),
        20,
        'lower',
        ' ms',
      );
    }
  }
}
