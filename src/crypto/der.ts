import * as forge from 'node-forge';
import { InvalidInputError } from '../common/errors';

/** Universal tags (with the constructed bit where the type is always constructed). */
export const Tag = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  ENUMERATED: 0x0a,
  UTF8_STRING: 0x0c,
  PRINTABLE_STRING: 0x13,
  IA5_STRING: 0x16,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

/** Tag byte of a context-specific element: [n] IMPLICIT primitive, or constructed (EXPLICIT / SEQUENCE). */
export function contextTag(n: number, constructed: boolean): number {
  return 0x80 | (constructed ? 0x20 : 0) | n;
}

// ---------------------------------------------------------------------------------------------------------
// Writing: raw Buffers are concatenated once, so exact bytes (issuer Name, SPKI) can be spliced in.

export function derLengthBytes(length: number): Buffer {
  if (length < 0x80) return Buffer.from([length]);
  if (length < 0x100) return Buffer.from([0x81, length]);
  if (length < 0x10000) return Buffer.from([0x82, length >> 8, length & 0xff]);
  if (length < 0x1000000) return Buffer.from([0x83, length >> 16, (length >> 8) & 0xff, length & 0xff]);
  const out = Buffer.alloc(5);
  out[0] = 0x84;
  out.writeUInt32BE(length, 1);
  return out;
}

export function derHeaderLength(contentLength: number): number {
  if (contentLength < 0x80) return 2;
  if (contentLength < 0x100) return 3;
  if (contentLength < 0x10000) return 4;
  if (contentLength < 0x1000000) return 5;
  return 6;
}

/** Writes a tag and length header at `offset`, returning the offset just after it. */
export function writeDerHeader(target: Buffer, offset: number, tag: number, contentLength: number): number {
  target[offset++] = tag;
  if (contentLength < 0x80) {
    target[offset++] = contentLength;
    return offset;
  }
  const count = derHeaderLength(contentLength) - 2;
  target[offset++] = 0x80 | count;
  for (let shift = (count - 1) * 8; shift >= 0; shift -= 8)
    target[offset++] = (contentLength / 2 ** shift) & 0xff;
  return offset;
}

export function derTlv(tag: number, ...contents: Buffer[]): Buffer {
  let length = 0;
  for (const part of contents) length += part.length;
  return Buffer.concat([Buffer.from([tag]), derLengthBytes(length), ...contents]);
}

export function derSequence(...contents: Buffer[]): Buffer {
  return derTlv(Tag.SEQUENCE, ...contents);
}

export function derOid(oid: string): Buffer {
  return derTlv(Tag.OID, Buffer.from(forge.asn1.oidToDer(oid).getBytes(), 'binary'));
}

export function derBitString(content: Buffer): Buffer {
  return derTlv(Tag.BIT_STRING, Buffer.from([0]), content);
}

// ---------------------------------------------------------------------------------------------------------
// Bridge to node-forge's ASN.1 layer.

interface FromDerOptions {
  strict: boolean;
  parseAllBytes: boolean;
  decodeBitStrings: boolean;
}
type FromDerWithOptions = (bytes: forge.util.ByteStringBuffer, options: FromDerOptions) => forge.asn1.Asn1;

// The typings only know the boolean form; forge 1.x accepts an options object.
const fromDerWithOptions = forge.asn1.fromDer as unknown as FromDerWithOptions;

export function asn1ToDer(node: forge.asn1.Asn1): Buffer {
  return Buffer.from(forge.asn1.toDer(node).getBytes(), 'binary');
}

/** Parses one complete DER element; BIT STRING contents are left as bytes. Throws forge's errors. */
export function derToAsn1(der: Buffer): forge.asn1.Asn1 {
  return fromDerWithOptions(forge.util.createBuffer(der.toString('binary')), {
    strict: true,
    parseAllBytes: true,
    decodeBitStrings: false,
  });
}

export function asn1Bytes(node: forge.asn1.Asn1): Buffer {
  if (typeof node.value !== 'string') throw new MalformedDerError('expected a primitive element');
  return Buffer.from(node.value, 'binary');
}

export function asn1Children(node: forge.asn1.Asn1): forge.asn1.Asn1[] {
  if (typeof node.value === 'string') throw new MalformedDerError('expected a constructed element');
  return node.value;
}

export function asn1Oid(node: forge.asn1.Asn1): string {
  if (node.tagClass !== forge.asn1.Class.UNIVERSAL || node.type !== forge.asn1.Type.OID) {
    throw new MalformedDerError('expected an OBJECT IDENTIFIER');
  }
  return forge.asn1.derToOid(forge.util.createBuffer(asn1Bytes(node).toString('binary')));
}

// ---------------------------------------------------------------------------------------------------------
// Reading: a minimal TLV reader that keeps offsets, so exact raw elements can be sliced out.

export class MalformedDerError extends Error {}

export interface DerElement {
  tag: number;
  /** Offset of the tag byte. */
  start: number;
  contentStart: number;
  /** Offset just after the element. */
  end: number;
}

export function readDerElement(buffer: Buffer, offset: number, limit: number = buffer.length): DerElement {
  if (offset + 2 > limit) throw new MalformedDerError('truncated element');
  const tag = buffer[offset];
  if ((tag & 0x1f) === 0x1f) throw new MalformedDerError('high tag numbers are not supported');
  const first = buffer[offset + 1];
  let length: number;
  let contentStart: number;
  if (first < 0x80) {
    length = first;
    contentStart = offset + 2;
  } else {
    const count = first & 0x7f;
    if (count === 0) throw new MalformedDerError('indefinite length is not DER');
    if (count > 4) throw new MalformedDerError('element too long');
    if (offset + 2 + count > limit) throw new MalformedDerError('truncated length');
    length = 0;
    for (let i = 0; i < count; i++) length = length * 256 + buffer[offset + 2 + i];
    if (length < 0x80 || buffer[offset + 2] === 0) throw new MalformedDerError('non-minimal length');
    contentStart = offset + 2 + count;
  }
  const end = contentStart + length;
  if (end > limit) throw new MalformedDerError('truncated content');
  return { tag, start: offset, contentStart, end };
}

/** Reads a whole buffer as exactly one element. */
export function readDerRoot(buffer: Buffer, expectedTag: number): DerElement {
  const element = readDerElement(buffer, 0);
  if (element.end !== buffer.length) throw new MalformedDerError('trailing bytes after the element');
  expectTag(element, expectedTag);
  return element;
}

export function readDerChildren(buffer: Buffer, parent: DerElement): DerElement[] {
  if ((parent.tag & 0x20) === 0) throw new MalformedDerError('expected a constructed element');
  const children: DerElement[] = [];
  let offset = parent.contentStart;
  while (offset < parent.end) {
    const child = readDerElement(buffer, offset, parent.end);
    children.push(child);
    offset = child.end;
  }
  return children;
}

export function expectTag(element: DerElement, tag: number): void {
  if (element.tag !== tag) {
    throw new MalformedDerError(`expected tag 0x${tag.toString(16)}, found 0x${element.tag.toString(16)}`);
  }
}

export function elementBytes(buffer: Buffer, element: DerElement): Buffer {
  return buffer.subarray(element.start, element.end);
}

export function elementContent(buffer: Buffer, element: DerElement): Buffer {
  return buffer.subarray(element.contentStart, element.end);
}

export function readOid(buffer: Buffer, element: DerElement): string {
  expectTag(element, Tag.OID);
  return forge.asn1.derToOid(forge.util.createBuffer(elementContent(buffer, element).toString('binary')));
}

/** BIT STRING contents without the unused-bits byte; only whole-byte strings (signatures, keys). */
export function readBitStringBytes(buffer: Buffer, element: DerElement): Buffer {
  expectTag(element, Tag.BIT_STRING);
  const content = elementContent(buffer, element);
  if (content.length === 0 || content[0] !== 0) throw new MalformedDerError('unexpected unused bits');
  return content.subarray(1);
}

// ---------------------------------------------------------------------------------------------------------
// Integers.

/** Minimal content bytes of a non-negative INTEGER given its unsigned big-endian magnitude. */
export function unsignedIntegerContent(magnitude: Buffer): Buffer {
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const trimmed = magnitude.subarray(start);
  if (trimmed.length === 0) return Buffer.from([0]);
  return trimmed[0] & 0x80 ? Buffer.concat([Buffer.from([0]), trimmed]) : Buffer.from(trimmed);
}

export function bigintToIntegerContent(value: bigint): Buffer {
  if (value < 0n) throw new InvalidInputError('A negative number cannot be encoded here');
  let hex = value.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return unsignedIntegerContent(Buffer.from(hex, 'hex'));
}

export function derInteger(value: number | bigint): Buffer {
  return derTlv(Tag.INTEGER, bigintToIntegerContent(BigInt(value)));
}

/** Reads a small non-negative INTEGER (versions, path lengths). */
export function readSmallInteger(buffer: Buffer, element: DerElement): number {
  expectTag(element, Tag.INTEGER);
  const content = elementContent(buffer, element);
  if (content.length === 0 || content.length > 4 || content[0] & 0x80) {
    throw new MalformedDerError('integer out of range');
  }
  return content.readUIntBE(0, content.length);
}

// ---------------------------------------------------------------------------------------------------------
// Time (RFC 5280 4.1.2.5: UTCTime through 2049, GeneralizedTime from 2050; seconds, always Zulu).

function pad2(n: number): string {
  return n < 10 ? `0${n}` : `${n}`;
}

export function assertValidDate(date: Date, what: string): void {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new InvalidInputError(`${what} is not a valid date`);
  }
  const year = date.getUTCFullYear();
  if (year < 1950 || year > 9999) throw new InvalidInputError(`${what} must be between 1950 and 9999`);
}

/** The DER Time (tag, length, content) for `date`, truncated to whole seconds. */
export function encodeTime(date: Date): Buffer {
  const year = date.getUTCFullYear();
  const rest =
    pad2(date.getUTCMonth() + 1) +
    pad2(date.getUTCDate()) +
    pad2(date.getUTCHours()) +
    pad2(date.getUTCMinutes()) +
    pad2(date.getUTCSeconds()) +
    'Z';
  if (year >= 1950 && year < 2050) {
    return Buffer.from(`\x17\x0d${pad2(year % 100)}${rest}`, 'latin1');
  }
  return Buffer.from(`\x18\x0f${year.toString().padStart(4, '0')}${rest}`, 'latin1');
}

const UTC_TIME = /^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;
const GENERALIZED_TIME = /^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/;

export function readTime(buffer: Buffer, element: DerElement): Date {
  const text = elementContent(buffer, element).toString('latin1');
  let match: RegExpExecArray | null;
  let year: number;
  if (element.tag === Tag.UTC_TIME) {
    match = UTC_TIME.exec(text);
    if (!match) throw new MalformedDerError(`bad UTCTime ${JSON.stringify(text)}`);
    const yy = Number(match[1]);
    year = yy >= 50 ? 1900 + yy : 2000 + yy;
  } else if (element.tag === Tag.GENERALIZED_TIME) {
    match = GENERALIZED_TIME.exec(text);
    if (!match) throw new MalformedDerError(`bad GeneralizedTime ${JSON.stringify(text)}`);
    year = Number(match[1]);
  } else {
    throw new MalformedDerError('expected a time');
  }
  const [month, day, hour, minute, second] = match.slice(2).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day, hour, minute, second));
  if (
    date.getUTCMonth() !== month - 1 ||
    date.getUTCDate() !== day ||
    hour > 23 ||
    minute > 59 ||
    second > 59
  ) {
    throw new MalformedDerError(`bad time ${JSON.stringify(text)}`);
  }
  return date;
}

/** Turns a low-level parse failure into a 400 naming the object, keeping domain errors as they are. */
export function asInvalidInput(error: unknown, what: string): Error {
  if (error instanceof InvalidInputError) return error;
  const reason = error instanceof Error ? error.message : String(error);
  return new InvalidInputError(`${what} is malformed (${reason})`);
}
