import { InvalidInputError } from '../../common/errors';
import type { IssuanceRule } from '../issuance-template';

/** The only RSA public exponent accepted (F4; CABF BR 6.1.6 and every peer's default). */
export const RSA_PUBLIC_EXPONENT = 65537;

/**
 * Every certificate, profile or not: an RSA key's public exponent is 65537. A small exponent (3) is the
 * one of Bleichenbacher's signature forgery and of broadcast attacks, and an unusual one breaks clients
 * (Windows CNG refuses exponents above 2^32). The exponent comes from the parsed key (a CSR's, a pending
 * CA's); a key the service generates has none in its spec and is always 65537.
 */
export const rsaExponentIs65537: IssuanceRule = (template) => {
  const { keySpec } = template;
  if (
    keySpec.type === 'rsa' &&
    keySpec.rsaPublicExponent !== undefined &&
    keySpec.rsaPublicExponent !== RSA_PUBLIC_EXPONENT
  ) {
    throw new InvalidInputError(
      `The RSA public exponent ${keySpec.rsaPublicExponent} is not allowed: RSA keys must use ${RSA_PUBLIC_EXPONENT}`,
    );
  }
  return template;
};
