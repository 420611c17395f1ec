import { InvalidInputError } from '../../common/errors';
import type { ChainConstraints, GeneralSubtrees } from '../name-constraints';
import { context, issuingCa, template } from '../testing';
import { constrainedNames, withinNameConstraints } from './constraint.rules';

function trees(partial: Partial<GeneralSubtrees> = {}): GeneralSubtrees {
  return { dns: [], ipRanges: [], emails: [], uris: [], ...partial };
}
function ca(
  caName: string,
  permitted: Partial<GeneralSubtrees>,
  excluded: Partial<GeneralSubtrees> = {},
): ChainConstraints {
  return { caName, constraints: { permitted: trees(permitted), excluded: trees(excluded) } };
}

const CORP = ca(
  'Corp Root',
  { dns: ['.corp.example'], ipRanges: ['10.0.0.0/8', 'fd00::/8'], emails: ['corp.example'] },
  { dns: ['secret.corp.example'] },
);
const under = (...chain: ChainConstraints[]) => context({ issuer: issuingCa({ nameConstraints: chain }) });

function refusal(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    if (error instanceof InvalidInputError) return error.message;
    throw error;
  }
  return 'accepted';
}

describe('withinNameConstraints', () => {
  it('is a no-op without constraints in the chain (and for a root)', () => {
    const t = template({ san: { dns: ['anything.test'], ip: [], email: [], uri: [] } });
    expect(withinNameConstraints(t, context())).toBe(t);
    expect(withinNameConstraints(t, context({ issuer: null }))).toBe(t);
  });

  it('accepts names inside every CA of the chain', () => {
    const t = template({
      subject: [{ type: 'CN', value: 'web.corp.example' }],
      san: { dns: ['web.corp.example', 'a.b.corp.example'], ip: ['10.1.2.3', 'fd00::1'], email: [], uri: [] },
    });
    expect(withinNameConstraints(t, under(CORP))).toBe(t);
  });

  it('refuses a DNS SAN outside the permitted subtrees with the message of DESIGN16', () => {
    const t = template({
      subject: [{ type: 'CN', value: 'web.corp.example' }],
      san: { dns: ['web.other.test'], ip: [], email: [], uri: [] },
    });
    expect(refusal(() => withinNameConstraints(t, under(ca('Corp', { dns: ['.corp.example'] }))))).toBe(
      'san_dns_names[0] "web.other.test" is outside the name constraints of CA "Corp" (permitted: .corp.example)',
    );
  });

  it('refuses excluded names, wildcards that cover one, and IPs outside or of the other family', () => {
    const dns = (names: string[]) =>
      template({ subject: [], san: { dns: names, ip: [], email: [], uri: [] } });
    expect(
      refusal(() => withinNameConstraints(dns(['ok.corp.example', 'secret.corp.example']), under(CORP))),
    ).toBe(
      'san_dns_names[1] "secret.corp.example" is outside the name constraints of CA "Corp Root" (excluded: secret.corp.example)',
    );
    expect(refusal(() => withinNameConstraints(dns(['*.corp.example']), under(CORP)))).toMatch(
      /excluded: secret\.corp\.example/,
    );
    const ip = (addresses: string[]) =>
      template({ subject: [], san: { dns: ['a.corp.example'], ip: addresses, email: [], uri: [] } });
    expect(refusal(() => withinNameConstraints(ip(['192.168.0.1']), under(CORP)))).toBe(
      'san_ip_addresses[0] "192.168.0.1" is outside the name constraints of CA "Corp Root" (permitted: 10.0.0.0/8, fd00::/8)',
    );
    expect(refusal(() => withinNameConstraints(ip(['2001:db8::1']), under(CORP)))).toMatch(
      /^san_ip_addresses\[0\] "2001:db8::1"/,
    );
  });

  it('checks every CA of the chain, nearest first, and names the one that refuses', () => {
    const near = ca('Issuing', { dns: ['.eu.corp.example', '.us.other.test'] });
    const t = template({ subject: [], san: { dns: ['web.us.other.test'], ip: [], email: [], uri: [] } });
    expect(refusal(() => withinNameConstraints(t, under(near, CORP)))).toBe(
      'san_dns_names[0] "web.us.other.test" is outside the name constraints of CA "Corp Root" (permitted: .corp.example)',
    );
  });

  it('leaves name forms a CA does not constrain alone', () => {
    const t = template({
      certificateType: 'client',
      subject: [{ type: 'CN', value: 'alice' }],
      san: { dns: [], ip: [], email: ['alice@anywhere.test'], uri: [] },
    });
    expect(withinNameConstraints(t, under(ca('DNS only', { dns: ['corp.example'] })))).toBe(t);
    expect(refusal(() => withinNameConstraints(t, under(CORP)))).toBe(
      'san_email_addresses[0] "alice@anywhere.test" is outside the name constraints of CA "Corp Root" (permitted: corp.example)',
    );
  });

  it('checks URI SANs by host when the template carries them', () => {
    const t = template({
      subject: [],
      san: { dns: ['a.corp.example'], ip: [], email: [], uri: ['spiffe://other.test/ns/x'] } as never,
    });
    expect(refusal(() => withinNameConstraints(t, under(ca('SPIFFE', { uris: ['.corp.example'] }))))).toBe(
      'san_uris[0] "spiffe://other.test/ns/x" is outside the name constraints of CA "SPIFFE" (permitted: .corp.example)',
    );
  });

  it('counts the Common Name when it reads as a name, and the subject emailAddress', () => {
    const cnOutside = template({
      subject: [{ type: 'CN', value: 'web.other.test' }],
      san: { dns: ['web.corp.example'], ip: [], email: [], uri: [] },
    });
    expect(refusal(() => withinNameConstraints(cnOutside, under(CORP)))).toBe(
      'common_name "web.other.test" is outside the name constraints of CA "Corp Root" (permitted: .corp.example)',
    );
    const plainCn = template({
      subject: [{ type: 'CN', value: 'My Service' }],
      san: { dns: ['web.corp.example'], ip: [], email: [], uri: [] },
    });
    expect(withinNameConstraints(plainCn, under(CORP))).toBe(plainCn);
    const mail = template({
      subject: [
        { type: 'CN', value: 'x' },
        { type: 'emailAddress', value: 'x@other.test' },
      ],
      san: { dns: ['web.corp.example'], ip: [], email: [], uri: [] },
    });
    expect(refusal(() => withinNameConstraints(mail, under(CORP)))).toMatch(
      /^subject emailAddress "x@other\.test"/,
    );
    const caCert = template({ certificateType: 'ca', subject: [{ type: 'CN', value: 'ca.other.test' }] });
    expect(constrainedNames(caCert)).toEqual([]);
  });
});
