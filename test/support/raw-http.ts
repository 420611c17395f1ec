import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import { TestApp } from './test-app';

export interface RawRequest {
  method: string;
  /** Sent exactly as given: no normalisation or escaping of the path. */
  path: string;
  headers?: Record<string, string>;
  body?: Buffer | string;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  /** The body parsed as JSON, or null when it is not JSON. */
  json: unknown;
}

async function listeningPort(testApp: TestApp): Promise<number> {
  const server = testApp.app.getHttpServer();
  if (!server.listening) await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return (server.address() as AddressInfo).port;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

/** One HTTP request with exactly these bytes: for bodies and paths that supertest would tidy up. */
export async function rawRequest(testApp: TestApp, raw: RawRequest): Promise<RawResponse> {
  const port = await listeningPort(testApp);
  const body = raw.body === undefined ? undefined : Buffer.from(raw.body);
  return new Promise((resolve, reject) => {
    const outgoing = httpRequest(
      {
        host: '127.0.0.1',
        port,
        method: raw.method,
        path: raw.path,
        headers: { ...(body ? { 'Content-Length': String(body.length) } : {}), ...raw.headers },
      },
      (incoming) => {
        const chunks: Buffer[] = [];
        incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
        incoming.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          resolve({
            status: incoming.statusCode ?? 0,
            headers: incoming.headers,
            text,
            json: parseJson(text),
          });
        });
        incoming.on('error', reject);
      },
    );
    outgoing.on('error', reject);
    outgoing.end(body);
  });
}
