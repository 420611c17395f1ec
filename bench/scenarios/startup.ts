import { sleep } from '../lib/commands';
import { fixed, median } from '../lib/stats';
import { note, printTable } from '../lib/table';
import type { BenchContext } from './context';

const IDLE_SETTLE_MS = 3000;

export async function startupScenario(ctx: BenchContext): Promise<void> {
  const { options, report, host } = ctx;
  const afterLoadMb = host.rssMb();
  const startups: number[] = [];
  const idleRss: number[] = [];
  for (let run = 1; run <= options.runs; run += 1) {
    const app = await host.restart();
    startups.push(app.startupMs);
    await sleep(IDLE_SETTLE_MS);
    idleRss.push(host.rssMb());
  }
  printTable(
    `7. start-up and idle memory on the existing database (${host.databaseLabel}; ${options.runs} restarts, medians)`,
    ['measure', 'value'],
    [
      ['first start on an empty database (migrations), ms', fixed(host.startupsMs[0] ?? Number.NaN, 0)],
      ['start-up to ready (spawn → GET /status 200), ms', fixed(median(startups), 0)],
      [`idle RSS ${IDLE_SETTLE_MS / 1000} s after start, MB`, fixed(median(idleRss), 0)],
      ['RSS before the restarts (after the scenarios above), MB', fixed(afterLoadMb, 0)],
    ],
  );
  note(`Start-up times per restart: ${startups.map((ms) => fixed(ms, 0)).join(', ')} ms.`);
  report.check(
    `start-up to ready on an existing database (${host.databaseLabel})`,
    median(startups),
    3000,
    'lower',
    ' ms',
  );
  report.check(`idle RSS (${host.databaseLabel})`, median(idleRss), 200, 'lower', ' MB');
}
