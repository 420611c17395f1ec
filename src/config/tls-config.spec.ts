import { loadTlsConfig, parseTrustProxy } from './tls-config';

describe('parseTrustProxy', () => {
  it.each([
    ['', false],
    ['false', false],
    ['0', false],
    ['2', 2],
    ['loopback, 10.0.0.0/8,fd00::/8', ['loopback', '10.0.0.0/8', 'fd00::/8']],
  ])('reads %p', (raw, expected) => {
    expect(parseTrustProxy('TRUST_PROXY', raw)).toEqual(expected);
  });

  it.each(['true', '10.0.0.0/33', 'fd00::/129', 'proxy.example', '33'])('refuses %p', (raw) => {
    expect(() => parseTrustProxy('TRUST_PROXY', raw)).toThrow(/^TRUST_PROXY: /);
  });
});

describe('loadTlsConfig', () => {
  it('names the host of PUBLIC_BASE_URL, localhost and 127.0.0.1 by default', () => {
    const errors: string[] = [];
    expect(loadTlsConfig({ TLS_SELF_ISSUED: 'true' }, 'https://pki.example.com:8443', errors)).toEqual({
      mode: 'self-issued',
      issuer: null,
      dnsNames: ['pki.example.com', 'localhost'],
      ipAddresses: ['127.0.0.1'],
      validDays: 30,
    });
    expect(errors).toEqual([]);
  });

  it('puts IP addresses (an IPv6 base URL too) among the IP SANs, each name once', () => {
    const tls = loadTlsConfig({ TLS_SELF_ISSUED: 'true' }, 'https://[::1]:8443', []);
    expect(tls).toMatchObject({ dnsNames: ['localhost'], ipAddresses: ['::1', '127.0.0.1'] });
    const listed = loadTlsConfig(
      { TLS_SELF_ISSUED: 'true', TLS_SELF_ISSUED_NAMES: 'A.test, a.test,10.0.0.1' },
      'http://x',
      [],
    );
    expect(listed).toMatchObject({ dnsNames: ['a.test'], ipAddresses: ['10.0.0.1'] });
  });

  it('reports a bad lifetime or name, naming the variable', () => {
    const errors: string[] = [];
    loadTlsConfig(
      { TLS_SELF_ISSUED: 'true', TLS_SELF_ISSUED_DAYS: '0', TLS_SELF_ISSUED_NAMES: 'a b' },
      'http://x',
      errors,
    );
    expect(errors).toEqual([
      expect.stringMatching(/^TLS_SELF_ISSUED_DAYS: /),
      expect.stringMatching(/^TLS_SELF_ISSUED_NAMES: "a b"/),
      expect.stringMatching(/^TLS_SELF_ISSUED_NAMES: needs at least one/),
    ]);
  });
});
