import { InvalidInputError } from '../common/errors';
import { bytesToIp, ipToBytes, validateDnsName, validateEmail } from './general-names';

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
});
