import { get, jsonPost, runLoad } from '../lib/load';
import type { LoadRequest, LoadResult } from '../lib/load';
import { settle } from '../lib/proc-stats';
import { fixed, ratio } from '../lib/stats';
import { LOAD_COLUMNS, loadCells, summarise } from '../lib/summary';
import { note, printTable } from '../lib/table';
import type { BenchContext } from './context';
import { RunBook } from './shared';

/** Reads are a light probe (open loop, fixed rate), so they measure the server, not their own load. */
const READ_RATE = 20;
const READ_CONNECTIONS = 2;
const SIGNING_CONNECTIONS = 8;

interface Read {
  label: string;
  request: LoadRequest;
}

export async function readsScenario(ctx: BenchContext): Promise<void> {
  const { options, report, host, fixtures } = ctx;
  const token = ctx.api.accessToken;
  const reads: Read[] = [
    { label: 'GET /status', request: get('/status') },
    {
      label: 'GET /api/v1/certificates/{id}',
      request: get(`/api/v1/certificates/${fixtures.sample.id}`, token),
    },
    { label: 'GET /crl/{slug}', request: get(`/crl/${fixtures.rsaCa.slug}`) },
  ];
  const signing = jsonPost(
    '/api/v1/certificates/sign-csr',
    { csr: fixtures.csrPem, ca_id: fixtures.rsaCa.id, certificate_type: 'server' },
    token,
  );
  const probeReads = (withPid: boolean): Promise<LoadResult[]> =>
    Promise.all(
      reads.map((read, index) =>
        runLoad({
          baseUrl: host.app.baseUrl,
          requests: [read.request],
          connections: READ_CONNECTIONS,
          overallRate: READ_RATE,
          durationSeconds: options.durationSeconds,
          pid: withPid && index === 0 ? host.app.pid : undefined,
        }),
      ),
    );

  const book = new RunBook<LoadResult>();
  for (let run = 1; run <= options.runs; run += 1) {
    await settle(host.app.pid);
    const idle = await probeReads(true);
    idle.forEach((result, index) => book.add(`idle:${index}`, result));
    const [signed, ...loaded] = await Promise.all([
      runLoad({
        baseUrl: host.app.baseUrl,
        requests: [signing],
        connections: SIGNING_CONNECTIONS,
        durationSeconds: options.durationSeconds,
        pid: host.app.pid,
      }),
      probeReads(false),
    ]).then(([signResult, readResults]) => [signResult, ...readResults]);
    book.add('signing', signed);
    loaded.forEach((result, index) => book.add(`loaded:${index}`, result));
  }

  const rows = reads.map((read, index) => {
    const idle = summarise(book.get(`idle:${index}`));
    const loaded = summarise(book.get(`loaded:${index}`));
    const errors = idle.errors + loaded.errors;
    const name = `${read.label} p99 under signing load (${host.databaseLabel})`;
    if (errors > 0) {
      report.invalid(name, `run invalid: ${errors} errors`);
    } else {
      report.check(`${name} / idle p99`, loaded.p99Ms / idle.p99Ms, 3, 'lower', '×');
      report.check(`${name}`, loaded.p99Ms, 50, 'lower', ' ms');
    }
    return [
      read.label,
      fixed(idle.p50Ms),
      fixed(idle.p99Ms),
      fixed(loaded.p50Ms),
      fixed(loaded.p99Ms),
      ratio(loaded.p99Ms, idle.p99Ms),
      errors === 0 ? '0' : `${errors} INVALID`,
    ];
  });
  printTable(
    `3. reads at ${READ_RATE} req/s each, idle vs during sign-csr (RSA-${fixtures.rsaCa.keySize} CA, c=${SIGNING_CONNECTIONS}) (${options.runs} runs × ${options.durationSeconds} s, medians)`,
    ['read', 'idle p50 ms', 'idle p99 ms', 'loaded p50 ms', 'loaded p99 ms', 'p99 loaded/idle', 'errors'],
    rows,
  );
  printTable(
    '3. the signing load meanwhile',
    ['load', ...LOAD_COLUMNS],
    [[`sign-csr c=${SIGNING_CONNECTIONS}`, ...loadCells(summarise(book.get('signing')))]],
  );
  note('The three reads run together, in both phases; latency resolution is 1 ms (autocannon).');
}
