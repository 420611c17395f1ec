import { InvalidInputError } from '../../common/errors';
import type { CertificateType, SubjectAltNames } from '../../crypto/crypto.types';
import { context, template } from '../testing';
import {
  defaultSansFromCommonName,
  sanCount,
  sansDeduplicated,
  sanSyntax,
  sanTypesForType,
  serverNeedsName,
  subjectIsWellFormed,
  withCommonName,
  withDefaultSans,
} from './name.rules';

const none = { dns: [], ip: [], email: [] };
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
      const all = { dns: ['a.b'], ip: ['::1'], email: ['a@b.c'] };
      expect(() => sanTypesForType(withSans('dual_purpose', all), context())).not.toThrow();
      expect(() => sanTypesForType(withSans('ca', { ...none, dns: ['a.b'] }), context())).toThrow(
        'CA certificates',
      );
    });
  });

  describe('sanCount', () => {
    it('allows up to MAX_SANS_PER_CERTIFICATE over all types together and refuses one more', () => {
      const san = { dns: ['a.example', 'b.example'], ip: ['10.0.0.1'], email: ['x@example.com'] };
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
      });
    });

    it('adds an email common name to client certificates only, and nothing to CA certificates', () => {
      expect(withDefaultSans('client', 'ann@example.com', none).email).toEqual(['ann@example.com']);
      expect(withDefaultSans('client', 'ann', none).email).toEqual([]);
      expect(defaultSansFromCommonName(template({ certificateType: 'ca' }), context()).san).toEqual(none);
    });
  });

  it('sansDeduplicated writes each name once, DNS names in lower case', () => {
    const san = { dns: ['A.example', 'a.example'], ip: ['10.0.0.1', '10.0.0.1'], email: ['x@y.z', 'x@y.z'] };
    expect(sansDeduplicated(withSans('dual_purpose', san), context()).san).toEqual({
      dns: ['a.example'],
      ip: ['10.0.0.1'],
      email: ['x@y.z'],
    });
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
});
