import { get, runLoad } from '../lib/load';
import type { LoadRequest, LoadResult } from '../lib/load';
import { explain, seedAuditLogs, seedCertificates } from '../lib/seed';
import { fixed } from '../lib/stats';
import { LOAD_COLUMNS, loadCells, summarise } from '../lib/summary';
import { note, printTable } from '../lib/table';
import type { BenchContext } from './context';
import { RunBook } from './shared';

/** One client (latency) and four (latency with queueing). */
const CONCURRENCIES = [1, 4] as const;
/** The first ten pages of 100. */
const PAGES = Array.from({ length: 10 }, (_, page) => page * 100);

interface Listing {
  label: string;
  requests: LoadRequest[];
  /** Hand-written equivalent of the query TypeORM sends for the first page. */
  sql: string;
}

export async function listingScenario(ctx: BenchContext): Promise<void> {
  const { options, report, host, api, fixtures } = ctx;
  const token = api.accessToken;
  const ca = await api.createCa('Bench Listing CA', 'ec', 256);
  const sample = await api.signCsr(ca.id, fixtures.csrPem);
  const listings: Listing[] = [
    {
      label: `GET /api/v1/certificates/?ca_id=…&limit=100`,
      requests: PAGES.map((skip) =>
        get(`/api/v1/certificates/?ca_id=${ca.id}&limit=100&skip=${skip}`, token),
      ),
      sql: `SELECT * FROM certificates cert WHERE cert.issuer_id = ${ca.id} ORDER BY cert.id DESC LIMIT 100`,
    },
    {
      label: `GET /api/v1/certificates/?ca_id=…&limit=100 (small CA)`,
      requests: PAGES.map((skip) =>
        get(`/api/v1/certificates/?ca_id=${fixtures.rsaCa.id}&limit=100&skip=${skip}`, token),
      ),
      sql: `SELECT * FROM certificates cert WHERE cert.issuer_id = ${fixtures.rsaCa.id} ORDER BY cert.id DESC LIMIT 100`,
    },
    ...['cert_sign_csr', 'cert_revoke'].map((action) => ({
      label: `GET /api/v1/audit-logs/?action=${action}&limit=100`,
      requests: PAGES.map((skip) =>
        get(`/api/v1/audit-logs/?action=${action}&limit=100&skip=${skip}`, token),
      ),
      sql: `SELECT * FROM audit_logs log WHERE log.action = '${action}' ORDER BY log.created_at DESC, log.id DESC LIMIT 100`,
    })),
  ];

  const seedStarted = performance.now();
  const plans = await host.withDatabase(async (session) => {
    const owner = { caId: ca.id, userId: 1, pem: sample.certificatePem };
    await seedCertificates(session, owner, options.listingRows);
    await seedAuditLogs(session, owner, options.listingRows);
    const texts: string[] = [];
    for (const listing of listings) texts.push(await explain(session, listing.sql));
    return texts;
  });
  const seedSeconds = (performance.now() - seedStarted) / 1000;

  const book = new RunBook<LoadResult>();
  for (let run = 1; run <= options.runs; run += 1) {
    for (const [index, listing] of listings.entries()) {
      for (const connections of CONCURRENCIES) {
        book.add(
          `${index}@${connections}`,
          await runLoad({
            baseUrl: host.app.baseUrl,
            requests: listing.requests,
            connections,
            durationSeconds: options.durationSeconds,
            pid: host.app.pid,
          }),
        );
      }
    }
  }
  printTable(
    `5. listing with ${options.listingRows} certificate rows under one CA and ${options.listingRows} audit rows (${host.databaseLabel}; seeded in ${fixed(seedSeconds)} s; pages skip=0…900, ${options.runs} runs × ${options.durationSeconds} s, medians)`,
    ['listing', ...LOAD_COLUMNS],
    listings.flatMap((listing, index) =>
      CONCURRENCIES.map((connections) => [
        `${listing.label} c=${connections}`,
        ...loadCells(summarise(book.get(`${index}@${connections}`))),
      ]),
    ),
  );
  note('Audit actions seeded: 50 % cert_sign_csr, 49 % cert_create, 1 % cert_revoke.');
  note(
    `The small CA is the sign-csr scenario's RSA CA (id ${fixtures.rsaCa.id}), next to the 1 000 000-row one.`,
  );
  listings.forEach((listing, index) => {
    for (const connections of CONCURRENCIES) {
      const summary = summarise(book.get(`${index}@${connections}`));
      const name = `listing ${options.listingRows} rows: ${listing.label} c=${connections} p99 (${host.databaseLabel})`;
      if (summary.errors > 0) report.invalid(name, `run invalid: ${summary.errors} errors`);
      else report.check(name, summary.p99Ms, 50, 'lower', ' ms');
    }
    console.log(`\n   EXPLAIN (ANALYZE, BUFFERS) ${listing.sql}`);
    console.log(plans[index].replace(/^/gm, '     '));
  });
}
