import { createServer, type AddressInfo } from 'node:net';
import { DenyNetworks } from './deny-networks';
import { keyAuthorizationDigest } from './key-authorization';
import { type AcmeTlsCertificateSpec, startAcmeTlsServer } from './testing/acme-tls-test-server';
import { DnsTestServer } from './testing/dns-test-server';
import { testValidationOptions } from './testing/validation-test-options';
import { tlsAlpn01ServerName, validateTlsAlpn01 } from './tls-alpn-01.validator';
import type { ValidationOptions } from './validation-options';
import type { ValidationIdentifier, ValidationResult } from './validation-result';

const KEY_AUTHORIZATION = 'token.thumbprint';
const DIGEST = keyAuthorizationDigest(KEY_AUTHORIZATION);
const NAME = { type: 'dns' as const, value: 'www.example.test' };

describe('validateTlsAlpn01', () => {
  let dns: DnsTestServer;
  const closers: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    dns = await DnsTestServer.start();
    dns.a.set('www.example.test', ['127.0.0.1']);
  });
  afterAll(() => dns.close());
  afterEach(async () => {
    await Promise.all(closers.splice(0).map((close) => close()));
  });

  async function validateAgainst(
    spec: AcmeTlsCertificateSpec,
    identifier: ValidationIdentifier = NAME,
    alpn?: string[],
    overrides: Partial<ValidationOptions> = {},
  ): Promise<{ result: ValidationResult; serverNames: string[] }> {
    const server = await startAcmeTlsServer(spec, alpn);
    closers.push(server.close);
    const options = testValidationOptions({
      dnsResolver: dns.address,
      tlsAlpn01Port: server.port,
      ...overrides,
    });
    const result = await validateTlsAlpn01(identifier, KEY_AUTHORIZATION, options);
    return { result, serverNames: server.serverNames };
  }

  const failure = (type: string, problem: string) => ({
    valid: false,
    error: { type, detail: `The tls-alpn-01 certificate for www.example.test is wrong: ${problem}` },
  });

  it('accepts the certificate of RFC 8737 §3, asked for with the name as SNI', async () => {
    const { result, serverNames } = await validateAgainst({
      san: { dns: ['www.example.test'] },
      digest: DIGEST,
    });
    expect(result).toEqual({ valid: true });
    expect(serverNames).toEqual(['www.example.test']);
  });

  it('accepts an IP identifier, asked for with its reverse name as SNI (RFC 8738 §6)', async () => {
    const identifier = { type: 'ip' as const, value: '127.0.0.1' };
    const { result, serverNames } = await validateAgainst(
      { san: { ip: ['127.0.0.1'] }, digest: DIGEST },
      identifier,
    );
    expect(result).toEqual({ valid: true });
    expect(serverNames).toEqual(['1.0.0.127.in-addr.arpa']);
    expect(tlsAlpn01ServerName({ type: 'ip', value: '2001:db8::1' })).toBe(
      '1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa',
    );
  });

  it('refuses the digest of another key authorization', async () => {
    const { result } = await validateAgainst({
      san: { dns: ['www.example.test'] },
      digest: keyAuthorizationDigest('other.key'),
    });
    expect(result).toEqual(
      failure('unauthorized', 'its acmeIdentifier is not the SHA-256 of the key authorization'),
    );
  });

  it('refuses a certificate without the extension, or with it not critical', async () => {
    const missing = await validateAgainst({ san: { dns: ['www.example.test'] }, digest: null });
    expect(missing.result).toEqual(
      failure('unauthorized', 'its certificate has no acmeIdentifier extension (1.3.6.1.5.5.7.1.31)'),
    );
    const notCritical = await validateAgainst({
      san: { dns: ['www.example.test'] },
      digest: DIGEST,
      isCritical: false,
    });
    expect(notCritical.result).toEqual(
      failure('incorrectResponse', 'its acmeIdentifier extension is not critical'),
    );
  });

  it('refuses a certificate naming more than the identifier, or another name', async () => {
    const extra = await validateAgainst({
      san: { dns: ['www.example.test', 'other.example.test'] },
      digest: DIGEST,
    });
    expect(extra.result).toEqual(
      failure(
        'incorrectResponse',
        'its subjectAltName has 2 entries; RFC 8737 §3 wants exactly the identifier',
      ),
    );
    const other = await validateAgainst({ san: { dns: ['other.example.test'] }, digest: DIGEST });
    expect(other.result).toEqual(
      failure('incorrectResponse', 'its subjectAltName is not the dNSName www.example.test'),
    );
  });

  it('refuses a server that does not speak acme-tls/1', async () => {
    const { result } = await validateAgainst({ san: { dns: ['www.example.test'] }, digest: DIGEST }, NAME, [
      'http/1.1',
    ]);
    expect(result).toEqual({
      valid: false,
      error: {
        type: 'tls',
        detail: expect.stringMatching(
          /^TLS connection to 127\.0\.0\.1:\d+: tlsv1 alert no application protocol$/,
        ),
      },
    });
  });

  it('refuses a name resolving into a denied network without connecting', async () => {
    const { result, serverNames } = await validateAgainst(
      { san: { dns: ['www.example.test'] }, digest: DIGEST },
      NAME,
      undefined,
      {
        denyNetworks: DenyNetworks.of(['127.0.0.0/8']),
      },
    );
    expect(result).toEqual({
      valid: false,
      error: {
        type: 'rejectedIdentifier',
        detail:
          'www.example.test resolves to 127.0.0.1, which is in 127.0.0.0/8, a network the validator does not connect to',
      },
    });
    expect(serverNames).toEqual([]);
  });

  it('gives up on a server that accepts the connection but never completes the handshake', async () => {
    const silent = createServer((socket) => socket.resume());
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    const options = testValidationOptions({ dnsResolver: dns.address, tlsAlpn01Port: port, timeoutMs: 300 });
    const result = await validateTlsAlpn01(NAME, KEY_AUTHORIZATION, options);
    await new Promise((resolve) => silent.close(resolve));
    expect(result).toEqual({
      valid: false,
      error: { type: 'connection', detail: `TLS connection to 127.0.0.1:${port} timed out after 0.3 s` },
    });
  });

  it('reports a refused connection', async () => {
    const options = testValidationOptions({ dnsResolver: dns.address, tlsAlpn01Port: 1 });
    await expect(validateTlsAlpn01(NAME, KEY_AUTHORIZATION, options)).resolves.toMatchObject({
      valid: false,
      error: { type: 'connection', detail: expect.stringContaining('ECONNREFUSED') },
    });
  });
});
