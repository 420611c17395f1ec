import { randomBytes } from 'node:crypto';
import { InvalidInputError } from '../common/errors';
import { unsignedIntegerContent } from './der';

/*
 * Canonical serial text (what the database stores, unique per issuer): the lowercase hexadecimal value of the
 * positive integer, without leading zero digits and without separators. So DER content 00 8f 0a gives "8f0a"
 * and 0a bc gives "abc". normalizeSerialHex turns user-typed forms ("00:8F:0A", "0x8f0a") into it.
 */

const CANONICAL = /^[1-9a-f][0-9a-f]{0,39}$/;
const ZERO = Buffer.from([0]);

/** 128 random bits as the content bytes of a positive, minimal DER INTEGER; never zero (RFC 5280 4.1.2.2). */
export function randomSerialNumber(): Buffer {
  for (;;) {
    const random = randomBytes(16);
    if (random.some((byte) => byte !== 0)) return unsignedIntegerContent(random);
  }
}

/** Canonical hex of INTEGER content bytes. */
export function serialToHex(content: Buffer): string {
  const hex = content.toString('hex').replace(/^0+/, '');
  return hex.length === 0 ? '0' : hex;
}

/** Canonical form of a serial typed by a person: colons, spaces, a 0x prefix and upper case are accepted. */
export function normalizeSerialHex(text: string): string {
  const compact = typeof text === 'string' ? text.trim().replace(/^0x/i, '').replace(/[:\s]/g, '') : '';
  if (!/^[0-9a-fA-F]+$/.test(compact)) {
    throw new InvalidInputError(`"${String(text)}" is not a hexadecimal serial number`);
  }
  const canonical = compact.toLowerCase().replace(/^0+/, '');
  if (canonical.length > 40) throw new InvalidInputError('A serial number is at most 20 octets');
  return canonical.length === 0 ? '0' : canonical;
}

/** INTEGER content bytes (minimal, positive) of a serial given as hex. */
export function serialFromHex(hex: string): Buffer {
  // Fast path for text already in canonical form (CRLs convert every stored serial).
  const canonical = CANONICAL.test(hex) ? hex : normalizeSerialHex(hex);
  const bytes = Buffer.from(canonical.length % 2 ? `0${canonical}` : canonical, 'hex');
  return bytes[0] & 0x80 ? Buffer.concat([ZERO, bytes]) : bytes;
}

/** Throws unless `content` is a minimal positive INTEGER of at most 20 octets (RFC 5280 4.1.2.2). */
export function validateSerialNumber(content: Buffer): void {
  if (!Buffer.isBuffer(content) || content.length === 0)
    throw new InvalidInputError('The serial number is empty');
  if (content.length > 20) throw new InvalidInputError('The serial number is longer than 20 octets');
  if (content[0] & 0x80) throw new InvalidInputError('The serial number must be positive');
  if (content.length > 1 && content[0] === 0 && !(content[1] & 0x80)) {
    throw new InvalidInputError('The serial number is not minimally encoded');
  }
  if (content.every((byte) => byte === 0)) throw new InvalidInputError('The serial number must not be zero');
}
