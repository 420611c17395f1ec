import { isInstalled, run } from './commands';
import type { LoadResult } from './load';
import { ResourceMonitor } from './proc-stats';

const UNIT_MS: Record<string, number> = { us: 0.001, ms: 1, s: 1000 };

function latencyMs(output: string, percentile: string): number {
  const match = new RegExp(`^\\s*${percentile}%\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(output);
  return match ? Number(match[1]) * UNIT_MS[match[2]] : Number.NaN;
}

function count(output: string, pattern: RegExp): number {
  const match = pattern.exec(output);
  return match ? match.slice(1).reduce((sum, value) => sum + Number(value), 0) : 0;
}

export function wrkAvailable(): Promise<boolean> {
  return isInstalled('wrk');
}

/**
 * wrk (Debian's package) for large responses: autocannon parses bodies in JavaScript, which adds about
 * 60 ms per 4.5 MB CRL on this machine and would measure the load generator instead of the server.
 */
export async function runWrk(spec: {
  url: string;
  connections: number;
  durationSeconds: number;
  pid?: number;
}): Promise<LoadResult> {
  const monitor = spec.pid === undefined ? null : new ResourceMonitor(spec.pid);
  const threads = Math.min(2, spec.connections);
  const { stdout } = await run('wrk', [
    `-t${threads}`,
    `-c${spec.connections}`,
    `-d${spec.durationSeconds}s`,
    '--latency',
    spec.url,
  ]);
  const usage = monitor ? monitor.stop() : null;
  const requests = count(stdout, /(\d+) requests in/);
  const non2xx = count(stdout, /Non-2xx or 3xx responses: (\d+)/);
  const socketErrors = count(stdout, /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/);
  const requestsPerSecond = Number(/Requests\/sec:\s+([\d.]+)/.exec(stdout)?.[1] ?? Number.NaN);
  return {
    requestsPerSecond: requests > 0 ? (requestsPerSecond * (requests - non2xx)) / requests : 0,
    p50Ms: latencyMs(stdout, '50'),
    p99Ms: latencyMs(stdout, '99'),
    ok: requests - non2xx,
    errors: non2xx + socketErrors,
    statusCounts: `requests=${requests} non-2xx/3xx=${non2xx} socket errors=${socketErrors}`,
    usage,
  };
}
