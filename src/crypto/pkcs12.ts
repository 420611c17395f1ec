import { createHash, createHmac, randomBytes } from 'node:crypto';
import * as forge from 'node-forge';
import { InvalidInputError } from '../common/errors';
import type { Pkcs12Input } from './crypto.types';
import { derInteger, derOid, derSequence, derTlv, Tag } from './der';
import { keySpecOf } from './keys';

const OID = {
  data: '1.2.840.113549.1.7.1',
  pkcs8ShroudedKeyBag: '1.2.840.113549.1.12.10.1.2',
  certBag: '1.2.840.113549.1.12.10.1.3',
  x509Certificate: '1.2.840.113549.1.9.22.1',
  friendlyName: '1.2.840.113549.1.9.20',
  localKeyId: '1.2.840.113549.1.9.21',
  sha256: '2.16.840.1.101.3.4.2.1',
};

const MAC_ITERATIONS = 2048;
const BMP_STRING = 0x1e;

function explicit0(...contents: Buffer[]): Buffer {
  return derTlv(0xa0, ...contents);
}

function dataContentInfo(content: Buffer): Buffer {
  return derSequence(derOid(OID.data), explicit0(derTlv(Tag.OCTET_STRING, content)));
}

function bmpString(text: string): Buffer {
  return Buffer.from(text, 'utf16le').swap16();
}

function attribute(oid: string, value: Buffer): Buffer {
  return derSequence(derOid(oid), derTlv(Tag.SET, value));
}

function bagAttributes(localKeyId: Buffer | null, friendlyName: string | undefined): Buffer[] {
  const attributes: Buffer[] = [];
  if (friendlyName) attributes.push(attribute(OID.friendlyName, derTlv(BMP_STRING, bmpString(friendlyName))));
  if (localKeyId) attributes.push(attribute(OID.localKeyId, derTlv(Tag.OCTET_STRING, localKeyId)));
  return attributes.length > 0 ? [derTlv(Tag.SET, ...attributes)] : [];
}

function certBag(certificateDer: Buffer, attributes: Buffer[]): Buffer {
  const value = derSequence(derOid(OID.x509Certificate), explicit0(derTlv(Tag.OCTET_STRING, certificateDer)));
  return derSequence(derOid(OID.certBag), explicit0(value), ...attributes);
}

/** RFC 7292 appendix B.2 key derivation with SHA-256, by node-forge. */
export function pkcs12Kdf(
  password: string,
  salt: Buffer,
  id: number,
  iterations: number,
  length: number,
): Buffer {
  const key = forge.pkcs12.generateKey(
    password,
    forge.util.createBuffer(salt.toString('binary')),
    id,
    iterations,
    length,
    forge.md.sha256.create(),
  );
  return Buffer.from(key.getBytes(), 'binary');
}

/**
 * A PKCS#12 that OpenSSL 3 opens without -legacy: the key bag holds Node's PBES2 (PBKDF2 + AES-256-CBC)
 * encrypted PKCS#8, certificates are in a plain data SafeContents, integrity is HMAC-SHA256.
 */
export function buildPkcs12(input: Pkcs12Input): Buffer {
  const { privateKey, certificateDer, chainDer, password, friendlyName } = input;
  if (typeof password !== 'string' || password.length === 0) {
    throw new InvalidInputError('A PKCS#12 export needs a non-empty password');
  }
  if (privateKey.type !== 'private') throw new InvalidInputError('A PKCS#12 export needs a private key');
  keySpecOf(privateKey);

  const localKeyId = createHash('sha1').update(certificateDer).digest();
  const encryptedKey = privateKey.export({
    type: 'pkcs8',
    format: 'der',
    cipher: 'aes-256-cbc',
    passphrase: password,
  });
  const keyBag = derSequence(
    derOid(OID.pkcs8ShroudedKeyBag),
    explicit0(encryptedKey),
    ...bagAttributes(localKeyId, friendlyName),
  );
  const certificates = derSequence(
    certBag(certificateDer, bagAttributes(localKeyId, friendlyName)),
    ...chainDer.map((der) => certBag(der, [])),
  );
  const authenticatedSafe = derSequence(dataContentInfo(certificates), dataContentInfo(derSequence(keyBag)));

  const salt = randomBytes(16);
  const macKey = pkcs12Kdf(password, salt, 3, MAC_ITERATIONS, 32);
  const mac = createHmac('sha256', macKey).update(authenticatedSafe).digest();
  const macData = derSequence(
    derSequence(derSequence(derOid(OID.sha256), derTlv(Tag.NULL)), derTlv(Tag.OCTET_STRING, mac)),
    derTlv(Tag.OCTET_STRING, salt),
    derInteger(MAC_ITERATIONS),
  );
  return derSequence(derInteger(3), dataContentInfo(authenticatedSafe), macData);
}
