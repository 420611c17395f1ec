import { runLoad } from '../lib/load';
import { settle } from '../lib/proc-stats';
import type { LoadRequest, LoadResult } from '../lib/load';
import type { TargetReport } from '../lib/report';
import type { RunSummary } from '../lib/summary';
import { note } from '../lib/table';
import type { BenchContext, CfsslPair } from './context';

/**
 * One request before the measured runs: a contender that answers an error (or cfssl's
 * `success: false`) would otherwise be measured at error speed. Returns the response body.
 */
export async function probe(baseUrl: string, request: LoadRequest): Promise<string> {
  const response = await fetch(`${baseUrl}${request.path}`, {
    method: request.method,
    headers: request.headers as Record<string, string> | undefined,
    body: request.body,
  });
  const text = await response.text();
  const cfsslFailed = text.startsWith('{"success":false') || text.includes('"success":false,');
  if (!response.ok || cfsslFailed) {
    throw new Error(
      `${request.method} ${baseUrl}${request.path} answered ${response.status}: ${text.slice(0, 300)}`,
    );
  }
  return text;
}

/** A ratio target: our median over a baseline's; an invalid run (any error) fails it outright. */
export function checkRatio(
  report: TargetReport,
  target: string,
  ours: RunSummary | undefined,
  baseline: number | undefined,
  limit: number,
): void {
  if (ours && ours.errors > 0) {
    report.invalid(target, `run invalid: ${ours.errors} errors`);
    return;
  }
  const value = ours && baseline ? ours.requestsPerSecond / baseline : Number.NaN;
  report.check(target, value, limit, 'higher', '×');
}

/** Collects per-run results under a key, so interleaved runs can be summarised per contender. */
export class RunBook<T> {
  private readonly runs = new Map<string, T[]>();

  add(key: string, value: T): void {
    const list = this.runs.get(key) ?? [];
    list.push(value);
    this.runs.set(key, list);
  }

  get(key: string): T[] {
    return this.runs.get(key) ?? [];
  }

  has(key: string): boolean {
    return this.runs.has(key);
  }
}

/** A server under test: ours or a baseline, with the one request it is sent. */
export interface Contender {
  key: string;
  label: string;
  baseUrl: string;
  pid: number;
  request: LoadRequest;
}

/**
 * Every contender at every concurrency, interleaved run by run so a drift in the machine's speed hits
 * them alike; `betweenRuns` measures in-run baselines (openssl speed, native rates). Keys: key@connections.
 */
export async function interleaved(
  runs: number,
  durationSeconds: number,
  concurrencies: readonly number[],
  everyone: readonly Contender[],
  betweenRuns: () => Promise<void>,
): Promise<RunBook<LoadResult>> {
  const loads = new RunBook<LoadResult>();
  for (let run = 1; run <= runs; run += 1) {
    for (const connections of concurrencies) {
      for (const contender of everyone) {
        loads.add(
          `${contender.key}@${connections}`,
          await runLoad({
            baseUrl: contender.baseUrl,
            requests: [contender.request],
            connections,
            durationSeconds,
            pid: contender.pid,
          }),
        );
        await settle(contender.pid);
      }
    }
    await betweenRuns();
  }
  return loads;
}

export function cfsslContenders(pair: CfsslPair | null, request: LoadRequest): Contender[] {
  if (!pair) return [];
  const list: Contender[] = [
    { key: 'cfssl', label: pair.plain.label, baseUrl: pair.plain.baseUrl, pid: pair.plain.pid, request },
  ];
  if (pair.stored) {
    list.push({
      key: 'cfssl-db',
      label: pair.stored.label,
      baseUrl: pair.stored.baseUrl,
      pid: pair.stored.pid,
      request,
    });
  }
  return list;
}

export function cfsslNotes(ctx: BenchContext, pair: CfsslPair | null): void {
  if (!pair) note('cfssl baseline skipped: cfssl is not installed (apt-get install golang-cfssl).');
  else if (!pair.stored) {
    const storage = ctx.cfssl?.storage;
    note(
      `cfssl with a certificate database skipped: ${storage && 'skipped' in storage ? storage.skipped : 'not configured'}`,
    );
  }
}
