import { fixed, median } from './stats';
import type { LoadResult } from './load';

/** Medians over the runs of one configuration; errors are summed, since any error invalidates the set. */
export interface RunSummary {
  runs: number;
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  cpuCores: number;
  postgresCores: number;
  peakRssMb: number;
  statusCounts: string[];
}

export function summarise(results: readonly LoadResult[]): RunSummary {
  return {
    runs: results.length,
    requestsPerSecond: median(results.map((result) => result.requestsPerSecond)),
    p50Ms: median(results.map((result) => result.p50Ms)),
    p99Ms: median(results.map((result) => result.p99Ms)),
    errors: results.reduce((sum, result) => sum + result.errors, 0),
    cpuCores: median(results.map((result) => result.usage?.cpuCores ?? Number.NaN)),
    postgresCores: median(results.map((result) => result.usage?.postgresCores ?? Number.NaN)),
    peakRssMb: Math.max(...results.map((result) => result.usage?.peakRssMb ?? 0)),
    statusCounts: results.filter((result) => result.errors > 0).map((result) => result.statusCounts),
  };
}

/**
 * The columns every load table shares: req/s, latency, errors (INVALID when any), CPU of the process
 * under load and of the local PostgreSQL server (its backends do the process's statements), the two
 * together per request, peak RSS.
 */
export const LOAD_COLUMNS = [
  'req/s',
  'p50 ms',
  'p99 ms',
  'errors',
  'CPU cores',
  'PG CPU cores',
  'CPU ms/req',
  'peak RSS MB',
] as const;

export function loadCells(summary: RunSummary): string[] {
  return [
    fixed(summary.requestsPerSecond),
    fixed(summary.p50Ms, 1),
    fixed(summary.p99Ms, 1),
    summary.errors === 0 ? '0' : `${summary.errors} INVALID`,
    fixed(summary.cpuCores, 2),
    fixed(summary.postgresCores, 2),
    fixed(((summary.cpuCores + summary.postgresCores) / summary.requestsPerSecond) * 1000, 2),
    fixed(summary.peakRssMb, 0),
  ];
}

/** The load columns of a row that has only a rate (a native baseline measured outside HTTP). */
export function rateOnlyCells(perSecond: number): string[] {
  return [fixed(perSecond), ...LOAD_COLUMNS.slice(1).map(() => '')];
}
