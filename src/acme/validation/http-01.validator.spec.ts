import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DenyNetworks } from './deny-networks';
import { validateHttp01 } from './http-01.validator';
import { DnsTestServer } from './testing/dns-test-server';
import { testValidationOptions } from './testing/validation-test-options';
import type { ValidationOptions } from './validation-options';

type Handler = (request: IncomingMessage, response: ServerResponse) => void;

const TOKEN = 'tok_3n-Z';
const KEY_AUTHORIZATION = `${TOKEN}.thumbprint`;
const CHALLENGE_PATH = `/.well-known/acme-challenge/${TOKEN}`;

describe('validateHttp01', () => {
  let server: Server;
  let port: number;
  let dns: DnsTestServer;
  const routes = new Map<string, Handler>();
  const seen: { host: string | undefined; path: string | undefined }[] = [];

  beforeAll(async () => {
    server = createServer((request, response) => {
      seen.push({ host: request.headers.host, path: request.url });
      const handler = routes.get(request.url ?? '');
      if (handler) return handler(request, response);
      response.writeHead(404).end('not here');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    port = (server.address() as AddressInfo).port;
    dns = await DnsTestServer.start();
  });

  afterAll(async () => {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    await dns.close();
  });

  beforeEach(() => {
    routes.clear();
    seen.length = 0;
  });

  const options = (overrides: Partial<ValidationOptions> = {}): ValidationOptions =>
    testValidationOptions({ http01Port: port, dnsResolver: dns.address, ...overrides });
  const ip = { type: 'ip' as const, value: '127.0.0.1' };
  const redirect =
    (location: string): Handler =>
    (_request, response) =>
      response.writeHead(302, { location }).end();

  it('accepts the key authorization, ignoring whitespace at the end, with the IP as Host (RFC 8738 §4)', async () => {
    routes.set(CHALLENGE_PATH, (_request, response) => response.end(`${KEY_AUTHORIZATION}\r\n`));
    await expect(validateHttp01(ip, TOKEN, KEY_AUTHORIZATION, options())).resolves.toEqual({ valid: true });
    expect(seen).toEqual([{ host: `127.0.0.1:${port}`, path: CHALLENGE_PATH }]);
  });

  it('connects to an IPv6 identifier directly, the bracketed address as Host', async () => {
    let host: string | undefined;
    const v6 = createServer((request, response) => {
      host = request.headers.host;
      response.end(KEY_AUTHORIZATION);
    });
    await new Promise<void>((resolve) => v6.listen(0, '::1', resolve));
    const v6Port = (v6.address() as AddressInfo).port;
    const identifier = { type: 'ip' as const, value: '::1' };
    const result = await validateHttp01(
      identifier,
      TOKEN,
      KEY_AUTHORIZATION,
      options({ http01Port: v6Port }),
    );
    await new Promise((resolve) => v6.close(resolve));
    expect(result).toEqual({ valid: true });
    expect(host).toBe(`[::1]:${v6Port}`);
  });

  it('resolves a DNS name through ACME_DNS_RESOLVER and sends the name as Host', async () => {
    dns.a.set('www.example.test', ['127.0.0.1']);
    routes.set(CHALLENGE_PATH, (_request, response) => response.end(KEY_AUTHORIZATION));
    const identifier = { type: 'dns' as const, value: 'www.example.test' };
    await expect(validateHttp01(identifier, TOKEN, KEY_AUTHORIZATION, options())).resolves.toEqual({
      valid: true,
    });
    expect(seen[0].host).toBe(`www.example.test:${port}`);
  });

  it('refuses another body, showing what was expected and what came', async () => {
    routes.set(CHALLENGE_PATH, (_request, response) => response.end('something else'));
    await expect(validateHttp01(ip, TOKEN, KEY_AUTHORIZATION, options())).resolves.toEqual({
      valid: false,
      error: {
        type: 'unauthorized',
        detail: `The body at http://127.0.0.1:${port}${CHALLENGE_PATH} is not the key authorization: expected "${KEY_AUTHORIZATION}", got 14 other bytes`,
      },
    });
  });

  it('refuses a 404', async () => {
    const result = await validateHttp01(ip, TOKEN, KEY_AUTHORIZATION, options());
    expect(result).toEqual({
      valid: false,
      error: {
        type: 'unauthorized',
        detail: `http://127.0.0.1:${port}${CHALLENGE_PATH} answered HTTP 404, not 200 with the key authorization`,
      },
    });
  });

  it('stops reading a body beyond the size cap', async () => {
    routes.set(CHALLENGE_PATH, (_request, response) => {
      response.write(KEY_AUTHORIZATION);
      response.end(Buffer.alloc(70 * 1024, 'x'));
    });
    const result = await validateHttp01(ip, TOKEN, KEY_AUTHORIZATION, options());
    expect(result).toEqual({
      valid: false,
      error: { type: 'incorrectResponse', detail: expect.stringContaining('is larger than 65536 bytes') },
    });
  });

  it('follows a redirect on the configured port', async () => {
    routes.set(CHALLENGE_PATH, redirect('/moved'));
    routes.set('/moved', (_request, response) => response.end(KEY_AUTHORIZATION));
    await expect(validateHttp01(ip, TOKEN, KEY_AUTHORIZATION, options())).resolves.toEqual({ valid: true });
    expect(seen.map((request) => request.path)).toEqual([CHALLENGE_PATH, '/moved']);
  });

  it('refuses a redirect loop', async () => {
    routes.set(CHALLENGE_PATH, redirect('/a'));
    routes.set('/a', redirect(CHALLENGE_PATH));
    const result = await validateHttp01(ip, TOKEN, KEY_AUTHORIZATION, options());
    expect(result).toEqual({
      valid: false,
      error: { type: 'connection', detail: expect.stringMatching(/^Redirect loop: .*\/a leads back to/) },
    });
  });

  it('stops after the most redirects allowed', async () => {
    routes.set(CHALLENGE_PATH, redirect('/r1'));
    for (let i = 1; i <= 5; i++) routes.set(`/r${i}`, redirect(`/r${i + 1}`));
    const result = await validateHttp01(ip, TOKEN, KEY_AUTHORIZATION, options({ maxRedirects: 3 }));
    expect(result).toEqual({
      valid: false,
      error: { type: 'connection', detail: `More than 3 redirects, the last to http://127.0.0.1:${port}/r4` },
    });
  });

  it('refuses a redirect to a port RFC 8555 §8.3 practice does not allow', async () => {
    routes.set(CHALLENGE_PATH, redirect('http://127.0.0.1:8443/x'));
    const result = await validateHttp01(ip, TOKEN, KEY_AUTHORIZATION, options());
    expect(result).toEqual({
      valid: false,
      error: {
        type: 'connection',
        detail: expect.stringContaining(
          `redirected to http://127.0.0.1:8443/x: only http on port 80 or ${port}`,
        ),
      },
    });
  });

  it('refuses a redirect to a name resolving into a denied network, without connecting', async () => {
    dns.a.set('metadata.example.test', ['169.254.169.254']);
    routes.set(CHALLENGE_PATH, redirect(`http://metadata.example.test:${port}/latest`));
    const result = await validateHttp01(ip, TOKEN, KEY_AUTHORIZATION, options());
    expect(result).toEqual({
      valid: false,
      error: {
        type: 'rejectedIdentifier',
        detail:
          'metadata.example.test resolves to 169.254.169.254, which is in 169.254.0.0/16, a network the validator does not connect to',
      },
    });
  });

  it('refuses an identifier in a denied network, IPv4-mapped IPv6 included, without connecting', async () => {
    const deny = options({ denyNetworks: DenyNetworks.of(['127.0.0.0/8']) });
    for (const value of ['127.0.0.1', '::ffff:127.0.0.1']) {
      const result = await validateHttp01({ type: 'ip', value }, TOKEN, KEY_AUTHORIZATION, deny);
      expect(result).toEqual({
        valid: false,
        error: { type: 'rejectedIdentifier', detail: expect.stringContaining('is in 127.0.0.0/8') },
      });
    }
    expect(seen).toEqual([]);
  });

  it('gives up when the server does not answer in time', async () => {
    routes.set(CHALLENGE_PATH, () => undefined);
    const result = await validateHttp01(ip, TOKEN, KEY_AUTHORIZATION, options({ timeoutMs: 300 }));
    expect(result).toEqual({
      valid: false,
      error: {
        type: 'connection',
        detail: `Fetching http://127.0.0.1:${port}${CHALLENGE_PATH} timed out after 0.3 s`,
      },
    });
  });

  it('reports a refused connection and a name without addresses', async () => {
    const closed = await validateHttp01(ip, TOKEN, KEY_AUTHORIZATION, options({ http01Port: 1 }));
    expect(closed).toEqual({
      valid: false,
      error: { type: 'connection', detail: expect.stringContaining('ECONNREFUSED') },
    });
    const missing = { type: 'dns' as const, value: 'missing.example.test' };
    await expect(validateHttp01(missing, TOKEN, KEY_AUTHORIZATION, options())).resolves.toEqual({
      valid: false,
      error: { type: 'dns', detail: 'missing.example.test has no A or AAAA record (NXDOMAIN)' },
    });
  });
});
