import { InvalidInputError } from '../../common/errors';
import type { SubjectAltNames } from '../../crypto/crypto.types';
import { approveIssuance, PROFILE_RULES } from '../issuance-pipeline';
import type { IssuanceTemplate } from '../issuance-template';
import { context, issuingCa, NOW, profilePolicy, template } from '../testing';
import {
  profileAllowsKey,
  profileAllowsType,
  profileDnsNames,
  profileEmailAddresses,
  profileIpAddresses,
  profileMaxValidity,
  profileSubject,
  profileUris,
} from './profile.rules';

function san(names: Partial<SubjectAltNames>): SubjectAltNames {
  return { dns: [], ip: [], email: [], uri: [], ...names };
}

const underProfile = (overrides: Parameters<typeof profilePolicy>[0]) =>
  context({ profile: profilePolicy(overrides) });

describe('profile rules without a profile', () => {
  it('are every one a no-op', () => {
    const anything: IssuanceTemplate = template({
      subject: [
        { type: 'O', value: 'Some Other Company Inc' },
        { type: 'DC', value: 'corp' },
        { type: 'CN', value: '*.evil.example' },
      ],
      san: san({ dns: ['*.evil.example'], ip: ['10.0.0.1'], email: ['x@evil.example'], uri: ['https://x'] }),
      certificateType: 'dual_purpose',
      keySpec: { type: 'rsa', size: 2048 },
      validDays: 36500,
    });
    for (const rule of PROFILE_RULES) expect(rule(anything, context())).toBe(anything);
  });
});

describe('profileAllowsType', () => {
  it('allows a listed type, and any type when none is listed', () => {
    const given = template({ certificateType: 'client' });
    expect(profileAllowsType(given, underProfile({ certificateTypes: ['server', 'client'] }))).toBe(given);
    expect(profileAllowsType(given, underProfile({ certificateTypes: [] }))).toBe(given);
  });

  it('refuses another, naming it and the allowed ones', () => {
    expect(() =>
      profileAllowsType(
        template({ certificateType: 'dual_purpose' }),
        underProfile({ certificateTypes: ['server', 'client'] }),
      ),
    ).toThrow(
      new InvalidInputError(
        'certificate_type "dual_purpose" is not allowed by profile "web" (allowed: server, client)',
      ),
    );
  });
});

describe('profileAllowsKey', () => {
  it('allows a listed key type and an RSA key of at least min_rsa_bits', () => {
    const rsa = template({ keySpec: { type: 'rsa', size: 3072 } });
    const profile = underProfile({ keyTypes: ['rsa', 'ec'], minRsaBits: 3072 });
    expect(profileAllowsKey(rsa, profile)).toBe(rsa);
    expect(profileAllowsKey(template(), profile).keySpec.type).toBe('ec');
    expect(
      profileAllowsKey(template({ keySpec: { type: 'ed25519', size: 256 } }), underProfile({})),
    ).toBeTruthy();
  });

  it('refuses a key type not listed', () => {
    expect(() =>
      profileAllowsKey(
        template({ keySpec: { type: 'rsa', size: 4096 } }),
        underProfile({ keyTypes: ['ec'] }),
      ),
    ).toThrow(new InvalidInputError('key_type "rsa" is not allowed by profile "web" (allowed: ec)'));
  });

  it('refuses an RSA key below min_rsa_bits, and does not apply it to EC keys', () => {
    expect(() =>
      profileAllowsKey(
        template({ keySpec: { type: 'rsa', size: 2048 } }),
        underProfile({ minRsaBits: 3072 }),
      ),
    ).toThrow(
      new InvalidInputError(
        'key_size "2048" is not allowed by profile "web" (allowed: at least 3072 bits for RSA)',
      ),
    );
    expect(profileAllowsKey(template(), underProfile({ minRsaBits: 4096 })).keySpec.size).toBe(256);
  });
});

describe('profileSubject', () => {
  it('allows the Common Name by default', () => {
    const given = template();
    expect(profileSubject(given, underProfile({}))).toBe(given);
  });

  it('refuses attributes outside allowed_subject_attributes, naming each once', () => {
    const request = template({
      subject: [
        { type: 'O', value: 'Some Other Company Inc' },
        { type: 'DC', value: 'corp' },
        { type: 'dc', value: 'example' },
        { type: '2.5.4.15', value: 'x' },
        { type: 'UID', value: 'u1' },
        { type: 'CN', value: 'web.example' },
      ],
    });
    // businessCategory (from a CSR) has no short name here: it is named by its OID.
    expect(() => profileSubject(request, underProfile({}))).toThrow(
      /^subject "O, DC, 2\.5\.4\.15, UID" is not allowed by profile "web" \(allowed: CN\)$/,
    );
  });

  it('compares attribute names by their canonical spelling', () => {
    const request = template({
      subject: [
        { type: 'E', value: 'a@b.example' },
        { type: 'cn', value: 'web.example' },
      ],
    });
    expect(profileSubject(request, underProfile({ allowedSubjectAttributes: ['CN', 'emailAddress'] }))).toBe(
      request,
    );
    expect(() => profileSubject(request, underProfile({}))).toThrow(
      'subject "emailAddress" is not allowed by profile "web" (allowed: CN)',
    );
  });

  it("writes the fixed values over the request's, most significant first", () => {
    const request = template({
      subject: [
        { type: 'O', value: 'Some Other Company Inc' },
        { type: 'CN', value: 'web.example' },
      ],
    });
    const result = profileSubject(
      request,
      underProfile({ fixedSubject: { O: 'Acme', C: 'US', OU: 'Platform' } }),
    );
    expect(result.subject).toEqual([
      { type: 'C', value: 'US' },
      { type: 'O', value: 'Acme' },
      { type: 'OU', value: 'Platform' },
      { type: 'CN', value: 'web.example' },
    ]);
  });

  it('keeps a multi-valued RDN whole when one of its attributes is replaced', () => {
    const request = template({
      subject: [
        { type: 'O', value: 'Mine' },
        { type: 'CN', value: 'web.example', sameRdnAsPrevious: true },
        { type: 'OU', value: 'a' },
        { type: 'OU', value: 'b', sameRdnAsPrevious: true },
      ],
    });
    const result = profileSubject(
      request,
      underProfile({ allowedSubjectAttributes: ['CN', 'OU'], fixedSubject: { O: 'Acme' } }),
    );
    expect(result.subject).toEqual([
      { type: 'O', value: 'Acme' },
      { type: 'CN', value: 'web.example' },
      { type: 'OU', value: 'a' },
      { type: 'OU', value: 'b', sameRdnAsPrevious: true },
    ]);
  });

  it('refuses a fixed value that is not of its syntax', () => {
    expect(() => profileSubject(template(), underProfile({ fixedSubject: { C: 'USA' } }))).toThrow(
      InvalidInputError,
    );
  });
});

describe('profileDnsNames', () => {
  const profile = underProfile({ allowedDns: ['*.svc.internal', 'api.example'] });

  it('allows exact names and any depth below a *.x pattern', () => {
    const given = template({ san: san({ dns: ['api.example', 'a.svc.internal', 'a.b.svc.internal'] }) });
    expect(profileDnsNames(given, profile)).toBe(given);
    expect(profileDnsNames(given, underProfile({ allowedDns: null }))).toBe(given);
  });

  it('refuses a name matching no pattern, by its index, and the apex of *.x', () => {
    expect(() =>
      profileDnsNames(
        template({ san: san({ dns: ['a.svc.internal', 'evil.example'] }) }),
        underProfile({ allowedDns: ['*.svc.internal'] }),
      ),
    ).toThrow(
      new InvalidInputError(
        'san_dns_names[1] "evil.example" is not allowed by profile "web" (allowed: *.svc.internal)',
      ),
    );
    expect(() => profileDnsNames(template({ san: san({ dns: ['svc.internal'] }) }), profile)).toThrow(
      'san_dns_names[0] "svc.internal" is not allowed by profile "web" (allowed: *.svc.internal, api.example)',
    );
  });

  it('refuses every DNS name when allowed_dns is empty', () => {
    expect(() =>
      profileDnsNames(template({ san: san({ dns: ['a.example'] }) }), underProfile({ allowedDns: [] })),
    ).toThrow('san_dns_names[0] "a.example" is not allowed by profile "web" (allowed: none)');
  });

  it('refuses a wildcard unless allow_wildcard_certificates, and then it must match a pattern', () => {
    const wildcard = template({ san: san({ dns: ['*.a.svc.internal'] }) });
    expect(() => profileDnsNames(wildcard, profile)).toThrow(
      'san_dns_names[0] "*.a.svc.internal" is not allowed by profile "web" (allowed: no wildcard certificates (allow_wildcard_certificates is false))',
    );
    const allowing = underProfile({ allowedDns: ['*.svc.internal'], allowWildcardCertificates: true });
    expect(profileDnsNames(wildcard, allowing)).toBe(wildcard);
    expect(() => profileDnsNames(template({ san: san({ dns: ['*.internal'] }) }), allowing)).toThrow(
      'san_dns_names[0] "*.internal" is not allowed by profile "web" (allowed: *.svc.internal)',
    );
    expect(() =>
      profileDnsNames(
        template({ san: san({ dns: ['*.corp.example'] }) }),
        underProfile({ allowWildcardCertificates: false }),
      ),
    ).toThrow('allow_wildcard_certificates is false');
  });
});

describe('profileIpAddresses', () => {
  const profile = underProfile({ allowedIpRanges: ['10.0.0.0/8', '2001:db8::/32'] });

  it('allows addresses inside the ranges, v4, v6 and v4-mapped', () => {
    const given = template({ san: san({ ip: ['10.1.2.3', '2001:db8::7', '::ffff:10.9.9.9'] }) });
    expect(profileIpAddresses(given, profile)).toBe(given);
  });

  it('refuses an address outside, by its index', () => {
    expect(() =>
      profileIpAddresses(template({ san: san({ ip: ['10.0.0.1', '192.168.0.1'] }) }), profile),
    ).toThrow(
      new InvalidInputError(
        'san_ip_addresses[1] "192.168.0.1" is not allowed by profile "web" (allowed: 10.0.0.0/8, 2001:db8::/32)',
      ),
    );
    expect(() => profileIpAddresses(template({ san: san({ ip: ['2001:db9::1'] }) }), profile)).toThrow(
      'san_ip_addresses[0] "2001:db9::1" is not allowed',
    );
    expect(() =>
      profileIpAddresses(template({ san: san({ ip: ['10.0.0.1'] }) }), underProfile({ allowedIpRanges: [] })),
    ).toThrow('(allowed: none)');
  });
});

describe('profileEmailAddresses', () => {
  const profile = underProfile({ allowedEmails: ['*@corp.example', 'ops@partner.example'] });

  it('allows *@domain (domain case-insensitively) and exact mailboxes', () => {
    const given = template({
      certificateType: 'client',
      san: san({ email: ['alice@CORP.example', 'ops@partner.example'], uri: [] }),
    });
    expect(profileEmailAddresses(given, profile)).toBe(given);
  });

  it('refuses another mailbox, by its index', () => {
    expect(() =>
      profileEmailAddresses(
        template({
          certificateType: 'client',
          san: san({ email: ['alice@corp.example', 'bob@partner.example'], uri: [] }),
        }),
        profile,
      ),
    ).toThrow(
      new InvalidInputError(
        'san_email_addresses[1] "bob@partner.example" is not allowed by profile "web" (allowed: *@corp.example, ops@partner.example)',
      ),
    );
  });
});

describe('profileUris', () => {
  const profile = underProfile({ allowedUris: ['spiffe://corp/ns/*'] });

  it('allows URIs matching a glob', () => {
    const given = template({ san: san({ uri: ['spiffe://corp/ns/web/sa/api'] }) });
    expect(profileUris(given, profile)).toBe(given);
  });

  it('refuses another URI, by its index', () => {
    expect(() =>
      profileUris(template({ san: san({ uri: ['spiffe://corp/ns/a', 'spiffe://other/ns/a'] }) }), profile),
    ).toThrow(
      new InvalidInputError(
        'san_uris[1] "spiffe://other/ns/a" is not allowed by profile "web" (allowed: spiffe://corp/ns/*)',
      ),
    );
  });
});

describe('profileMaxValidity', () => {
  it('allows valid_days up to the maximum, and an unasked one', () => {
    const profile = underProfile({ maxValidityDays: 90 });
    expect(profileMaxValidity(template({ validDays: 90 }), profile).validDays).toBe(90);
    expect(profileMaxValidity(template({ validDays: null }), profile).validDays).toBeNull();
  });

  it('refuses more, naming both', () => {
    expect(() =>
      profileMaxValidity(template({ validDays: 400 }), underProfile({ maxValidityDays: 90 })),
    ).toThrow(
      new InvalidInputError('valid_days "400" is not allowed by profile "web" (allowed: at most 90 days)'),
    );
  });
});

describe('profile rules through approveIssuance', () => {
  it('checks the Common Name defaulted into the SANs', () => {
    expect(() =>
      approveIssuance(
        template({ subject: [{ type: 'CN', value: 'evil.example' }] }),
        underProfile({ allowedDns: ['*.svc.internal'] }),
      ),
    ).toThrow('san_dns_names[0] "evil.example" is not allowed by profile "web" (allowed: *.svc.internal)');
  });

  it('indexes refusals after de-duplication', () => {
    expect(() =>
      approveIssuance(
        template({ san: san({ dns: ['A.svc.internal', 'a.svc.internal', 'evil.example'] }) }),
        underProfile({ allowedDns: ['*.svc.internal'] }),
      ),
    ).toThrow('san_dns_names[1] "evil.example"');
  });

  it('approves an allowed certificate with the fixed subject, the default lifetime and a backdated start', () => {
    const approved = approveIssuance(
      template({
        subject: [{ type: 'CN', value: 'api.svc.internal' }],
        san: san({ ip: ['10.0.0.5'] }),
        validDays: null,
      }),
      underProfile({
        certificateTypes: ['server'],
        keyTypes: ['ec'],
        allowedDns: ['*.svc.internal'],
        allowedIpRanges: ['10.0.0.0/8'],
        fixedSubject: { O: 'Acme' },
        defaultValidityDays: 7,
        maxValidityDays: 30,
        backdateSeconds: 120,
      }),
    );
    expect(approved.subject).toEqual([
      { type: 'O', value: 'Acme' },
      { type: 'CN', value: 'api.svc.internal' },
    ]);
    expect(approved.san).toEqual({ dns: ['api.svc.internal'], ip: ['10.0.0.5'], email: [], uri: [] });
    expect(approved.validDays).toBe(7);
    expect(approved.validity).toEqual({
      notBefore: new Date('2029-12-31T23:58:00.000Z'),
      notAfter: new Date('2030-01-08T00:00:00.000Z'),
      clamped: false,
    });
  });

  it('caps the service default at max_validity_days when neither the request nor the profile names one', () => {
    const approved = approveIssuance(
      template({ validDays: null }),
      context({ defaultValidDays: 365, profile: profilePolicy({ maxValidityDays: 30 }) }),
    );
    expect(approved.validDays).toBe(30);
  });

  it('refuses by the first rule that fails: type before names before lifetime', () => {
    expect(() =>
      approveIssuance(
        template({
          certificateType: 'client',
          subject: [{ type: 'CN', value: 'alice@evil.example' }],
          validDays: 999,
        }),
        underProfile({ certificateTypes: ['server'], allowedEmails: [], maxValidityDays: 30 }),
      ),
    ).toThrow('certificate_type "client"');
  });

  it("clamps to the issuer's notAfter by default, refuses with issuer_lifetime refuse", () => {
    const issuer = issuingCa({ notAfter: new Date(NOW.getTime() + 10 * 86_400_000) });
    const clamped = approveIssuance(
      template({ validDays: 30 }),
      context({ issuer, profile: profilePolicy() }),
    );
    expect(clamped.validity.clamped).toBe(true);
    expect(() =>
      approveIssuance(
        template({ validDays: 30 }),
        context({ issuer, profile: profilePolicy({ issuerLifetime: 'refuse' }) }),
      ),
    ).toThrow(
      new InvalidInputError(
        `valid_days "30" is not allowed by profile "web" (allowed: until the issuer's notAfter 2030-01-11T00:00:00.500Z; issuer_lifetime is refuse)`,
      ),
    );
  });

  it('refuses an RSA exponent other than 65537 with a profile as without', () => {
    const e3 = template({ keySpec: { type: 'rsa', size: 2048, rsaPublicExponent: 3 } });
    expect(() => approveIssuance(e3, context())).toThrow('RSA public exponent 3 is not allowed');
    expect(() => approveIssuance(e3, underProfile({}))).toThrow('RSA public exponent 3 is not allowed');
  });
});
