import autocannon from 'autocannon';
import type { IncomingHttpHeaders } from 'node:http';
import { ResourceMonitor, ResourceUsage } from './proc-stats';

export interface LoadRequest {
  method: 'GET' | 'POST';
  path: string;
  headers?: IncomingHttpHeaders;
  body?: string;
}

export interface LoadSpec {
  baseUrl: string;
  /** Requests are sent in turn, round-robin over the connections. */
  requests: readonly LoadRequest[];
  connections: number;
  durationSeconds: number;
  /** Total requests per second across connections (open-loop probe); unset means as fast as possible. */
  overallRate?: number;
  /** Process to watch for CPU and peak RSS. */
  pid?: number;
}

export interface LoadResult {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  ok: number;
  /** Non-2xx responses plus connection errors and timeouts: any of them makes the run invalid. */
  errors: number;
  statusCounts: string;
  usage: ResourceUsage | null;
}

export async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const monitor = spec.pid === undefined ? null : new ResourceMonitor(spec.pid);
  const result = await autocannon({
    url: spec.baseUrl,
    connections: spec.connections,
    duration: spec.durationSeconds,
    overallRate: spec.overallRate,
    requests: spec.requests.map((request) => ({
      method: request.method,
      path: request.path,
      headers: request.headers,
      body: request.body,
    })),
    timeout: 30,
  });
  const usage = monitor ? monitor.stop() : null;
  const errors = result.non2xx + result.errors + result.timeouts;
  return {
    requestsPerSecond: result['2xx'] / result.duration,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    ok: result['2xx'],
    errors,
    statusCounts: `2xx=${result['2xx']} 4xx=${result['4xx']} 5xx=${result['5xx']} errors=${result.errors} timeouts=${result.timeouts}`,
    usage,
  };
}

export function jsonPost(path: string, body: unknown, token?: string): LoadRequest {
  return {
    method: 'POST',
    path,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify(body),
  };
}

export function get(path: string, token?: string): LoadRequest {
  return { method: 'GET', path, headers: token ? { authorization: `Bearer ${token}` } : {} };
}
