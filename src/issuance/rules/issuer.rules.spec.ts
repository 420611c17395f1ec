import { InvalidInputError } from '../../common/errors';
import { context, issuingCa, NOW, template } from '../testing';
import { caAllowsType, caMaySignNow } from './issuer.rules';

const DAY_MS = 86_400_000;

describe('caMaySignNow', () => {
  it('lets an active CA inside its signing window sign, and a root sign itself', () => {
    expect(caMaySignNow(template(), context())).toEqual(template());
    expect(caMaySignNow(template(), context({ issuer: null }))).toEqual(template());
  });

  it.each(['pending', 'disabled', 'revoked'] as const)('refuses a %s CA', (status) => {
    expect(() => caMaySignNow(template(), context({ issuer: issuingCa({ status }) }))).toThrow(
      new InvalidInputError(`CA 7 is ${status} and cannot sign`),
    );
  });

  it('refuses an expired CA, and one whose uploaded chain has expired', () => {
    const past = new Date(NOW.getTime() - DAY_MS);
    expect(() => caMaySignNow(template(), context({ issuer: issuingCa({ notAfter: past }) }))).toThrow(
      'CA 7 is expired and cannot sign',
    );
    expect(() =>
      caMaySignNow(template(), context({ issuer: issuingCa({ issuerChainNotAfter: past }) })),
    ).toThrow('CA 7 is expired and cannot sign');
  });

  it('refuses a CA whose certificate starts later, saying when', () => {
    const later = new Date('2030-02-01T00:00:00.000Z');
    expect(() => caMaySignNow(template(), context({ issuer: issuingCa({ notBefore: later }) }))).toThrow(
      'CA 7: its certificate is not valid until 2030-02-01T00:00:00.000Z; it cannot sign before then',
    );
  });
});

describe('caAllowsType', () => {
  const noLeaves = context({ issuer: issuingCa({ allowLeafCerts: false }) });

  it('refuses leaves under a CA with allow_leaf_certs=false', () => {
    expect(() => caAllowsType(template({ certificateType: 'client' }), noLeaves)).toThrow(
      'CA 7 does not allow leaf certificates (allow_leaf_certs=false)',
    );
  });

  it('lets such a CA sign CA certificates, and any CA sign leaves when it allows them', () => {
    expect(() => caAllowsType(template({ certificateType: 'ca' }), noLeaves)).not.toThrow();
    expect(() => caAllowsType(template(), context())).not.toThrow();
  });
});
