import { InvalidInputError } from '../common/errors';
import {
  applyRules,
  approveIssuance,
  CONSTRAINT_RULES,
  ISSUANCE_RULES,
  ISSUER_RULES,
  LIMIT_RULES,
  NAME_RULES,
  PROFILE_RULES,
  RENEWAL_RULES,
  TEMPLATE_RULES,
} from './issuance-pipeline';
import type { IssuanceRule } from './issuance-template';
import { context, issuingCa, template } from './testing';

describe('issuance pipeline', () => {
  it('runs the issuer rules, the SAN templates, the name rules, the profile, renewal, the name constraints, then the limits', () => {
    expect(ISSUANCE_RULES).toEqual([
      ...ISSUER_RULES,
      ...TEMPLATE_RULES,
      ...NAME_RULES,
      ...PROFILE_RULES,
      ...RENEWAL_RULES,
      ...CONSTRAINT_RULES,
      ...LIMIT_RULES,
    ]);
  });

  it('approves a server certificate with its defaulted SAN, its dates and no path length', () => {
    const approved = approveIssuance(template({ pathLength: 4 }), context());
    expect(approved.san).toEqual({ dns: ['web.example'], ip: [], email: [], uri: [] });
    expect(approved.pathLength).toBeNull();
    expect(approved.validity).toEqual({
      notBefore: new Date('2030-01-01T00:00:00.000Z'),
      notAfter: new Date('2030-01-31T00:00:00.000Z'),
      clamped: false,
    });
  });

  it("names the CA's state before any problem of the request", () => {
    const disabled = context({ issuer: issuingCa({ status: 'disabled' }) });
    expect(() =>
      approveIssuance(
        template({ certificateType: 'client', san: { dns: ['x.example'], ip: [], email: [], uri: [] } }),
        disabled,
      ),
    ).toThrow('CA 7 is disabled and cannot sign');
  });

  it('checks SAN syntax after the Common Name default, so a bad Common Name is refused as a DNS name', () => {
    expect(() =>
      approveIssuance(template({ subject: [{ type: 'CN', value: 'bad name' }] }), context()),
    ).toThrow(new InvalidInputError('"bad name" is not a valid DNS name'));
  });

  it('takes a new rule as one more entry in a list', () => {
    const onlyExample: IssuanceRule = (current) => {
      if (current.san.dns.some((name) => !name.endsWith('.example')))
        throw new InvalidInputError('not .example');
      return current;
    };
    const rules = [...NAME_RULES, onlyExample];
    expect(() =>
      applyRules(rules, template({ subject: [{ type: 'CN', value: 'web.test' }] }), context()),
    ).toThrow('not .example');
    expect(applyRules(rules, template(), context()).san.dns).toEqual(['web.example']);
  });
});
