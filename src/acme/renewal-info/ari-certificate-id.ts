import { serialToHex, validateSerialNumber } from '../../crypto/serial-number';
import { AcmeProblem } from '../acme-problem';

/** What an ARI certificate identifier names (RFC 9773 4.1). */
export interface AriCertificateId {
  /** The keyIdentifier of the certificate's Authority Key Identifier extension. */
  authorityKeyId: Buffer;
  /** The certificate's serial, as the certificates table stores it (serial-number.ts). */
  serialNumberHex: string;
}

const BASE64URL = /^[A-Za-z0-9_-]+$/;

/**
 * base64url(AKI keyIdentifier) "." base64url(serial INTEGER content bytes), both without padding
 * (RFC 9773 4.1); anything else is `malformed`.
 */
export function parseAriCertificateId(text: unknown): AriCertificateId {
  const parts = typeof text === 'string' ? text.split('.') : [];
  if (parts.length !== 2 || !parts.every((part) => BASE64URL.test(part))) {
    throw malformed(text, 'it is not base64url(keyIdentifier) "." base64url(serial number)');
  }
  const [authorityKeyId, serial] = parts.map((part) => Buffer.from(part, 'base64url'));
  try {
    validateSerialNumber(serial);
  } catch (error) {
    throw malformed(text, error instanceof Error ? error.message : 'the serial number is not valid');
  }
  return { authorityKeyId, serialNumberHex: serialToHex(serial) };
}

function malformed(text: unknown, why: string): AcmeProblem {
  const shown = typeof text === 'string' ? JSON.stringify(text.slice(0, 200)) : 'of this type';
  return new AcmeProblem(
    'malformed',
    `The ARI certificate identifier ${shown} is not valid: ${why} (RFC 9773 4.1)`,
  );
}
