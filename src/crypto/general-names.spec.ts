import { InvalidInputError } from '../common/errors';
import * as forge from 'node-forge';
import {
  bytesToIp,
  canonicalIp,
  decodeGeneralNames,
  dnsNameToAscii,
  encodeGeneralNames,
  ipToBytes,
  validateDnsName,
  validateEmail,
  validateUri,
} from './general-names';

describe('general names', () => {
  it.each([
    ['10.0.0.1', '0a000001'],
    ['::1', '00000000000000000000000000000001'],
    ['2001:db8::8:800:200c:417a', '20010db8000000000008080020 0c417a'.replace(' ', '')],
    ['::ffff:192.0.2.1', '00000000000000000000ffffc0000201'],
    ['fe80::', 'fe800000000000000000000000000000'],
    ['1:2:3:4:5:6:7:8', '00010002000300040005000600070008'],
  ])('encodes IP %s', (ip, hex) => {
    expect(ipToBytes(ip).toString('hex')).toBe(hex);
  });

  it.each([
    ['0a000001', '10.0.0.1'],
    ['20010db8000000000000000000000001', '2001:db8::1'],
    ['20010db8000000010000000000000001', '2001:db8:0:1::1'],
    ['00000000000000000000000000000000', '::'],
    ['20010db8000100010001000100010001', '2001:db8:1:1:1:1:1:1'],
  ])('formats IP bytes %s as %s (RFC 5952)', (hex, ip) => {
    expect(bytesToIp(Buffer.from(hex, 'hex'))).toBe(ip);
  });

  it.each([['10.0.0.256'], ['fe80::1%eth0'], ['10.0.0.0/8'], ['host']])('refuses IP %s', (ip) => {
    expect(() => ipToBytes(ip)).toThrow(InvalidInputError);
  });

  it('validates DNS names', () => {
    expect(validateDnsName('*.a.example.com')).toBe('*.a.example.com');
    expect(validateDnsName('xn--caf-dma.example')).toBe('xn--caf-dma.example');
    for (const bad of [
      '',
      'a..b',
      '-a.com',
      'a_b.com',
      'a.*.com',
      '*',
      'café.fr',
      'a b.com',
      'a.com.',
      `${'a'.repeat(64)}.com`,
    ]) {
      expect(() => validateDnsName(bad)).toThrow(InvalidInputError);
    }
  });

  it('validates email addresses', () => {
    expect(validateEmail('first.last+tag@example.com')).toBe('first.last+tag@example.com');
    for (const bad of ['nobody', '@x.com', 'a@', 'a@b@c.com', 'a@b_c.com', 'ä@x.com']) {
      expect(() => validateEmail(bad)).toThrow(InvalidInputError);
    }
  });

  describe('IDNA2008', () => {
    it.each([
      ['bücher.example', 'xn--bcher-kva.example'],
      ['BÜCHER.Example', 'xn--bcher-kva.example'],
      ['*.bücher.example', '*.xn--bcher-kva.example'],
      ['xn--bcher-kva.example', 'xn--bcher-kva.example'],
      ['XN--BCHER-KVA.example', 'XN--BCHER-KVA.example'],
      ['plain.example', 'plain.example'],
      ['Mixed.Case.example', 'Mixed.Case.example'],
    ])('writes %s as %s', (name, ascii) => {
      expect(dnsNameToAscii(name)).toBe(ascii);
    });

    it.each([['xn--zz.example'], ['xn--abc-.example'], ['a.xn--a'], ['💩.example'], ['bad label.ü']])(
      'refuses %s',
      (name) => {
        expect(() => dnsNameToAscii(name)).toThrow(InvalidInputError);
      },
    );
  });

  describe('URIs', () => {
    it.each([
      ['spiffe://corp.example/ns/payments/sa/api'],
      ['spiffe://corp/ns/a'],
      ['https://[2001:db8::1]:8443/x?y=1#z'],
      ['urn:uuid:123e4567-e89b-12d3-a456-426614174000'],
      ['https://user@10.0.0.1/p%20q'],
    ])('accepts %s', (uri) => {
      expect(validateUri(uri)).toBe(uri);
    });

    it.each([
      ['/relative/path', 'not an absolute URI'],
      ['spiffe:', 'not an absolute URI'],
      ['1http://a.example', 'not an absolute URI'],
      ['spiffe://corp.example/ü', 'ASCII'],
      ['spiffe://corp example/a', 'ASCII'],
      ['https://a.example/%zz', 'RFC 3986'],
      ['https://a.example/<x>', 'RFC 3986'],
      ['https://bad_host.example/', 'invalid host'],
      ['https:///path', 'invalid host'],
    ])('refuses %s', (uri, message) => {
      expect(() => validateUri(uri)).toThrow(message);
    });

    it('encodes a URI as GeneralName [6] and reads it back', () => {
      const san = { dns: [], ip: [], email: [], uri: ['spiffe://corp.example/w'] };
      const encoded = encodeGeneralNames(san);
      const [name] = encoded.value as forge.asn1.Asn1[];
      expect({ tagClass: name.tagClass, type: name.type, value: name.value }).toEqual({
        tagClass: forge.asn1.Class.CONTEXT_SPECIFIC,
        type: 6,
        value: 'spiffe://corp.example/w',
      });
      expect(decodeGeneralNames(encoded)).toEqual(san);
    });
  });

  describe('unsupported GeneralName kinds', () => {
    const { Class, Type } = forge.asn1;
    const kinds: [string, forge.asn1.Asn1][] = [
      ['otherName', forge.asn1.create(Class.CONTEXT_SPECIFIC, 0, true, [])],
      ['x400Address', forge.asn1.create(Class.CONTEXT_SPECIFIC, 3, true, [])],
      ['directoryName', forge.asn1.create(Class.CONTEXT_SPECIFIC, 4, true, [])],
      ['ediPartyName', forge.asn1.create(Class.CONTEXT_SPECIFIC, 5, true, [])],
      ['registeredID', forge.asn1.create(Class.CONTEXT_SPECIFIC, 8, false, '\x2a\x03')],
    ];
    it.each(kinds)('refuses %s when asked to, and skips it otherwise', (kind, name) => {
      const names = forge.asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, [
        forge.asn1.create(Class.CONTEXT_SPECIFIC, 2, false, 'a.example'),
        name,
      ]);
      expect(() => decodeGeneralNames(names, { refuseUnsupportedAs: 'CSR' })).toThrow(
        new InvalidInputError(`CSR SAN of type ${kind} is not supported`),
      );
      expect(decodeGeneralNames(names).dns).toEqual(['a.example']);
    });
  });

  it('gives an IP address its canonical text by its bytes', () => {
    expect(canonicalIp('2001:0db8::0001')).toBe('2001:db8::1');
    expect(canonicalIp('2001:DB8:0:0:0:0:0:1')).toBe('2001:db8::1');
    expect(canonicalIp('10.0.0.1')).toBe('10.0.0.1');
  });
});
