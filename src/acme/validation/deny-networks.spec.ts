import { DenyNetworks, unmapIpv4 } from './deny-networks';

describe('DenyNetworks', () => {
  const deny = DenyNetworks.of(['169.254.0.0/16', 'fe80::/10', '10.1.2.3']);

  it('names the network an IPv4 or IPv6 address is in', () => {
    expect(deny.networkOf('169.254.169.254')).toBe('169.254.0.0/16');
    expect(deny.networkOf('fe80::1')).toBe('fe80::/10');
    expect(deny.networkOf('10.1.2.3')).toBe('10.1.2.3/32');
  });

  it('lets other addresses through', () => {
    expect(deny.networkOf('127.0.0.1')).toBeNull();
    expect(deny.networkOf('10.1.2.4')).toBeNull();
    expect(deny.networkOf('::1')).toBeNull();
  });

  it('treats an IPv4-mapped IPv6 address as its IPv4 address', () => {
    expect(deny.networkOf('::ffff:169.254.169.254')).toBe('169.254.0.0/16');
    expect(deny.networkOf('::ffff:a9fe:a9fe')).toBe('169.254.0.0/16');
    expect(unmapIpv4('::ffff:a9fe:a9fe')).toBe('169.254.169.254');
    expect(unmapIpv4('2001:db8::1')).toBe('2001:db8::1');
  });

  it('refuses what is not a network, naming it', () => {
    expect(() => DenyNetworks.of(['10.0.0.0/33'])).toThrow('invalid prefix length');
    expect(() => DenyNetworks.of(['example.com/8'])).toThrow('is not an IP address or CIDR range');
    expect(DenyNetworks.of(['fd00:ec2::254']).networkOf('fd00:ec2::254')).toBe('fd00:ec2::254/128');
  });
});
