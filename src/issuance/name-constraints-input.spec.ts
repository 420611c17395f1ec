import { nameConstraintsBody, parseNameConstraints } from './name-constraints-input';

describe('name_constraints input', () => {
  it('normalises every form and drops duplicates', () => {
    const parsed = parseNameConstraints({
      permitted: {
        dns: ['Corp.Example', '.svc.example', 'corp.example'],
        ip_ranges: ['10.0.0.0/8', '2001:0DB8::/32', '192.168.1.7'],
        emails: ['Alice@Mail.Example', 'corp.example', '.corp.example'],
        uris: ['.Spiffe.Example'],
      },
      excluded: { dns: ['secret.corp.example'] },
    });
    expect(parsed).toEqual({
      permitted: {
        dns: ['corp.example', '.svc.example'],
        ipRanges: ['10.0.0.0/8', '2001:db8::/32', '192.168.1.7/32'],
        emails: ['Alice@mail.example', 'corp.example', '.corp.example'],
        uris: ['.spiffe.example'],
      },
      excluded: { dns: ['secret.corp.example'], ipRanges: [], emails: [], uris: [] },
    });
    expect(nameConstraintsBody(parsed)?.permitted.ip_ranges).toEqual([
      '10.0.0.0/8',
      '2001:db8::/32',
      '192.168.1.7/32',
    ]);
    expect(parseNameConstraints(null)).toBeNull();
    expect(nameConstraintsBody(null)).toBeNull();
  });

  it.each([
    [
      { permitted: { dns: ['*.corp.example'] } },
      'name_constraints.permitted.dns[0] "*.corp.example" is not a DNS name',
    ],
    [
      { permitted: { dns: ['ok.example', 'bad_name.example'] } },
      'name_constraints.permitted.dns[1] "bad_name.example"',
    ],
    [{ permitted: { dns: ['..corp.example'] } }, 'name_constraints.permitted.dns[0]'],
    [
      { excluded: { ip_ranges: ['10.0.0.1/8'] } },
      'name_constraints.excluded.ip_ranges[0] "10.0.0.1/8" is not an IPv4 or IPv6 range',
    ],
    [{ permitted: { ip_ranges: ['10.0.0.0/33'] } }, 'ip_ranges[0] "10.0.0.0/33"'],
    [{ permitted: { ip_ranges: ['2001:db8::/129'] } }, 'ip_ranges[0] "2001:db8::/129"'],
    [{ permitted: { ip_ranges: ['corp.example'] } }, 'ip_ranges[0] "corp.example"'],
    [{ permitted: { emails: ['a@b@c.example'] } }, 'emails[0] "a@b@c.example" is not a mailbox'],
    [{ permitted: { emails: ['@corp.example'] } }, 'emails[0] "@corp.example"'],
    [{ permitted: { uris: ['spiffe://corp.example'] } }, 'uris[0] "spiffe://corp.example" is not a host'],
    [{}, 'name_constraints needs at least one permitted or excluded subtree'],
    [{ permitted: {}, excluded: { dns: [] } }, 'name_constraints needs at least one'],
  ])('refuses %j', (body, message) => {
    expect(() => parseNameConstraints(body)).toThrow(message);
  });
});
