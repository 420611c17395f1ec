import { bcryptRate } from '../baselines/native-rates';
import { get, runLoad } from '../lib/load';
import type { LoadResult } from '../lib/load';
import { settle } from '../lib/proc-stats';
import { fixed, median, ratio } from '../lib/stats';
import { LOAD_COLUMNS, loadCells, rateOnlyCells, summarise } from '../lib/summary';
import { note, printTable } from '../lib/table';
import type { BenchContext } from './context';
import { RunBook } from './shared';

const LOGIN_CONNECTIONS = 16;
const STATUS_RATE = 20;
const BCRYPT_COST = 12;

export async function loginScenario(ctx: BenchContext): Promise<void> {
  const { options, host, fixtures } = ctx;
  const login = {
    method: 'POST' as const,
    path: '/api/v1/auth/token',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username: fixtures.username, password: fixtures.password }).toString(),
  };
  const statusProbe = (pid?: number): Promise<LoadResult> =>
    runLoad({
      baseUrl: host.app.baseUrl,
      requests: [get('/status')],
      connections: 2,
      overallRate: STATUS_RATE,
      durationSeconds: options.durationSeconds,
      pid,
    });
  const book = new RunBook<LoadResult>();
  const bcrypt: number[] = [];
  for (let run = 1; run <= options.runs; run += 1) {
    await settle(host.app.pid);
    book.add('idle', await statusProbe());
    const [signIns, status] = await Promise.all([
      runLoad({
        baseUrl: host.app.baseUrl,
        requests: [login],
        connections: LOGIN_CONNECTIONS,
        durationSeconds: options.durationSeconds,
        pid: host.app.pid,
      }),
      statusProbe(),
    ]);
    book.add('login', signIns);
    book.add('status', status);
    bcrypt.push(await bcryptRate(BCRYPT_COST, 2, Math.max(1, Math.round(options.durationSeconds / 2))));
  }
  const bcryptMedian = median(bcrypt);
  const signIns = summarise(book.get('login'));
  const idle = summarise(book.get('idle'));
  const loaded = summarise(book.get('status'));
  printTable(
    `6. login: POST /api/v1/auth/token, bcrypt cost ${BCRYPT_COST}, c=${LOGIN_CONNECTIONS} (${host.databaseLabel}; ${options.runs} runs × ${options.durationSeconds} s, medians)`,
    ['load', ...LOAD_COLUMNS, '× bcrypt 2 parallel'],
    [
      [
        `POST /auth/token c=${LOGIN_CONNECTIONS}`,
        ...loadCells(signIns),
        ratio(signIns.requestsPerSecond, bcryptMedian),
      ],
      [`bcrypt.compare cost ${BCRYPT_COST}, 2 parallel (in Node)`, ...rateOnlyCells(bcryptMedian), '1.00×'],
    ],
  );
  printTable(
    `6. GET /status at ${STATUS_RATE} req/s meanwhile`,
    ['phase', 'p50 ms', 'p99 ms', 'errors', 'p99 / idle'],
    [
      ['idle', fixed(idle.p50Ms), fixed(idle.p99Ms), String(idle.errors), '1.00×'],
      [
        'during sign-ins',
        fixed(loaded.p50Ms),
        fixed(loaded.p99Ms),
        String(loaded.errors),
        ratio(loaded.p99Ms, idle.p99Ms),
      ],
    ],
  );
  note('AUTH_RATE_LIMIT is raised for the bench so the limiter never answers 429 to the one bench user.');
}
