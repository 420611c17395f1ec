import { dns01RecordName, dns01RecordValue, validateDns01 } from './dns-01.validator';
import { DnsTestServer } from './testing/dns-test-server';
import { testValidationOptions } from './testing/validation-test-options';

const KEY_AUTHORIZATION = 'token.thumbprint';

describe('validateDns01', () => {
  let dns: DnsTestServer;
  const options = () => testValidationOptions({ dnsResolver: dns.address, timeoutMs: 1000 });
  const identifier = { type: 'dns' as const, value: 'www.example.test' };

  beforeAll(async () => {
    dns = await DnsTestServer.start();
  });
  afterAll(() => dns.close());
  beforeEach(() => {
    dns.txt.clear();
    dns.a.clear();
    dns.failing.clear();
    dns.silent.clear();
  });

  it('names the record after the base name of a wildcard, and digests the key authorization', () => {
    expect(dns01RecordName({ type: 'dns', value: '*.example.test' })).toBe('_acme-challenge.example.test');
    // base64url(SHA-256("token.thumbprint")), 43 characters without padding
    expect(dns01RecordValue(KEY_AUTHORIZATION)).toMatch(/^[A-Za-z0-9_-]{43}$/);
  });

  it('accepts a TXT record holding the digest among others', async () => {
    dns.txt.set('_acme-challenge.www.example.test', ['unrelated', dns01RecordValue(KEY_AUTHORIZATION)]);
    await expect(validateDns01(identifier, KEY_AUTHORIZATION, options())).resolves.toEqual({ valid: true });
  });

  it('looks up a wildcard at its base name', async () => {
    dns.txt.set('_acme-challenge.example.test', [dns01RecordValue(KEY_AUTHORIZATION)]);
    const wildcard = { type: 'dns' as const, value: '*.example.test' };
    await expect(validateDns01(wildcard, KEY_AUTHORIZATION, options())).resolves.toEqual({ valid: true });
  });

  it('refuses a wrong value, naming what it found', async () => {
    dns.txt.set('_acme-challenge.www.example.test', ['stale-value']);
    await expect(validateDns01(identifier, KEY_AUTHORIZATION, options())).resolves.toEqual({
      valid: false,
      error: {
        type: 'unauthorized',
        detail: `No TXT record at _acme-challenge.www.example.test is "${dns01RecordValue(KEY_AUTHORIZATION)}"; found "stale-value"`,
      },
    });
  });

  it('tells a missing record from a missing name and a failing server', async () => {
    dns.a.set('_acme-challenge.www.example.test', ['127.0.0.1']);
    await expect(validateDns01(identifier, KEY_AUTHORIZATION, options())).resolves.toEqual({
      valid: false,
      error: { type: 'unauthorized', detail: 'No TXT record found at _acme-challenge.www.example.test' },
    });
    const other = { type: 'dns' as const, value: 'nowhere.example.test' };
    await expect(validateDns01(other, KEY_AUTHORIZATION, options())).resolves.toEqual({
      valid: false,
      error: { type: 'dns', detail: '_acme-challenge.nowhere.example.test does not exist (NXDOMAIN)' },
    });
    dns.failing.add('_acme-challenge.www.example.test');
    await expect(validateDns01(identifier, KEY_AUTHORIZATION, options())).resolves.toEqual({
      valid: false,
      error: { type: 'dns', detail: 'DNS lookup of TXT _acme-challenge.www.example.test failed: ESERVFAIL' },
    });
  });

  it('gives up on a server that does not answer', async () => {
    dns.silent.add('_acme-challenge.www.example.test');
    const result = await validateDns01(identifier, KEY_AUTHORIZATION, { ...options(), timeoutMs: 300 });
    expect(result).toEqual({
      valid: false,
      error: { type: 'dns', detail: 'DNS lookup of TXT _acme-challenge.www.example.test failed: ETIMEOUT' },
    });
  });

  it('reports a resolver setting node:dns cannot use instead of throwing', async () => {
    const result = await validateDns01(identifier, KEY_AUTHORIZATION, {
      ...options(),
      dnsResolver: 'dns.test:53',
    });
    expect(result).toEqual({
      valid: false,
      error: { type: 'dns', detail: 'ACME_DNS_RESOLVER "dns.test:53" is not an IP address with a port' },
    });
  });

  it('refuses an IP identifier (RFC 8738 §7)', async () => {
    const result = await validateDns01({ type: 'ip', value: '127.0.0.1' }, KEY_AUTHORIZATION, options());
    expect(result).toEqual({
      valid: false,
      error: { type: 'rejectedIdentifier', detail: 'dns-01 proves DNS names only (RFC 8738 §7)' },
    });
  });
});
