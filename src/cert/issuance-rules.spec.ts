import { InvalidInputError } from '../common/errors';
import {
  enforceSanCount,
  enforceSanTypes,
  pathLengthUnder,
  requireServerName,
  validateSanSyntax,
  validityWithin,
  withCommonName,
  withDefaultSans,
} from './issuance-rules';

const none = { dns: [], ip: [], email: [] };

describe('issuance rules', () => {
  describe('SAN types', () => {
    it('refuses email SANs on server certificates', () => {
      expect(() => enforceSanTypes('server', { ...none, email: ['a@b.c'] })).toThrow(InvalidInputError);
    });

    it('refuses DNS and IP SANs on client certificates', () => {
      expect(() => enforceSanTypes('client', { ...none, dns: ['a.b'] })).toThrow('Client certificates');
      expect(() => enforceSanTypes('client', { ...none, ip: ['10.0.0.1'] })).toThrow('Client certificates');
    });

    it('accepts every SAN type on dual-purpose certificates and none on CA certificates', () => {
      expect(() =>
        enforceSanTypes('dual_purpose', { dns: ['a.b'], ip: ['::1'], email: ['a@b.c'] }),
      ).not.toThrow();
      expect(() => enforceSanTypes('ca', { ...none, dns: ['a.b'] })).toThrow('CA certificates');
    });
  });

  describe('SAN count', () => {
    it('allows up to the limit over all types together and refuses one more', () => {
      const san = { dns: ['a.example', 'b.example'], ip: ['10.0.0.1'], email: ['x@example.com'] };
      expect(() => enforceSanCount(san, 4)).not.toThrow();
      expect(() => enforceSanCount(san, 3)).toThrow(
        new InvalidInputError(
          'The certificate would carry 4 subject alternative names; at most 3 are allowed',
        ),
      );
    });
  });

  describe('server names', () => {
    it('refuses server and dual-purpose certificates without a DNS or IP SAN', () => {
      expect(() => requireServerName('server', none)).toThrow('needs a DNS or IP name');
      expect(() => requireServerName('dual_purpose', { ...none, email: ['a@b.c'] })).toThrow(
        'needs a DNS or IP name',
      );
    });

    it('accepts a DNS or an IP SAN, and clients and CAs without any', () => {
      expect(() => requireServerName('server', { ...none, ip: ['10.0.0.1'] })).not.toThrow();
      expect(() => requireServerName('dual_purpose', { ...none, dns: ['a.b'] })).not.toThrow();
      expect(() => requireServerName('client', none)).not.toThrow();
      expect(() => requireServerName('ca', none)).not.toThrow();
    });
  });

  describe('default SANs', () => {
    it('adds the common name as a DNS SAN to server certificates without DNS SANs', () => {
      expect(withDefaultSans('server', 'web.example', none).dns).toEqual(['web.example']);
      expect(withDefaultSans('server', 'web.example', { ...none, dns: ['other.example'] }).dns).toEqual([
        'other.example',
      ]);
    });

    it('adds an IP common name as an IP SAN', () => {
      expect(withDefaultSans('dual_purpose', '10.1.2.3', none)).toEqual({
        dns: [],
        ip: ['10.1.2.3'],
        email: [],
      });
    });

    it('adds an email common name to client certificates only', () => {
      expect(withDefaultSans('client', 'ann@example.com', none).email).toEqual(['ann@example.com']);
      expect(withDefaultSans('client', 'ann', none).email).toEqual([]);
    });
  });

  it('checks SAN syntax', () => {
    expect(() => validateSanSyntax({ ...none, dns: ['*.example.com', 'a-b.example'] })).not.toThrow();
    expect(() => validateSanSyntax({ ...none, dns: ['bad_name!.example'] })).toThrow('not a valid DNS name');
    expect(() => validateSanSyntax({ ...none, ip: ['300.1.1.1'] })).toThrow('not a valid IP address');
    expect(() => validateSanSyntax({ ...none, email: ['nope'] })).toThrow('not a valid email address');
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

  describe('validity', () => {
    const now = new Date('2030-01-01T00:00:00.500Z');

    it('starts now (whole seconds) and lasts the requested days', () => {
      const validity = validityWithin(now, 10, null);
      expect(validity.notBefore.toISOString()).toBe('2030-01-01T00:00:00.000Z');
      expect(validity.notAfter.toISOString()).toBe('2030-01-11T00:00:00.000Z');
      expect(validity.clamped).toBe(false);
    });

    it('clamps to the issuer notAfter', () => {
      const issuerEnd = new Date('2030-01-05T00:00:00Z');
      expect(validityWithin(now, 10, issuerEnd)).toMatchObject({ notAfter: issuerEnd, clamped: true });
    });

    it('refuses under an expired issuer', () => {
      expect(() => validityWithin(now, 10, new Date('2029-12-31T00:00:00Z'))).toThrow('expired');
    });
  });

  describe('path length', () => {
    it('defaults to the issuer minus one', () => {
      expect(pathLengthUnder(2, undefined)).toBe(1);
      expect(pathLengthUnder(null, undefined)).toBeNull();
    });

    it('refuses anything above the issuer minus one, and any CA under pathLen 0', () => {
      expect(() => pathLengthUnder(2, 2)).toThrow('at most 1');
      expect(() => pathLengthUnder(0, undefined)).toThrow('path length 0');
      expect(pathLengthUnder(3, 0)).toBe(0);
    });
  });
});
