import { ChildProcess, spawn } from 'node:child_process';
import { createServer, Server, Socket } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** GitHub Actions' ID-token claims for a push to acme/app's main branch. */
export const GITHUB_MAIN_CLAIMS: Readonly<Record<string, string>> = {
  repository: 'acme/app',
  repository_owner: 'acme',
  repository_id: '4242',
  ref: 'refs/heads/main',
  ref_type: 'branch',
  sha: 'c0ffee0000000000000000000000000000000000',
  workflow: 'release',
  job_workflow_ref: 'acme/app/.github/workflows/release.yml@refs/heads/main',
  actor: 'octocat',
  event_name: 'push',
  run_id: '1001',
  runner_environment: 'github-hosted',
};

export const GITHUB_MAIN_SUBJECT = 'repo:acme/app:ref:refs/heads/main';

export interface JwksKey {
  kty: string;
  n: string;
  e: string;
  kid: string;
  alg: string;
}

/**
 * The OpenID provider of test/support/oidc-provider.mjs (npm oidc-provider), a child process on
 * 127.0.0.1: its discovery document and JWKS over HTTP, real ID tokens from an authorization-code
 * flow, tokens with any claims signed with its keys, and key rotation.
 */
export class OidcIssuer {
  private constructor(
    readonly issuer: string,
    private readonly child: ChildProcess,
  ) {}

  static async start(): Promise<OidcIssuer> {
    const child = spawn(process.execPath, [join(__dirname, 'oidc-provider.mjs')], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    const issuer = await new Promise<string>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`OIDC provider did not start: ${stderr}`)), 15_000);
      child.once('exit', (code) => reject(new Error(`OIDC provider exited (${code}): ${stderr}`)));
      lines.once('line', (line) => {
        clearTimeout(timer);
        resolve((JSON.parse(line) as { issuer: string }).issuer);
      });
    });
    return new OidcIssuer(issuer, child);
  }

  /** A real ID token: the provider's authorization-code flow for `sub`, with `claims`, for `audience`. */
  async idToken(
    claims: Record<string, string> = GITHUB_MAIN_CLAIMS,
    options: { sub?: string; audience?: string } = {},
  ): Promise<string> {
    const body = await this.call<{ id_token: string }>('/_test/id-token', {
      sub: options.sub ?? GITHUB_MAIN_SUBJECT,
      audience: options.audience ?? 'pki-ca',
      claims,
    });
    return body.id_token;
  }

  /**
   * A token with any payload (iss, iat, nbf, exp default to this issuer and now; null drops one),
   * signed with the provider's current key, or the one named by `kid`; `header` overrides the header.
   */
  async sign(
    payload: Record<string, unknown>,
    options: { header?: Record<string, unknown>; kid?: string } = {},
  ): Promise<string> {
    const body = await this.call<{ token: string }>('/_test/sign', { payload, ...options });
    return body.token;
  }

  /** Adds a signing key; the JWKS then holds the new (first, and signing from now on) and the old. */
  async rotate(): Promise<string[]> {
    return (await this.call<{ kids: string[] }>('/_test/rotate', {})).kids;
  }

  /** Drops every key but the newest from the JWKS. */
  async retire(): Promise<string[]> {
    return (await this.call<{ kids: string[] }>('/_test/retire', {})).kids;
  }

  async keys(): Promise<{ kids: string[]; public: JwksKey[] }> {
    return this.call('/_test/keys', {});
  }

  /** How often the discovery document and the JWKS were fetched. */
  async stats(): Promise<{ discovery: number; jwks: number }> {
    return this.call('/_test/stats', {});
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      this.child.once('exit', () => resolve());
      this.child.kill('SIGTERM');
    });
  }

  private async call<T>(path: string, body: object): Promise<T> {
    const response = await fetch(new URL(path, this.issuer), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    if (!response.ok) throw new Error(`${path} answered ${response.status}: ${text}`);
    return JSON.parse(text) as T;
  }
}

/** A TCP server on loopback that accepts connections and never answers: an issuer that hangs. */
export async function startSilentServer(): Promise<{ url: string; close(): Promise<void> }> {
  const sockets = new Set<Socket>();
  const server: Server = createServer((socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback URL where nothing listens (the port was free a moment ago): connections are refused. */
export async function closedPortUrl(): Promise<string> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (address === null || typeof address === 'string') throw new Error('no port');
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${address.port}`;
}
