import { InvalidInputError } from '../common/errors';
import {
  normalizeSerialHex,
  randomSerialNumber,
  serialFromHex,
  serialToHex,
  validateSerialNumber,
} from './serial-number';

describe('serial numbers', () => {
  it('makes 128-bit positive minimal INTEGER contents', () => {
    let sawPadding = false;
    for (let i = 0; i < 500; i++) {
      const serial = randomSerialNumber();
      expect(() => validateSerialNumber(serial)).not.toThrow();
      expect(serial.length).toBeLessThanOrEqual(17);
      if (serial.length === 17) {
        expect(serial[0]).toBe(0);
        expect(serial[1] & 0x80).toBe(0x80);
        sawPadding = true;
      }
    }
    expect(sawPadding).toBe(true);
  });

  it('uses lowercase hex without leading zeros as canonical text', () => {
    expect(serialToHex(Buffer.from([0x00, 0x8f, 0x0a]))).toBe('8f0a');
    expect(serialToHex(Buffer.from([0x0a, 0xbc]))).toBe('abc');
    expect(normalizeSerialHex('00:8F:0A')).toBe('8f0a');
    expect(normalizeSerialHex('0x0ABC')).toBe('abc');
    expect(serialFromHex('8f0a').toString('hex')).toBe('008f0a');
    expect(serialFromHex('abc').toString('hex')).toBe('0abc');
    const serial = randomSerialNumber();
    expect(serialFromHex(serialToHex(serial)).equals(serial)).toBe(true);
  });

  it.each([[''], ['xyz'], ['1'.repeat(41)]])('refuses serial text %j', (text) => {
    expect(() => normalizeSerialHex(text)).toThrow(InvalidInputError);
  });

  it.each([
    [Buffer.alloc(0), 'empty'],
    [Buffer.from([0x80]), 'positive'],
    [Buffer.from([0x00, 0x01]), 'minimally'],
    [Buffer.from([0x00]), 'zero'],
    [Buffer.alloc(21, 1), '20 octets'],
  ])('refuses serial content %#', (content, message) => {
    expect(() => validateSerialNumber(content)).toThrow(message);
  });
});
