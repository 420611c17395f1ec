import { context, template } from '../testing';
import { rsaExponentIs65537 } from './key.rules';

describe('rsaExponentIs65537', () => {
  it('accepts 65537, a server-generated RSA key (no exponent in its spec) and non-RSA keys', () => {
    for (const keySpec of [
      { type: 'rsa' as const, size: 2048, rsaPublicExponent: 65537 },
      { type: 'rsa' as const, size: 2048 },
      { type: 'ec' as const, size: 256 },
      { type: 'ed25519' as const, size: 256 },
    ]) {
      const given = template({ keySpec });
      expect(rsaExponentIs65537(given, context())).toBe(given);
    }
  });

  it.each([3, 17, 4_294_967_291])('refuses exponent %d, without a profile too', (exponent) => {
    expect(() =>
      rsaExponentIs65537(
        template({ keySpec: { type: 'rsa', size: 2048, rsaPublicExponent: exponent } }),
        context(),
      ),
    ).toThrow(`The RSA public exponent ${exponent} is not allowed: RSA keys must use 65537`);
  });
});
