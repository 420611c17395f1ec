import type { ChildProcess } from 'node:child_process';
import { startLogged, stopProcess, waitForHttp } from '../lib/commands';

/**
 * The physical limit of Node's HTTP on this machine: a bare `http` server answering with the bytes of
 * a file read once at start, with nothing else on the path. `get`: every GET gets the file (the CRL).
 * `json-post`: every POST's body is read and parsed as JSON, then answered 201 with the file (one of
 * our own responses), so it pays what any Node JSON API pays before doing any work.
 */
export type BareNodeMode = 'get' | 'json-post';

const SERVER_SOURCE = `
const { createServer } = require('node:http');
const [file, port, mode, contentType] = process.argv.slice(1);
const body = require('node:fs').readFileSync(file);
const headers = { 'Content-Type': contentType, 'Content-Length': body.length };
createServer((request, response) => {
  if (mode === 'get') return response.writeHead(200, headers).end(body);
  const chunks = [];
  request.on('data', (chunk) => chunks.push(chunk));
  request.on('end', () => {
    JSON.parse(Buffer.concat(chunks).toString('utf8'));
    response.writeHead(201, headers).end(body);
  });
}).listen(Number(port), '127.0.0.1');
`;

export class BareNodeServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
  ) {}

  static async start(spec: {
    mode: BareNodeMode;
    file: string;
    contentType: string;
    port: number;
    logFile: string;
  }): Promise<BareNodeServer> {
    const args = ['-e', SERVER_SOURCE, spec.file, String(spec.port), spec.mode, spec.contentType];
    const child = startLogged(process.execPath, args, spec.logFile);
    const baseUrl = `http://127.0.0.1:${spec.port}`;
    const probe = spec.mode === 'get' ? undefined : { method: 'POST', body: '{}' };
    await waitForHttp(`${baseUrl}/`, 10_000, child, probe);
    return new BareNodeServer(child, baseUrl);
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('bare Node server has no pid');
    return this.child.pid;
  }

  stop(): Promise<void> {
    return stopProcess(this.child);
  }
}
