import { InvalidInputError } from '../../common/errors';
import type { CertificateType, SubjectAltNames } from '../../crypto/crypto.types';
import { context, profilePolicy, template } from '../testing';
import {
  defaultSansFromCommonName,
  dnsNamesAsALabels,
  sanCount,
  sansDeduplicated,
  sanSyntax,
  sanTypesForType,
  serverNeedsName,
  subjectIsWellFormed,
  withCommonName,
  withDefaultSans,
} from './name.rules';

const none = { dns: [], ip: [], email: [], uri: [] };
const withSans = (certificateType: CertificateType, san: SubjectAltNames) =>
  template({ certificateType, san });

describe('name rules', () => {
  describe('sanTypesForType', () => {
    it('refuses email SANs on server certificates', () => {
      expect(() => sanTypesForType(withSans('server', { ...none, email: ['a@b.c'] }), context())).toThrow(
        InvalidInputError,
      );
    });

    it('refuses DNS and IP SANs on client certificates', () => {
      expect(() => sanTypesForType(withSans('client', { ...none, dns: ['a.b'] }), context())).toThrow(
        'Client certificates',
      );
      expect(() => sanTypesForType(withSans('client', { ...none, ip: ['10.0.0.1'] }), context())).toThrow(
        'Client certificates',
      );
    });

    it('accepts every SAN type on dual-purpose certificates and none on CA certificates', () => {
      const all = { dns: ['a.b'], ip: ['::1'], email: ['a@b.c'], uri: ['spiffe://a.b/w'] };
      expect(() => sanTypesForType(withSans('dual_purpose', all), context())).not.toThrow();
      expect(() => sanTypesForType(withSans('ca', { ...none, dns: ['a.b'] }), context())).toThrow(
        'CA certificates',
      );
    });
  });

  describe('sanCount', () => {
    it('allows up to MAX_SANS_PER_CERTIFICATE over all types together and refuses one more', () => {
      const san = { dns: ['a.example', 'b.example'], ip: ['10.0.0.1'], email: ['x@example.com'], uri: [] };
      expect(() => sanCount(withSans('dual_purpose', san), context({ maxSans: 4 }))).not.toThrow();
      expect(() => sanCount(withSans('dual_purpose', san), context({ maxSans: 3 }))).toThrow(
        new InvalidInputError(
          'The certificate would carry 4 subject alternative names; at most 3 are allowed',
        ),
      );
    });
  });

  describe('serverNeedsName', () => {
    it('refuses server and dual-purpose certificates without a DNS or IP SAN', () => {
      expect(() => serverNeedsName(withSans('server', none), context())).toThrow('needs a DNS or IP name');
      expect(() =>
        serverNeedsName(withSans('dual_purpose', { ...none, email: ['a@b.c'] }), context()),
      ).toThrow('needs a DNS or IP name');
    });

    it('accepts a DNS or an IP SAN, and clients and CAs without any', () => {
      expect(() =>
        serverNeedsName(withSans('server', { ...none, ip: ['10.0.0.1'] }), context()),
      ).not.toThrow();
      expect(() =>
        serverNeedsName(withSans('dual_purpose', { ...none, dns: ['a.b'] }), context()),
      ).not.toThrow();
      expect(() => serverNeedsName(withSans('client', none), context())).not.toThrow();
      expect(() => serverNeedsName(withSans('ca', none), context())).not.toThrow();
    });
  });

  describe('defaultSansFromCommonName', () => {
    it('adds the common name as a DNS SAN to server certificates without DNS SANs', () => {
      expect(withDefaultSans('server', 'web.example', none).dns).toEqual(['web.example']);
      expect(withDefaultSans('server', 'web.example', { ...none, dns: ['other.example'] }).dns).toEqual([
        'other.example',
      ]);
      expect(defaultSansFromCommonName(template(), context()).san.dns).toEqual(['web.example']);
    });

    it('adds an IP common name as an IP SAN', () => {
      expect(withDefaultSans('dual_purpose', '10.1.2.3', none)).toEqual({
        dns: [],
        ip: ['10.1.2.3'],
        email: [],
        uri: [],
      });
    });

    it('adds an email common name to client certificates only, and nothing to CA certificates', () => {
      expect(withDefaultSans('client', 'ann@example.com', none).email).toEqual(['ann@example.com']);
      expect(withDefaultSans('client', 'ann', none).email).toEqual([]);
      expect(defaultSansFromCommonName(template({ certificateType: 'ca' }), context()).san).toEqual(none);
    });
  });

  it('sansDeduplicated writes each name once, DNS names in lower case', () => {
    const san = {
      dns: ['A.example', 'a.example'],
      ip: ['10.0.0.1', '10.0.0.1'],
      email: ['x@y.z', 'x@y.z'],
      uri: [],
    };
    expect(sansDeduplicated(withSans('dual_purpose', san), context()).san).toEqual({
      dns: ['a.example'],
      ip: ['10.0.0.1'],
      email: ['x@y.z'],
      uri: [],
    });
  });

  it('sansDeduplicated compares mailboxes by their local part exactly and their domain case-insensitively', () => {
    const emails = (email: string[], profile = context().profile) =>
      sansDeduplicated(withSans('client', { ...none, email }), context({ profile })).san.email;
    // Without a profile the first spelling is kept as given.
    expect(emails(['alice@Corp.example', 'alice@CORP.Example', 'alice@corp.EXAMPLE'])).toEqual([
      'alice@Corp.example',
    ]);
    // Under a profile the domain is written in lower case.
    expect(emails(['alice@Corp.example', 'alice@corp.EXAMPLE'], profilePolicy())).toEqual([
      'alice@corp.example',
    ]);
    // The local part is case-sensitive (RFC 5280 4.2.1.6): two mailboxes.
    expect(emails(['Alice@Corp.Example', 'alice@corp.example'], profilePolicy())).toEqual([
      'Alice@corp.example',
      'alice@corp.example',
    ]);
    // The domain is what follows the last @ (a quoted local part may hold one).
    expect(emails(['"a@b"@Corp.Example', '"a@b"@corp.example'], profilePolicy())).toEqual([
      '"a@b"@corp.example',
    ]);
    // Text that is no mailbox is left as given, for sanSyntax to refuse.
    expect(emails(['Not-A-Mailbox'])).toEqual(['Not-A-Mailbox']);
  });

  it('sanSyntax checks DNS names, IP addresses and mailboxes', () => {
    const check = (san: SubjectAltNames) => () => sanSyntax(withSans('dual_purpose', san), context());
    expect(check({ ...none, dns: ['*.example.com', 'a-b.example'] })).not.toThrow();
    expect(check({ ...none, dns: ['bad_name!.example'] })).toThrow('not a valid DNS name');
    expect(check({ ...none, ip: ['300.1.1.1'] })).toThrow('not a valid IP address');
    expect(check({ ...none, email: ['nope'] })).toThrow('not a valid email address');
  });

  it('subjectIsWellFormed refuses an attribute value of the wrong syntax', () => {
    expect(() => subjectIsWellFormed(template(), context())).not.toThrow();
    expect(() =>
      subjectIsWellFormed(template({ subject: [{ type: 'C', value: 'USA' }] }), context()),
    ).toThrow(InvalidInputError);
  });

  it('subjectIsWellFormed refuses a second Common Name, in its own RDN or in a multi-valued one', () => {
    const two = [
      { type: 'CN', value: 'evil.example.net' },
      { type: 'CN', value: 'www.example.com' },
    ];
    expect(() => subjectIsWellFormed(template({ subject: two }), context())).toThrow(
      'The subject has 2 Common Names (CN); a certificate may have one',
    );
    const multiValued = [two[0], { ...two[1], sameRdnAsPrevious: true }];
    expect(() => subjectIsWellFormed(template({ subject: multiValued }), context())).toThrow(
      '2 Common Names',
    );
  });

  it('replaces the common name as one typed attribute', () => {
    const subject = withCommonName(
      [
        { type: 'O', value: 'Acme' },
        { type: 'CN', value: 'old' },
      ],
      'new,O=Evil',
    );
    expect(subject).toEqual([
      { type: 'O', value: 'Acme' },
      { type: 'CN', value: 'new,O=Evil' },
    ]);
  });

  describe('names done properly', () => {
    const profile = profilePolicy({ id: 1 });
    const underProfile = context({ profile });
    const named = (certificateType: CertificateType, cn: string, san: Partial<SubjectAltNames> = {}) =>
      template({
        certificateType,
        subject: [
          { type: 'O', value: 'Acme' },
          { type: 'CN', value: cn },
        ],
        san: { ...none, ...san },
      });

    it('writes a mailbox CN once beside the same email SAN whose domain is in another case', () => {
      const mail = named('client', 'bob@Corp.Example', { email: ['bob@corp.example'] });
      const withCn = defaultSansFromCommonName(mail, underProfile);
      expect(sansDeduplicated(withCn, underProfile).san.email).toEqual(['bob@corp.example']);
    });

    it('keeps the contract without a profile: SANs given beside a CN not among them are kept as asked', () => {
      const result = defaultSansFromCommonName(
        named('server', 'named.example', { dns: ['a.example'] }),
        context(),
      );
      expect(result.san.dns).toEqual(['a.example']);
      expect(defaultSansFromCommonName(named('client', 'alice'), context()).san).toEqual(none);
    });

    it('under a profile adds the CN to the SANs whatever else is given', () => {
      expect(
        defaultSansFromCommonName(named('server', 'named.example', { dns: ['a.example'] }), underProfile).san
          .dns,
      ).toEqual(['a.example', 'named.example']);
      expect(
        defaultSansFromCommonName(named('server', 'A.Example', { dns: ['a.example'] }), underProfile).san.dns,
      ).toEqual(['a.example']);
      expect(
        defaultSansFromCommonName(
          named('dual_purpose', '2001:0db8::1', { ip: ['2001:db8::1'] }),
          underProfile,
        ).san.ip,
      ).toEqual(['2001:db8::1']);
      expect(
        defaultSansFromCommonName(named('server', '10.0.0.1', { dns: ['a.example'] }), underProfile).san,
      ).toEqual({ ...none, dns: ['a.example'], ip: ['10.0.0.1'] });
      expect(
        defaultSansFromCommonName(
          named('client', 'a@corp.example', { email: ['b@corp.example'] }),
          underProfile,
        ).san.email,
      ).toEqual(['b@corp.example', 'a@corp.example']);
    });

    it.each<[CertificateType, string, string]>([
      ['server', 'My Server', 'a DNS name or an IP address for a server certificate'],
      ['server', 'alice@corp.example', 'a DNS name or an IP address for a server certificate'],
      ['client', 'alice', 'an email address for a client certificate'],
      ['dual_purpose', 'not a name!', 'a DNS name, an IP address or an email address'],
      ['server', 'xn--zz.example', 'a DNS name or an IP address'],
    ])('under a profile refuses a %s certificate whose CN %s cannot be a SAN', (type, cn, message) => {
      expect(() => defaultSansFromCommonName(named(type, cn), underProfile)).toThrow(
        `The Common Name "${cn}" must be one of the certificate's SANs, so it must be ${message}`,
      );
    });

    it('writes an IP CN in RFC 5952 text, the same as its IP SAN', () => {
      for (const ctx of [context(), underProfile]) {
        const result = defaultSansFromCommonName(
          named('server', '2001:0DB8::0001', { ip: ['2001:db8::1'] }),
          ctx,
        );
        expect(result.subject[1]).toEqual({ type: 'CN', value: '2001:db8::1' });
      }
    });

    it('writes a Unicode CN used as a DNS SAN as A-labels in the SAN and in the CN', () => {
      for (const ctx of [context(), underProfile]) {
        const result = defaultSansFromCommonName(named('server', 'bücher.example'), ctx);
        expect(result.san.dns).toEqual(['xn--bcher-kva.example']);
        expect(result.subject).toEqual([
          { type: 'O', value: 'Acme' },
          { type: 'CN', value: 'xn--bcher-kva.example' },
        ]);
      }
    });

    it('dnsNamesAsALabels converts Unicode DNS SANs and refuses invalid A-labels', () => {
      expect(
        dnsNamesAsALabels(withSans('server', { ...none, dns: ['*.bücher.example', 'a.example'] }), context())
          .san.dns,
      ).toEqual(['*.xn--bcher-kva.example', 'a.example']);
      expect(() =>
        dnsNamesAsALabels(withSans('server', { ...none, dns: ['xn--zz.example'] }), context()),
      ).toThrow('"xn--zz.example" is not a valid DNS name');
    });

    it('sansDeduplicated compares IP addresses by their bytes and writes them in RFC 5952 text', () => {
      const san = { ...none, ip: ['2001:db8::1', '2001:0db8::0001', '2001:DB8:0:0:0:0:0:1', '10.0.0.1'] };
      expect(sansDeduplicated(withSans('server', san), context()).san.ip).toEqual([
        '2001:db8::1',
        '10.0.0.1',
      ]);
    });

    it('sansDeduplicated writes each URI once; sanSyntax checks them; sanCount counts them', () => {
      const san = {
        ...none,
        dns: ['a.example'],
        uri: ['spiffe://corp.example/a', 'spiffe://corp.example/a'],
      };
      const deduplicated = sansDeduplicated(withSans('server', san), context());
      expect(deduplicated.san.uri).toEqual(['spiffe://corp.example/a']);
      expect(() => sanSyntax(deduplicated, context())).not.toThrow();
      expect(() => sanSyntax(withSans('client', { ...none, uri: ['not a uri'] }), context())).toThrow(
        'URI "not a uri"',
      );
      expect(() => sanCount(withSans('server', san), context({ maxSans: 2 }))).toThrow('would carry 3');
    });

    it('sanTypesForType allows URIs on every leaf type and none on CA certificates', () => {
      const uri = { ...none, uri: ['spiffe://corp.example/a'] };
      for (const type of ['server', 'client', 'dual_purpose'] as const) {
        expect(() => sanTypesForType(withSans(type, uri), context())).not.toThrow();
      }
      expect(() => sanTypesForType(withSans('ca', uri), context())).toThrow(
        'CA certificates cannot carry SANs',
      );
    });
  });
});
