import {
  dnsMatches,
  dnsTouches,
  emailMatches,
  ipMatches,
  subtreeWithin,
  uriHost,
  uriMatches,
} from './name-constraint-matching';

describe('RFC 5280 4.2.1.10 name matching', () => {
  it.each([
    ['corp.example', 'corp.example', true],
    ['web.corp.example', 'corp.example', true],
    ['a.b.corp.example', 'corp.example', true],
    ['WEB.Corp.Example', 'corp.example', true],
    ['notcorp.example', 'corp.example', false],
    ['corp.example.evil', 'corp.example', false],
    ['corp.example', '.corp.example', false],
    ['web.corp.example', '.corp.example', true],
    ['*.corp.example', 'corp.example', true],
    ['*.example', 'corp.example', false],
    ['web.other.test', '.corp.example', false],
  ])('dNSName %s against %s: %s', (name, base, expected) => {
    expect(dnsMatches(name, base)).toBe(expected);
  });

  it('counts a wildcard as touching an excluded host one label below it', () => {
    expect(dnsTouches('*.corp.example', 'secret.corp.example')).toBe(true);
    expect(dnsTouches('*.corp.example', 'a.secret.corp.example')).toBe(false);
    expect(dnsTouches('*.corp.example', '.secret.corp.example')).toBe(false);
    expect(dnsTouches('web.corp.example', 'secret.corp.example')).toBe(false);
  });

  it.each([
    ['alice@corp.example', 'alice@corp.example', true],
    ['alice@CORP.example', 'alice@corp.example', true],
    ['Alice@corp.example', 'alice@corp.example', false],
    ['bob@corp.example', 'corp.example', true],
    ['bob@mail.corp.example', 'corp.example', false],
    ['bob@mail.corp.example', '.corp.example', true],
    ['bob@corp.example', '.corp.example', false],
    ['not-an-address', 'corp.example', false],
  ])('rfc822Name %s against %s: %s', (address, base, expected) => {
    expect(emailMatches(address, base)).toBe(expected);
  });

  it('matches a URI by its host', () => {
    expect(uriHost('spiffe://Trust.Corp.Example/ns/web')).toBe('trust.corp.example');
    expect(uriHost('https://user@host.example:8443/x')).toBe('host.example');
    expect(uriHost('urn:uuid:1234')).toBeNull();
    expect(uriHost('https://10.0.0.1/')).toBeNull();
    expect(uriMatches('spiffe://trust.corp.example/ns/web', '.corp.example')).toBe(true);
    expect(uriMatches('spiffe://corp.example/ns/web', '.corp.example')).toBe(false);
    expect(uriMatches('spiffe://corp.example/ns/web', 'corp.example')).toBe(true);
    expect(uriMatches('spiffe://a.corp.example/', 'corp.example')).toBe(false);
    expect(uriMatches('urn:uuid:1234', 'corp.example')).toBe(false);
  });

  it.each([
    ['10.1.2.3', '10.0.0.0/8', true],
    ['11.1.2.3', '10.0.0.0/8', false],
    ['10.1.2.3', '10.1.2.3/32', true],
    ['2001:db8::1', '2001:db8::/32', true],
    ['2001:0db8:0000::0001', '2001:db8::/32', true],
    ['2001:db9::1', '2001:db8::/32', false],
    ['::ffff:10.0.0.1', '10.0.0.0/8', false],
    ['10.0.0.1', '::/0', false],
    ['192.168.1.1', '0.0.0.0/0', true],
  ])('iPAddress %s in %s: %s', (address, range, expected) => {
    expect(ipMatches(address, range)).toBe(expected);
  });

  it.each([
    ['dns', 'web.corp.example', 'corp.example', true],
    ['dns', '.corp.example', 'corp.example', true],
    ['dns', 'corp.example', '.corp.example', false],
    ['dns', '.a.corp.example', '.corp.example', true],
    ['dns', '.corp.example', '.corp.example', true],
    ['dns', 'corp.example', 'corp.example', true],
    ['dns', 'other.test', 'corp.example', false],
    ['ipRanges', '10.1.0.0/16', '10.0.0.0/8', true],
    ['ipRanges', '10.0.0.0/8', '10.1.0.0/16', false],
    ['ipRanges', '2001:db8:1::/48', '2001:db8::/32', true],
    ['ipRanges', '10.0.0.0/8', '::/0', false],
    ['emails', 'alice@corp.example', 'corp.example', true],
    ['emails', 'corp.example', 'alice@corp.example', false],
    ['emails', 'mail.corp.example', '.corp.example', true],
    ['emails', 'corp.example', '.corp.example', false],
    ['emails', '.a.corp.example', '.corp.example', true],
    ['emails', '.corp.example', 'corp.example', false],
    ['uris', 'a.corp.example', '.corp.example', true],
    ['uris', 'a.corp.example', 'corp.example', false],
  ] as const)('subtree %s %s within %s: %s', (form, inner, outer, expected) => {
    expect(subtreeWithin(form, inner, outer)).toBe(expected);
  });
});
