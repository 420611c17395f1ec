import type { ChildProcess } from 'node:child_process';
import { startLogged, stopProcess, waitForHttp } from '../lib/commands';

/**
 * The physical limit of serving a file over HTTP from Node on this machine: a bare `http` server that
 * answers every GET with the same bytes, read once at start, with nothing else on the path.
 */
const SERVER_SOURCE = `
const { createServer } = require('node:http');
const body = require('node:fs').readFileSync(process.argv[1]);
createServer((request, response) => {
  response.writeHead(200, { 'Content-Type': 'application/octet-stream', 'Content-Length': body.length });
  response.end(body);
}).listen(Number(process.argv[2]), '127.0.0.1');
`;

export class StaticFileServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(file: string, port: number, logFile: string): Promise<StaticFileServer> {
    const child = startLogged(process.execPath, ['-e', SERVER_SOURCE, file, String(port)], logFile);
    const url = `http://127.0.0.1:${port}/`;
    await waitForHttp(url, 10_000, child);
    return new StaticFileServer(child, url);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  stop(): Promise<void> {
    return stopProcess(this.child);
  }
}
