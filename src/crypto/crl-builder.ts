import { InvalidInputError } from '../common/errors';
import { assembleSigned } from './certificate-builder';
import type { CrlEntry, CrlTemplate, IssuerContext } from './crypto.types';
import {
  assertValidDate,
  derHeaderLength,
  derSequence,
  derTlv,
  encodeTime,
  Tag,
  writeDerHeader,
} from './der';
import { authorityKeyIdentifierExtension, crlNumberExtension, extensionsDer } from './extensions';
import { signatureAlgorithmFor } from './keys';
import { publishableReasonCode } from './revocation-reason';
import { serialFromHex } from './serial-number';

const VERSION_2 = Buffer.from([0x02, 0x01, 0x01]);

// Extensions { Extension { id-ce-cRLReasons, OCTET STRING { ENUMERATED code } } } with the code last.
const REASON_EXTENSIONS_PREFIX = Buffer.from([
  0x30, 0x0c, 0x30, 0x0a, 0x06, 0x03, 0x55, 0x1d, 0x15, 0x04, 0x03, 0x0a, 0x01,
]);
const REASON_EXTENSIONS_LENGTH = REASON_EXTENSIONS_PREFIX.length + 1;

/**
 * revokedCertificates as one Buffer. Entries are written straight into a single allocation: a forge tree of
 * 100 000 entries would cost seconds, this costs tens of milliseconds.
 */
export function revokedCertificatesDer(entries: CrlEntry[]): Buffer {
  const serials: Buffer[] = new Array<Buffer>(entries.length);
  const times: Buffer[] = new Array<Buffer>(entries.length);
  const reasons: (number | null)[] = new Array<number | null>(entries.length);
  const contentLengths: number[] = new Array<number>(entries.length);
  let total = 0;
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i];
    assertValidDate(entry.revokedAt, 'The revocation date');
    const serial = serialFromHex(entry.serialNumberHex);
    const time = encodeTime(entry.revokedAt);
    const reason = publishableReasonCode(entry.reasonCode);
    const contentLength =
      derHeaderLength(serial.length) +
      serial.length +
      time.length +
      (reason === null ? 0 : REASON_EXTENSIONS_LENGTH);
    serials[i] = serial;
    times[i] = time;
    reasons[i] = reason;
    contentLengths[i] = contentLength;
    total += derHeaderLength(contentLength) + contentLength;
  }
  const out = Buffer.allocUnsafe(derHeaderLength(total) + total);
  let offset = writeDerHeader(out, 0, Tag.SEQUENCE, total);
  for (let i = 0; i < entries.length; i++) {
    offset = writeDerHeader(out, offset, Tag.SEQUENCE, contentLengths[i]);
    offset = writeDerHeader(out, offset, Tag.INTEGER, serials[i].length);
    offset += serials[i].copy(out, offset);
    offset += times[i].copy(out, offset);
    const reason = reasons[i];
    if (reason !== null) {
      offset += REASON_EXTENSIONS_PREFIX.copy(out, offset);
      out[offset++] = reason;
    }
  }
  return out;
}

export function buildTbsCertList(template: CrlTemplate, issuer: IssuerContext): Buffer {
  assertValidDate(template.thisUpdate, 'thisUpdate');
  assertValidDate(template.nextUpdate, 'nextUpdate');
  if (template.nextUpdate.getTime() <= template.thisUpdate.getTime()) {
    throw new InvalidInputError('nextUpdate must be later than thisUpdate');
  }
  const parts = [
    VERSION_2,
    signatureAlgorithmFor(issuer.keySpec).der,
    issuer.subjectDer,
    encodeTime(template.thisUpdate),
    encodeTime(template.nextUpdate),
  ];
  // An empty revokedCertificates list is omitted entirely (RFC 5280 5.1.2.6).
  if (template.entries.length > 0) parts.push(revokedCertificatesDer(template.entries));
  parts.push(
    derTlv(
      0xa0,
      extensionsDer([
        authorityKeyIdentifierExtension(issuer.subjectKeyIdentifier),
        crlNumberExtension(template.crlNumber),
      ]),
    ),
  );
  return derSequence(...parts);
}

/** A signed v2 CRL (DER) with authorityKeyIdentifier and cRLNumber. */
export async function signCrl(template: CrlTemplate, issuer: IssuerContext): Promise<Buffer> {
  return assembleSigned(buildTbsCertList(template, issuer), issuer);
}
