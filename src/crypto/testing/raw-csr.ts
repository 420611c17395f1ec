import type { KeyObject } from 'node:crypto';
import { contextTag, derBitString, derInteger, derOid, derSequence, derTlv, Tag } from '../der';
import { ExtensionOid } from '../extensions';
import { generateKeyPair, keySpecOf, sign, signatureAlgorithmFor, spkiDer } from '../keys';
import { derToPem } from '../pem';

const COMMON_NAME = '2.5.4.3';
const EXTENSION_REQUEST = '1.2.840.113549.1.9.14';
const DNS_NAME = 2;

export interface RawCsrOptions {
  /** The CN, written byte for byte as a UTF8String: nothing is validated, so it may hold a NUL. */
  commonName: string;
  /** DNS SAN entries, written byte for byte (latin1) as IA5Strings. */
  dnsNames?: string[];
  privateKey?: KeyObject;
}

/**
 * A correctly signed PKCS#10 request whose names the service's own builder would refuse to write:
 * for tests of what the service does with hostile CSRs from elsewhere.
 */
export async function buildRawCsrPem(options: RawCsrOptions): Promise<string> {
  const privateKey = options.privateKey ?? (await generateKeyPair({ type: 'ec', size: 256 })).privateKey;
  const keySpec = keySpecOf(privateKey);
  const subject = derSequence(
    derTlv(
      Tag.SET,
      derSequence(derOid(COMMON_NAME), derTlv(Tag.UTF8_STRING, Buffer.from(options.commonName, 'utf8'))),
    ),
  );
  const dnsNames = options.dnsNames ?? [];
  const attributes =
    dnsNames.length === 0
      ? derTlv(contextTag(0, true))
      : derTlv(
          contextTag(0, true),
          derSequence(
            derOid(EXTENSION_REQUEST),
            derTlv(
              Tag.SET,
              derSequence(
                derSequence(
                  derOid(ExtensionOid.SUBJECT_ALT_NAME),
                  derTlv(
                    Tag.OCTET_STRING,
                    derSequence(
                      ...dnsNames.map((name) =>
                        derTlv(contextTag(DNS_NAME, false), Buffer.from(name, 'latin1')),
                      ),
                    ),
                  ),
                ),
              ),
            ),
          ),
        );
  const info = derSequence(derInteger(0), subject, spkiDer(privateKey), attributes);
  const signature = await sign(info, privateKey, keySpec);
  return derToPem(
    derSequence(info, signatureAlgorithmFor(keySpec).der, derBitString(signature)),
    'CERTIFICATE REQUEST',
  );
}
