import * as forge from 'node-forge';
import { InvalidInputError } from '../common/errors';
import { textProblem } from '../common/unicode-text';
import type { DistinguishedName, RdnAttribute } from './crypto.types';
import { asn1Bytes, asn1Children, asn1Oid, asn1ToDer, derToAsn1 } from './der';

type StringKind = 'utf8' | 'printable' | 'ia5';

interface AttributeDefinition {
  name: string;
  oid: string;
  kind: StringKind;
  /** Upper bound in characters (RFC 5280 appendix A / X.520), null when unbounded. */
  maxLength: number | null;
  aliases: string[];
}

const ATTRIBUTES: AttributeDefinition[] = [
  { name: 'C', oid: '2.5.4.6', kind: 'printable', maxLength: 2, aliases: ['countryName'] },
  { name: 'ST', oid: '2.5.4.8', kind: 'utf8', maxLength: 128, aliases: ['stateOrProvinceName', 'S'] },
  { name: 'L', oid: '2.5.4.7', kind: 'utf8', maxLength: 128, aliases: ['localityName'] },
  { name: 'STREET', oid: '2.5.4.9', kind: 'utf8', maxLength: 128, aliases: ['streetAddress'] },
  { name: 'postalCode', oid: '2.5.4.17', kind: 'utf8', maxLength: 40, aliases: [] },
  { name: 'O', oid: '2.5.4.10', kind: 'utf8', maxLength: 64, aliases: ['organizationName'] },
  { name: 'OU', oid: '2.5.4.11', kind: 'utf8', maxLength: 64, aliases: ['organizationalUnitName'] },
  { name: 'CN', oid: '2.5.4.3', kind: 'utf8', maxLength: 64, aliases: ['commonName'] },
  { name: 'title', oid: '2.5.4.12', kind: 'utf8', maxLength: 64, aliases: [] },
  { name: 'GN', oid: '2.5.4.42', kind: 'utf8', maxLength: 32768, aliases: ['givenName'] },
  { name: 'SN', oid: '2.5.4.4', kind: 'utf8', maxLength: 32768, aliases: ['surname'] },
  { name: 'serialNumber', oid: '2.5.4.5', kind: 'printable', maxLength: 64, aliases: [] },
  {
    name: 'emailAddress',
    oid: '1.2.840.113549.1.9.1',
    kind: 'ia5',
    maxLength: 255,
    aliases: ['E', 'email'],
  },
  { name: 'DC', oid: '0.9.2342.19200300.100.1.25', kind: 'ia5', maxLength: 63, aliases: ['domainComponent'] },
  { name: 'UID', oid: '0.9.2342.19200300.100.1.1', kind: 'utf8', maxLength: 256, aliases: ['userId'] },
];

const BY_LOWER_NAME = new Map<string, AttributeDefinition>();
const BY_OID = new Map<string, AttributeDefinition>();
for (const definition of ATTRIBUTES) {
  BY_OID.set(definition.oid, definition);
  for (const name of [definition.name, ...definition.aliases])
    BY_LOWER_NAME.set(name.toLowerCase(), definition);
}

/** The canonical short name of a known subject attribute ("commonname" → "CN"), or null. */
export function knownAttributeName(type: string): string | null {
  return BY_LOWER_NAME.get(type.trim().toLowerCase())?.name ?? null;
}

/** The canonical short names of every attribute the encoder knows, in its order. */
export const KNOWN_ATTRIBUTE_NAMES: readonly string[] = ATTRIBUTES.map((definition) => definition.name);

const DOTTED_OID = /^(?:oid\.)?([0-2](?:\.(?:0|[1-9]\d*))+)$/i;
const PRINTABLE = /^[A-Za-z0-9 '()+,\-./:=?]*$/;
const IA5 = /^[\x20-\x7e]*$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\x00-\x1f\x7f]/;

interface ResolvedType {
  name: string;
  oid: string;
  definition: AttributeDefinition | null;
}

function resolveType(type: string): ResolvedType {
  const trimmed = type.trim();
  const known = BY_LOWER_NAME.get(trimmed.toLowerCase());
  if (known) return { name: known.name, oid: known.oid, definition: known };
  const dotted = DOTTED_OID.exec(trimmed);
  if (dotted) {
    const byOid = BY_OID.get(dotted[1]);
    if (byOid) return { name: byOid.name, oid: byOid.oid, definition: byOid };
    return { name: dotted[1], oid: dotted[1], definition: null };
  }
  if (trimmed.length === 0)
    throw new InvalidInputError('A distinguished name attribute has no type before "="');
  throw new InvalidInputError(`Unknown distinguished name attribute "${trimmed}"`);
}

/**
 * The string type an attribute is written with: its definition's, except where a CSR asked for another
 * that RFC 5280 allows for it. DirectoryString attributes (4.1.2.4: CAs use PrintableString or
 * UTF8String) keep a PrintableString; attributes of unknown type keep PrintableString or IA5String.
 * C and serialNumber are always PrintableString, emailAddress and DC always IA5String.
 */
function stringTypeOf(
  attribute: RdnAttribute,
  definition: AttributeDefinition | null,
  value: string,
): StringKind {
  const asked = attribute.stringType;
  if (definition && definition.kind !== 'utf8') return definition.kind;
  if (asked === 'printable' && PRINTABLE.test(value)) return 'printable';
  if (asked === 'ia5' && definition === null && IA5.test(value)) return 'ia5';
  return 'utf8';
}

/** Normalises one attribute (canonical type name, country upper-cased) and checks its value. */
function normaliseAttribute(attribute: RdnAttribute): RdnAttribute & { oid: string; kind: StringKind } {
  const resolved = resolveType(attribute.type);
  const definition = resolved.definition;
  let value = attribute.value;
  if (typeof value !== 'string' || value.length === 0) {
    throw new InvalidInputError(`The value of ${resolved.name} is empty`);
  }
  if (CONTROL.test(value))
    throw new InvalidInputError(`The value of ${resolved.name} contains control characters`);
  const kind = stringTypeOf(attribute, definition, value);
  if (resolved.name === 'C') {
    if (!/^[A-Za-z]{2}$/.test(value)) {
      throw new InvalidInputError(`C must be a two-letter country code, got "${value}"`);
    }
    value = value.toUpperCase();
  } else if (kind === 'printable' && !PRINTABLE.test(value)) {
    throw new InvalidInputError(`${resolved.name} may only contain letters, digits, spaces and '()+,-./:=?`);
  } else if (kind === 'ia5' && !IA5.test(value)) {
    throw new InvalidInputError(`${resolved.name} may only contain ASCII characters`);
  }
  const maxLength = definition?.maxLength ?? null;
  if (maxLength !== null && [...value].length > maxLength) {
    throw new InvalidInputError(`${resolved.name} is longer than ${maxLength} characters`);
  }
  const normalised: RdnAttribute & { oid: string; kind: StringKind } = {
    type: resolved.name,
    value,
    oid: resolved.oid,
    kind,
  };
  if (attribute.sameRdnAsPrevious) normalised.sameRdnAsPrevious = true;
  if (kind !== (definition?.kind ?? 'utf8')) normalised.stringType = kind;
  return normalised;
}

// ---------------------------------------------------------------------------------------------------------
// Text forms.

const RFC4514_ESCAPABLE = ' "#+,;<=>\\';
const HEX_PAIR = /^[0-9a-fA-F]{2}$/;
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function decodeUtf8(bytes: number[], typeName: string): string {
  try {
    return utf8Decoder.decode(Uint8Array.from(bytes));
  } catch {
    throw new InvalidInputError(`The value of ${typeName} has a \\XX escape that is not valid UTF-8`);
  }
}

/** Scanner shared by both text forms: it reads one "type=value" pair and stops at a separator. */
class DnScanner {
  position = 0;

  constructor(
    private readonly text: string,
    private readonly separators: string,
    private readonly rfc4514: boolean,
  ) {}

  atEnd(): boolean {
    return this.position >= this.text.length;
  }

  peek(): string {
    return this.text[this.position];
  }

  restIsBlank(): boolean {
    return this.text.slice(this.position).trim().length === 0;
  }

  readAttribute(): RdnAttribute {
    const equals = this.findTypeEnd();
    const rawType = this.text.slice(this.position, equals);
    const type = resolveType(rawType).name;
    this.position = equals + 1;
    while (this.peek() === ' ') this.position++;
    if (this.rfc4514 && this.peek() === '#') {
      throw new InvalidInputError(
        `The value of ${type} starts with "#": escape it as "\\#" (hex values are not supported)`,
      );
    }
    const bytes: number[] = [];
    let keep = 0;
    while (!this.atEnd()) {
      const char = this.peek();
      if (this.separators.includes(char)) break;
      if (char === '\\') {
        const next = this.text[this.position + 1];
        if (next === undefined) throw new InvalidInputError(`The value of ${type} ends with a lone "\\"`);
        const pair = this.text.slice(this.position + 1, this.position + 3);
        if (this.rfc4514 && HEX_PAIR.test(pair)) {
          bytes.push(parseInt(pair, 16));
          this.position += 3;
        } else if (!this.rfc4514 || RFC4514_ESCAPABLE.includes(next)) {
          const codePoint = String.fromCodePoint(this.text.codePointAt(this.position + 1) ?? 0);
          bytes.push(...Buffer.from(codePoint, 'utf8'));
          this.position += 1 + codePoint.length;
        } else {
          throw new InvalidInputError(`The value of ${type} has an invalid escape "\\${next}"`);
        }
        keep = bytes.length;
        continue;
      }
      if (this.rfc4514 && '";<>'.includes(char)) {
        throw new InvalidInputError(
          `The value of ${type} contains an unescaped "${char}": write it as "\\${char}"`,
        );
      }
      const codePoint = String.fromCodePoint(this.text.codePointAt(this.position) ?? 0);
      bytes.push(...Buffer.from(codePoint, 'utf8'));
      this.position += codePoint.length;
      if (char !== ' ') keep = bytes.length;
    }
    const value = decodeUtf8(bytes.slice(0, keep), type);
    if (value.length === 0) throw new InvalidInputError(`The value of ${type} is empty`);
    return { type, value };
  }

  private findTypeEnd(): number {
    for (let i = this.position; i < this.text.length; i++) {
      const char = this.text[i];
      if (char === '=') return i;
      if (this.separators.includes(char) || char === '\\') break;
    }
    const fragment = this.text
      .slice(this.position)
      .split(new RegExp(`[${this.separators}]`))[0]
      .trim();
    throw new InvalidInputError(
      `"${fragment}" in the distinguished name is missing "=" (expected TYPE=value)`,
    );
  }
}

function parseRfc4514(text: string): DistinguishedName {
  const scanner = new DnScanner(text, ',+', true);
  const rdns: RdnAttribute[][] = [[]];
  for (;;) {
    while (scanner.peek() === ' ') scanner.position++;
    rdns[rdns.length - 1].push(scanner.readAttribute());
    if (scanner.atEnd()) break;
    const separator = scanner.peek();
    scanner.position++;
    if (separator === ',') rdns.push([]);
    if (scanner.restIsBlank()) throw new InvalidInputError('The distinguished name ends with a separator');
  }
  return flatten(rdns.reverse());
}

function parseSlashForm(text: string): DistinguishedName {
  const scanner = new DnScanner(text, '/+', false);
  const rdns: RdnAttribute[][] = [];
  scanner.position = 1;
  rdns.push([]);
  for (;;) {
    while (scanner.peek() === ' ') scanner.position++;
    if (scanner.peek() === '/' || scanner.peek() === '+') {
      throw new InvalidInputError('The distinguished name has an empty component between separators');
    }
    rdns[rdns.length - 1].push(scanner.readAttribute());
    if (scanner.atEnd()) break;
    const separator = scanner.peek();
    scanner.position++;
    if (separator === '/') {
      if (scanner.restIsBlank()) break; // a single trailing "/" is tolerated, as OpenSSL does
      rdns.push([]);
    } else if (scanner.restIsBlank()) {
      throw new InvalidInputError('The distinguished name ends with a separator');
    }
  }
  return flatten(rdns);
}

function flatten(rdns: RdnAttribute[][]): DistinguishedName {
  const result: DistinguishedName = [];
  for (const rdn of rdns) {
    rdn.forEach((attribute, index) => {
      result.push(index === 0 ? attribute : { ...attribute, sameRdnAsPrevious: true });
    });
  }
  return result;
}

/**
 * Parses an RFC 4514 string (`CN=a,O=b,C=US`, least significant first, so the result is reversed) or the
 * OpenSSL slash form (`/C=US/O=b/CN=a`, in order). Escaped separators stay inside the value.
 */
export function parseDistinguishedName(text: string): DistinguishedName {
  if (typeof text !== 'string' || text.trim().length === 0) {
    throw new InvalidInputError('The distinguished name is empty');
  }
  // A trailing escaped space ("\\ ") is part of the value, so it must survive the trim.
  const trimmed = text.trimStart().replace(/(?<!\\)\s+$/, '');
  const dn = trimmed.startsWith('/') ? parseSlashForm(trimmed) : parseRfc4514(trimmed);
  return normaliseDistinguishedName(dn);
}

/** Validates a typed DN (as received in JSON, for example) and returns it with canonical type names. */
export function normaliseDistinguishedName(dn: DistinguishedName): DistinguishedName {
  if (!Array.isArray(dn)) throw new InvalidInputError('The distinguished name must be a list of attributes');
  return dn.map((attribute, index) => {
    const normalised = normaliseAttribute(attribute);
    const result: RdnAttribute = { type: normalised.type, value: normalised.value };
    if (index > 0 && normalised.sameRdnAsPrevious) result.sameRdnAsPrevious = true;
    if (normalised.stringType) result.stringType = normalised.stringType;
    return result;
  });
}

function escapeValue(value: string): string {
  let escaped = '';
  for (let i = 0; i < value.length; i++) {
    const char = value[i];
    if (char === '\0') escaped += '\\00';
    else if ('"+,;<>\\'.includes(char)) escaped += `\\${char}`;
    else if ((i === 0 && (char === ' ' || char === '#')) || (i === value.length - 1 && char === ' ')) {
      escaped += `\\${char}`;
    } else escaped += char;
  }
  return escaped;
}

function groupRdns(dn: DistinguishedName): RdnAttribute[][] {
  const rdns: RdnAttribute[][] = [];
  for (const attribute of dn) {
    if (attribute.sameRdnAsPrevious && rdns.length > 0) rdns[rdns.length - 1].push(attribute);
    else rdns.push([attribute]);
  }
  return rdns;
}

/** RFC 4514 text: most specific RDN first (`CN=a,O=b,C=US`). */
export function formatDistinguishedName(dn: DistinguishedName): string {
  return groupRdns(dn)
    .reverse()
    .map((rdn) => rdn.map((attribute) => `${attribute.type}=${escapeValue(attribute.value)}`).join('+'))
    .join(',');
}

/** The most specific CN, or null. */
export function commonName(dn: DistinguishedName): string | null {
  for (let i = dn.length - 1; i >= 0; i--) if (dn[i].type === 'CN') return dn[i].value;
  return null;
}

// ---------------------------------------------------------------------------------------------------------
// DER.

const { Class, Type } = forge.asn1;

function encodeAttribute(attribute: RdnAttribute & { oid: string; kind: StringKind }): forge.asn1.Asn1 {
  const type =
    attribute.kind === 'printable'
      ? Type.PRINTABLESTRING
      : attribute.kind === 'ia5'
        ? Type.IA5STRING
        : Type.UTF8;
  const value =
    attribute.kind === 'utf8' ? Buffer.from(attribute.value, 'utf8').toString('binary') : attribute.value;
  return forge.asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, [
    forge.asn1.create(Class.UNIVERSAL, Type.OID, false, forge.asn1.oidToDer(attribute.oid).getBytes()),
    forge.asn1.create(Class.UNIVERSAL, type, false, value),
  ]);
}

/** The Name as a forge ASN.1 tree (validates every attribute). */
export function encodeName(dn: DistinguishedName): forge.asn1.Asn1 {
  if (!Array.isArray(dn)) throw new InvalidInputError('The distinguished name must be a list of attributes');
  const sets = groupRdns(dn).map((rdn) => {
    const members = rdn.map((attribute) => encodeAttribute(normaliseAttribute(attribute)));
    if (members.length > 1) {
      // DER orders SET OF members by their encodings (X.690 11.6).
      const encoded = members.map((member) => ({ member, der: asn1ToDer(member) }));
      encoded.sort((a, b) => Buffer.compare(a.der, b.der));
      return forge.asn1.create(
        Class.UNIVERSAL,
        Type.SET,
        true,
        encoded.map((entry) => entry.member),
      );
    }
    return forge.asn1.create(Class.UNIVERSAL, Type.SET, true, members);
  });
  return forge.asn1.create(Class.UNIVERSAL, Type.SEQUENCE, true, sets);
}

export function encodeNameDer(dn: DistinguishedName): Buffer {
  return asn1ToDer(encodeName(dn));
}

const NUMERIC_STRING = 18;
const T61_STRING = 20;
const UNIVERSAL_STRING = 28;
const VISIBLE_STRING = 26;
const LATIN1_TYPES: number[] = [
  Type.PRINTABLESTRING,
  Type.IA5STRING,
  NUMERIC_STRING,
  T61_STRING,
  VISIBLE_STRING,
];

/** The names of the universal types a subject attribute may not have (for refusals). */
const NON_STRING_TYPES: Record<number, string> = {
  1: 'BOOLEAN',
  2: 'INTEGER',
  3: 'BIT STRING',
  4: 'OCTET STRING',
  5: 'NULL',
  6: 'OBJECT IDENTIFIER',
  16: 'SEQUENCE',
  17: 'SET',
  23: 'UTCTime',
  24: 'GeneralizedTime',
};

const STRING_TYPES: number[] = [Type.UTF8, Type.BMPSTRING, UNIVERSAL_STRING, ...LATIN1_TYPES];

function isStringNode(node: forge.asn1.Asn1): boolean {
  return (
    node.tagClass === Class.UNIVERSAL && typeof node.value === 'string' && STRING_TYPES.includes(node.type)
  );
}

function decodeValue(node: forge.asn1.Asn1): string {
  if (node.tagClass === Class.UNIVERSAL && typeof node.value === 'string') {
    const type: number = node.type;
    if (type === Type.UTF8) return asn1Bytes(node).toString('utf8');
    if (type === Type.BMPSTRING) return node.value; // forge already decodes BMPString to UTF-16
    if (LATIN1_TYPES.includes(type)) return asn1Bytes(node).toString('latin1');
    if (type === UNIVERSAL_STRING) {
      const bytes = asn1Bytes(node);
      let text = '';
      for (let i = 0; i + 3 < bytes.length; i += 4) text += String.fromCodePoint(bytes.readUInt32BE(i));
      return text;
    }
  }
  // RFC 4514 2.4: values of other types are shown as "#" and the hex of their BER encoding.
  return `#${asn1ToDer(node).toString('hex')}`;
}

/** The string type worth keeping from a request: PrintableString, IA5String or UTF8String. */
function stringTypeOfNode(node: forge.asn1.Asn1): RdnAttribute['stringType'] {
  if (node.type === Type.PRINTABLESTRING) return 'printable';
  if (node.type === Type.IA5STRING) return 'ia5';
  if (node.type === Type.UTF8) return 'utf8';
  return undefined;
}

export interface DecodeNameOptions {
  /**
   * For a request's subject: refuse a value that is not a string (a BIT STRING, say) with a message
   * naming the attribute and starting with this word ("CSR"), and remember each value's string type
   * so the certificate keeps it where RFC 5280 allows (see stringTypeOf).
   */
  requestedBy?: string;
}

/** Reads a Name (forge tree) into typed attributes; unknown types come back as dotted OIDs. */
export function decodeName(name: forge.asn1.Asn1, options: DecodeNameOptions = {}): DistinguishedName {
  const dn: DistinguishedName = [];
  for (const set of asn1Children(name)) {
    asn1Children(set).forEach((sequence, index) => {
      const [typeNode, valueNode] = asn1Children(sequence);
      const oid = asn1Oid(typeNode);
      const definition = BY_OID.get(oid);
      const type = definition?.name ?? oid;
      if (options.requestedBy !== undefined && !isStringNode(valueNode)) {
        const kind =
          valueNode.tagClass === Class.UNIVERSAL
            ? (NON_STRING_TYPES[valueNode.type] ?? `universal type ${valueNode.type}`)
            : 'non-universal tag';
        throw new InvalidInputError(
          `${options.requestedBy} subject attribute ${type} is a ${kind}, not a string; it cannot be issued`,
        );
      }
      const value = decodeValue(valueNode);
      // A NUL inside a name is the classic prefix attack ("bank.com\0.evil.com"), and unstorable text.
      const problem = textProblem(value);
      if (problem) throw new InvalidInputError(`The value of ${type} in a distinguished name ${problem}`);
      const attribute: RdnAttribute = { type, value };
      if (index > 0) attribute.sameRdnAsPrevious = true;
      if (options.requestedBy !== undefined) {
        const stringType = stringTypeOfNode(valueNode);
        if (stringType !== undefined && stringType !== (definition?.kind ?? 'utf8')) {
          attribute.stringType = stringType;
        }
      }
      dn.push(attribute);
    });
  }
  return dn;
}

export function decodeNameDer(der: Buffer, options: DecodeNameOptions = {}): DistinguishedName {
  return decodeName(derToAsn1(der), options);
}
