import { ChildProcess, execFileSync, spawn } from 'node:child_process';
import { once } from 'node:events';
import { request as httpRequest } from 'node:http';
import { AddressInfo, createServer } from 'node:net';
import { join } from 'node:path';

/**
 * The real entry point, started as a process the way an operator does (`src/main.ts` through
 * ts-node, so no build is needed), and driven over fresh connections.
 */
export interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: () => Record<string, unknown>;
}

export interface Service {
  child: ChildProcess;
  port: number;
  /** stdout and stderr as written so far. */
  output: () => string;
  /** stdout alone: the JSON log lines. */
  stdout: () => string;
  call: (method: string, path: string, body?: string, headers?: Record<string, string>) => Promise<Reply>;
  workerPids: () => number[];
  /** Resolves with the exit code once the process has ended and its output is read. */
  closed: Promise<number | null>;
  stop: (signal?: NodeJS.Signals) => Promise<number | null>;
}

export const START_TIMEOUT_MS = 45_000;

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  server.close();
  return port;
}

/** A new connection per call: cluster hands each connection to the next worker. */
function callOn(port: number) {
  return (method: string, path: string, body?: string, headers: Record<string, string> = {}) =>
    new Promise<Reply>((resolve, reject) => {
      const request = httpRequest(
        { host: '127.0.0.1', port, method, path, agent: false, headers },
        (response) => {
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              text,
              json: () => JSON.parse(text) as Record<string, unknown>,
            });
          });
        },
      );
      request.on('error', reject);
      request.end(body);
    });
}

function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['--ppid', String(pid), '-o', 'pid='], { encoding: 'utf8' })
      .split('\n')
      .map((line) => Number(line.trim()))
      .filter((value) => value > 0);
  } catch {
    return [];
  }
}

export async function eventually<T>(probe: () => Promise<T | null> | T | null, what: string): Promise<T> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    const value = await Promise.resolve(probe()).catch(() => null);
    if (value !== null) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

export function startService(env: Record<string, string>): Service {
  let output = '';
  let stdout = '';
  const child = spawn(process.execPath, ['-r', 'ts-node/register', 'src/main.ts'], {
    cwd: join(__dirname, '..', '..'),
    env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', NODE_OPTIONS: '', LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // 'close' comes after the output is read to its end ('exit' may come before).
  const closed = once(child, 'close').then(([code]) => code as number | null);
  child.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
    stdout += chunk.toString('utf8');
  });
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString('utf8')));
  const port = Number(env.PORT);
  return {
    child,
    port,
    output: () => output,
    stdout: () => stdout,
    call: callOn(port),
    workerPids: () => (child.pid ? childPids(child.pid) : []),
    closed,
    stop: async (signal: NodeJS.Signals = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return closed;
    },
  };
}
