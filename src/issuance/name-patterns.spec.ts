import { BlockList } from 'node:net';
import {
  cidrContains,
  dnsPatternMatches,
  emailPatternMatches,
  ipAddressBytes,
  parseCidr,
  uriGlobMatches,
} from './name-patterns';

describe('dnsPatternMatches', () => {
  it('matches an exact pattern exactly, case-insensitively', () => {
    expect(dnsPatternMatches('api.svc.internal', 'api.svc.internal')).toBe(true);
    expect(dnsPatternMatches('api.svc.internal', 'API.Svc.Internal')).toBe(true);
    expect(dnsPatternMatches('api.svc.internal', 'api.svc.internal.')).toBe(true);
    expect(dnsPatternMatches('api.svc.internal', 'x.api.svc.internal')).toBe(false);
    expect(dnsPatternMatches('api.svc.internal', 'svc.internal')).toBe(false);
  });

  it('matches *.x at any depth below x, not x itself nor a name that only ends with the text', () => {
    expect(dnsPatternMatches('*.svc.internal', 'a.svc.internal')).toBe(true);
    expect(dnsPatternMatches('*.svc.internal', 'a.b.c.svc.internal')).toBe(true);
    expect(dnsPatternMatches('*.svc.internal', 'svc.internal')).toBe(false);
    expect(dnsPatternMatches('*.svc.internal', 'evilsvc.internal')).toBe(false);
    expect(dnsPatternMatches('*.svc.internal', 'svc.internal.evil')).toBe(false);
  });

  it('matches a requested wildcard lying below the pattern', () => {
    expect(dnsPatternMatches('*.svc.internal', '*.svc.internal')).toBe(true);
    expect(dnsPatternMatches('*.svc.internal', '*.a.svc.internal')).toBe(true);
    expect(dnsPatternMatches('*.svc.internal', '*.internal')).toBe(false);
    expect(dnsPatternMatches('api.svc.internal', '*.svc.internal')).toBe(false);
  });
});

describe('parseCidr', () => {
  it('reads v4 and v6 ranges and bare addresses as /32 and /128', () => {
    expect(parseCidr('10.0.0.0/8')).toEqual({ family: 4, bytes: Buffer.from([10, 0, 0, 0]), prefix: 8 });
    expect(parseCidr('10.1.2.3')).toMatchObject({ family: 4, prefix: 32 });
    expect(parseCidr('2001:db8::/32')).toMatchObject({ family: 6, prefix: 32 });
    expect(parseCidr('2001:db8::1')).toMatchObject({ family: 6, prefix: 128 });
  });

  it('clears host bits below the prefix', () => {
    expect(parseCidr('10.9.8.7/16')?.bytes).toEqual(Buffer.from([10, 9, 0, 0]));
  });

  it.each([
    '10.0.0.0/33',
    '2001:db8::/129',
    'example.com',
    '10.0.0.0/',
    '10.0.0.0/-1',
    '10.0.0/8',
    'fe80::1%eth0',
  ])('refuses %s', (text) => expect(parseCidr(text)).toBeNull());
});

describe('ipAddressBytes', () => {
  it('reads every IPv6 spelling into the same 16 bytes', () => {
    const expected = ipAddressBytes('2001:db8::1');
    expect(expected).toHaveLength(16);
    expect(ipAddressBytes('2001:0db8:0000:0000:0000:0000:0000:0001')).toEqual(expected);
    expect(ipAddressBytes('::ffff:10.0.0.1')).toEqual(ipAddressBytes('::ffff:a00:1'));
    expect(ipAddressBytes('::')).toEqual(Buffer.alloc(16));
    expect(ipAddressBytes('1::')?.readUInt16BE(0)).toBe(1);
  });
});

describe('cidrContains', () => {
  it.each<[string, string, boolean]>([
    ['10.0.0.0/8', '10.255.0.1', true],
    ['10.0.0.0/8', '11.0.0.1', false],
    ['192.168.1.0/24', '192.168.1.255', true],
    ['192.168.1.0/24', '192.168.2.0', false],
    ['10.1.2.3', '10.1.2.3', true],
    ['10.1.2.3', '10.1.2.4', false],
    ['0.0.0.0/0', '203.0.113.9', true],
    ['2001:db8::/32', '2001:db8:ffff::1', true],
    ['2001:db8::/32', '2001:db9::1', false],
    ['2001:db8::1', '2001:0db8::0001', true],
    ['fd00::/8', 'fdff::1', true],
    ['::/0', '10.0.0.1', false],
    ['0.0.0.0/0', '2001:db8::1', false],
    // An IPv4-mapped address names the IPv4 host.
    ['10.0.0.0/8', '::ffff:10.0.0.1', true],
    ['10.0.0.0/8', '::ffff:11.0.0.1', false],
    ['::ffff:0:0/96', '::ffff:11.0.0.1', true],
    // Not mapped: the IPv4-compatible (deprecated) and NAT64 forms are IPv6 addresses.
    ['10.0.0.0/8', '::10.0.0.1', false],
    ['10.0.0.0/8', '64:ff9b::10.0.0.1', false],
    ['10.0.0.0/8', 'not-an-ip', false],
    ['nonsense', '10.0.0.1', false],
  ])('%s contains %s: %s', (range, address, expected) => {
    expect(cidrContains(range, address)).toBe(expected);
  });

  it('agrees with node:net BlockList on plain ranges', () => {
    const cases: [string, number, 'ipv4' | 'ipv6', string][] = [
      ['172.16.0.0', 12, 'ipv4', '172.31.255.255'],
      ['172.16.0.0', 12, 'ipv4', '172.32.0.0'],
      ['2001:db8:abcd::', 48, 'ipv6', '2001:db8:abcd:1::1'],
      ['2001:db8:abcd::', 48, 'ipv6', '2001:db8:abce::1'],
      ['2001:db8::', 65, 'ipv6', '2001:db8::8000:0:0:1'],
      ['2001:db8::', 65, 'ipv6', '2001:db8::7fff:0:0:1'],
    ];
    for (const [network, prefix, family, address] of cases) {
      const list = new BlockList();
      list.addSubnet(network, prefix, family);
      expect(cidrContains(`${network}/${prefix}`, address)).toBe(list.check(address, family));
    }
  });
});

describe('emailPatternMatches', () => {
  it('matches *@domain for any local part, the domain case-insensitively', () => {
    expect(emailPatternMatches('*@corp.example', 'alice@corp.example')).toBe(true);
    expect(emailPatternMatches('*@corp.example', 'Alice@CORP.Example')).toBe(true);
    expect(emailPatternMatches('*@corp.example', 'alice@sub.corp.example')).toBe(false);
    expect(emailPatternMatches('*@corp.example', 'alice@corp.example.evil')).toBe(false);
    expect(emailPatternMatches('*@corp.example', '@corp.example')).toBe(false);
  });

  it('matches an exact mailbox, its local part exactly', () => {
    expect(emailPatternMatches('alice@corp.example', 'alice@Corp.Example')).toBe(true);
    expect(emailPatternMatches('alice@corp.example', 'Alice@corp.example')).toBe(false);
    expect(emailPatternMatches('alice@corp.example', 'bob@corp.example')).toBe(false);
    expect(emailPatternMatches('corp.example', 'alice@corp.example')).toBe(false);
  });
});

describe('uriGlobMatches', () => {
  it.each<[string, string, boolean]>([
    ['spiffe://corp/ns/*', 'spiffe://corp/ns/web/sa/api', true],
    ['spiffe://corp/ns/*', 'spiffe://corp/ns/', true],
    ['spiffe://corp/ns/*', 'spiffe://corp/nsx/web', false],
    ['spiffe://corp/ns/*', 'spiffe://evil/ns/web', false],
    ['spiffe://corp/ns/*/sa/api', 'spiffe://corp/ns/prod/sa/api', true],
    ['spiffe://corp/ns/*/sa/api', 'spiffe://corp/ns/prod/sa/api2', false],
    ['https://*.corp.example/*', 'https://a.corp.example/x', true],
    ['https://example.com/a.b', 'https://example.com/aXb', false],
    ['urn:x', 'urn:x', true],
    ['urn:x', 'urn:xy', false],
    ['*', 'anything', true],
    ['a**b', 'ab', true],
  ])('%s ~ %s: %s', (pattern, uri, expected) => {
    expect(uriGlobMatches(pattern, uri)).toBe(expected);
  });

  it('matches many stars against a long URI without backtracking blow-up', () => {
    expect(uriGlobMatches(`${'*a'.repeat(30)}b`, 'a'.repeat(5000))).toBe(false);
  });
});
