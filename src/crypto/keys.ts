import * as crypto from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { InvalidInputError } from '../common/errors';
import type { KeySpec, KeyType } from './crypto.types';
import {
  derBitString,
  derOid,
  derSequence,
  derTlv,
  elementContent,
  expectTag,
  readBitStringBytes,
  readDerChildren,
  readDerRoot,
  readOid,
  Tag,
} from './der';

const RSA_SIZES = [2048, 3072, 4096];
const EC_SIZES = [256, 384];
const CURVE_BY_SIZE: Record<number, string> = { 256: 'P-256', 384: 'P-384' };
const SIZE_BY_CURVE: Record<string, number> = { prime256v1: 256, 'P-256': 256, secp384r1: 384, 'P-384': 384 };

/** Checks a requested key type and size (from user input) and returns the typed spec. */
export function validateKeySpec(type: string, size?: number | null): KeySpec {
  const normalised = typeof type === 'string' ? type.toLowerCase() : '';
  switch (normalised) {
    case 'rsa':
      if (size === undefined || size === null || !RSA_SIZES.includes(size)) {
        throw new InvalidInputError(`RSA key size must be 2048, 3072 or 4096 bits, got ${String(size)}`);
      }
      return { type: 'rsa', size };
    case 'ec':
      if (size === undefined || size === null || !EC_SIZES.includes(size)) {
        throw new InvalidInputError(`EC key size must be 256 (P-256) or 384 (P-384), got ${String(size)}`);
      }
      return { type: 'ec', size };
    case 'ed25519':
      if (size !== undefined && size !== null && size !== 256) {
        throw new InvalidInputError(`Ed25519 keys have a fixed size of 256, got ${size}`);
      }
      return { type: 'ed25519', size: 256 };
    default:
      throw new InvalidInputError(`Unsupported key type "${String(type)}" (use rsa, ec or ed25519)`);
  }
}

export function generateKeyPair(spec: KeySpec): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
  const checked = validateKeySpec(spec.type, spec.size);
  return new Promise((resolve, reject) => {
    const done = (error: Error | null, publicKey: KeyObject, privateKey: KeyObject): void => {
      if (error) reject(error);
      else resolve({ privateKey, publicKey });
    };
    if (checked.type === 'rsa') {
      crypto.generateKeyPair('rsa', { modulusLength: checked.size, publicExponent: 0x10001 }, done);
    } else if (checked.type === 'ec') {
      crypto.generateKeyPair('ec', { namedCurve: CURVE_BY_SIZE[checked.size] }, done);
    } else {
      crypto.generateKeyPair('ed25519', {}, done);
    }
  });
}

/** The spec of a public or private key; keys this CA does not support are refused. */
export function keySpecOf(key: KeyObject): KeySpec {
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  if (type === 'rsa') {
    const size = details.modulusLength ?? 0;
    if (!RSA_SIZES.includes(size)) {
      throw new InvalidInputError(`RSA keys of ${size} bits are not supported (use 2048, 3072 or 4096)`);
    }
    // A number is exact up to 2^53; a larger exponent stays larger than 65537, which is all the rule asks.
    return { type: 'rsa', size, rsaPublicExponent: Number(details.publicExponent ?? 0n) };
  }
  if (type === 'ec') {
    const curve = details.namedCurve ?? 'unknown';
    const size = SIZE_BY_CURVE[curve];
    if (size === undefined)
      throw new InvalidInputError(`EC curve ${curve} is not supported (use P-256 or P-384)`);
    return { type: 'ec', size };
  }
  if (type === 'ed25519') return { type: 'ed25519', size: 256 };
  throw new InvalidInputError(
    `Unsupported key type ${type ?? 'unknown'} (use RSA, EC P-256/P-384 or Ed25519)`,
  );
}

export function exportPrivateKeyPem(key: KeyObject): string {
  return key.export({ type: 'pkcs8', format: 'pem' }).toString();
}

/** Reads an unencrypted private key PEM (PKCS#8, PKCS#1 or SEC1) and checks it is a supported key. */
export function importPrivateKeyPem(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = crypto.createPrivateKey({ key: pem, format: 'pem' });
  } catch {
    throw new InvalidInputError('The private key PEM cannot be read (it must be an unencrypted private key)');
  }
  keySpecOf(key);
  return key;
}

export function publicKeyFromSpki(spkiDer: Buffer): KeyObject {
  try {
    const jwk = rsaJwkFromSpki(spkiDer) ?? ecJwkFromSpki(spkiDer);
    return jwk
      ? crypto.createPublicKey({ key: jwk, format: 'jwk' })
      : crypto.createPublicKey({ key: spkiDer, format: 'der', type: 'spki' });
  } catch {
    throw new InvalidInputError('The subject public key info cannot be read');
  }
}

const RSA_ENCRYPTION = '1.2.840.113549.1.1.1';

/**
 * An RSA SubjectPublicKeyInfo (RFC 3279 2.3.1) as a JWK, or null for any other key. Node imports a
 * JWK RSA key without OpenSSL 3.0's decoder framework, which costs ~20 times more per key and
 * serialises on a global lock while other threads sign: this runs for every CSR.
 */
function rsaJwkFromSpki(spki: Buffer): crypto.JsonWebKey | null {
  const [algorithm, subjectPublicKey] = readDerChildren(spki, readDerRoot(spki, Tag.SEQUENCE));
  const [oid] = readDerChildren(spki, algorithm);
  if (!subjectPublicKey || !oid || readOid(spki, oid) !== RSA_ENCRYPTION) return null;
  const rsaKey = readBitStringBytes(spki, subjectPublicKey);
  const [modulus, exponent, ...rest] = readDerChildren(rsaKey, readDerRoot(rsaKey, Tag.SEQUENCE));
  if (!modulus || !exponent || rest.length > 0) return null;
  expectTag(modulus, Tag.INTEGER);
  expectTag(exponent, Tag.INTEGER);
  const unsigned = (bytes: Buffer) => (bytes[0] === 0 ? bytes.subarray(1) : bytes);
  return {
    kty: 'RSA',
    n: unsigned(elementContent(rsaKey, modulus)).toString('base64url'),
    e: unsigned(elementContent(rsaKey, exponent)).toString('base64url'),
  };
}

/**
 * A P-256 or P-384 SubjectPublicKeyInfo with an uncompressed point (RFC 5480 2.1.1, 2.2) as a JWK, or
 * null for anything else (which OpenSSL then decodes or refuses): the JWK import costs half of
 * OpenSSL's SPKI decoder (0.11 against 0.22 ms here), and this runs for every EC CSR. Node checks the
 * point is on the curve either way.
 */
function ecJwkFromSpki(spki: Buffer): crypto.JsonWebKey | null {
  const [algorithm, subjectPublicKey, ...extra] = readDerChildren(spki, readDerRoot(spki, Tag.SEQUENCE));
  if (!algorithm || !subjectPublicKey || extra.length > 0) return null;
  const [oid, parameters, ...more] = readDerChildren(spki, algorithm);
  if (!oid || !parameters || more.length > 0 || parameters.tag !== Tag.OID) return null;
  if (readOid(spki, oid) !== EC_PUBLIC_KEY) return null;
  const curve = EC_SPKI_CURVES_BY_OID.get(readOid(spki, parameters));
  if (!curve) return null;
  const point = readBitStringBytes(spki, subjectPublicKey);
  if (point.length !== 1 + 2 * curve.coordinateBytes || point[0] !== 0x04) return null;
  return {
    kty: 'EC',
    crv: curve.name,
    x: point.subarray(1, 1 + curve.coordinateBytes).toString('base64url'),
    y: point.subarray(1 + curve.coordinateBytes).toString('base64url'),
  };
}

/** SubjectPublicKeyInfo DER of a key (a private key gives its public half). */
export function spkiDer(key: KeyObject): Buffer {
  const publicKey = key.type === 'private' ? crypto.createPublicKey(key) : key;
  return ecSpkiDer(publicKey) ?? publicKey.export({ type: 'spki', format: 'der' });
}

const EC_PUBLIC_KEY = '1.2.840.10045.2.1';

interface EcSpkiCurve {
  /** The JWK curve name. */
  name: string;
  oid: string;
  /** The SPKI AlgorithmIdentifier (RFC 5480 2.1.1). */
  algorithmDer: Buffer;
  coordinateBytes: number;
}

const EC_SPKI_CURVE_LIST: EcSpkiCurve[] = [
  { name: 'P-256', oid: '1.2.840.10045.3.1.7', coordinateBytes: 32 },
  { name: 'P-384', oid: '1.3.132.0.34', coordinateBytes: 48 },
].map((curve) => ({ ...curve, algorithmDer: derSequence(derOid(EC_PUBLIC_KEY), derOid(curve.oid)) }));
const EC_SPKI_CURVES = new Map(EC_SPKI_CURVE_LIST.map((curve) => [curve.name, curve]));
const EC_SPKI_CURVES_BY_OID = new Map(EC_SPKI_CURVE_LIST.map((curve) => [curve.oid, curve]));

/**
 * An EC key's SubjectPublicKeyInfo built from its JWK coordinates, as the uncompressed point of RFC
 * 5480 2.2; null for other keys. OpenSSL 3's SPKI encoder costs ~0.23 ms per EC key on this VM, the
 * JWK export ~0.01 ms, and a server-side EC key is encoded on every issuance.
 */
function ecSpkiDer(publicKey: KeyObject): Buffer | null {
  if (publicKey.asymmetricKeyType !== 'ec') return null;
  const jwk = publicKey.export({ format: 'jwk' });
  const curve = jwk.crv === undefined ? undefined : EC_SPKI_CURVES.get(jwk.crv);
  if (!curve || jwk.x === undefined || jwk.y === undefined) return null;
  const coordinate = (base64url: string): Buffer => {
    const bytes = Buffer.from(base64url, 'base64url');
    const padded = Buffer.alloc(curve.coordinateBytes);
    bytes.copy(padded, curve.coordinateBytes - bytes.length);
    return padded;
  };
  const point = Buffer.concat([Buffer.from([0x04]), coordinate(jwk.x), coordinate(jwk.y)]);
  return derSequence(curve.algorithmDer, derBitString(point));
}

// ---------------------------------------------------------------------------------------------------------
// Signature algorithms.

export interface SignatureAlgorithm {
  oid: string;
  name: string;
  /** Digest name for crypto.sign/verify, null for Ed25519. */
  nodeAlg: string | null;
  /** 'NULL' when the AlgorithmIdentifier carries NULL parameters (RSA), null when absent. */
  params: 'NULL' | null;
  keyType: KeyType;
  /** The AlgorithmIdentifier DER, ready to splice. */
  der: Buffer;
}

function algorithm(oid: string, name: string, nodeAlg: string | null, keyType: KeyType): SignatureAlgorithm {
  const params = keyType === 'rsa' ? 'NULL' : null;
  const der = params ? derSequence(derOid(oid), derTlv(Tag.NULL)) : derSequence(derOid(oid));
  return { oid, name, nodeAlg, params, keyType, der };
}

const SHA256_WITH_RSA = algorithm('1.2.840.113549.1.1.11', 'sha256WithRSAEncryption', 'sha256', 'rsa');
const ECDSA_SHA256 = algorithm('1.2.840.10045.4.3.2', 'ecdsa-with-SHA256', 'sha256', 'ec');
const ECDSA_SHA384 = algorithm('1.2.840.10045.4.3.3', 'ecdsa-with-SHA384', 'sha384', 'ec');
const ED25519 = algorithm('1.3.101.112', 'Ed25519', null, 'ed25519');

const VERIFIABLE = new Map<string, SignatureAlgorithm>(
  [
    SHA256_WITH_RSA,
    algorithm('1.2.840.113549.1.1.12', 'sha384WithRSAEncryption', 'sha384', 'rsa'),
    algorithm('1.2.840.113549.1.1.13', 'sha512WithRSAEncryption', 'sha512', 'rsa'),
    ECDSA_SHA256,
    ECDSA_SHA384,
    algorithm('1.2.840.10045.4.3.4', 'ecdsa-with-SHA512', 'sha512', 'ec'),
    ED25519,
  ].map((entry) => [entry.oid, entry]),
);

const REFUSED: Record<string, string> = {
  '1.2.840.113549.1.1.10': 'RSASSA-PSS',
  '1.2.840.113549.1.1.5': 'sha1WithRSAEncryption (SHA-1)',
  '1.2.840.113549.1.1.4': 'md5WithRSAEncryption (MD5)',
  '1.2.840.10045.4.1': 'ecdsa-with-SHA1 (SHA-1)',
  '1.3.101.113': 'Ed448',
};

/** The algorithm an issuer with this key signs with. */
export function signatureAlgorithmFor(spec: KeySpec): SignatureAlgorithm {
  if (spec.type === 'rsa') return SHA256_WITH_RSA;
  if (spec.type === 'ec') return spec.size === 384 ? ECDSA_SHA384 : ECDSA_SHA256;
  return ED25519;
}

/** The verifiable algorithm for an OID, or an InvalidInputError naming what is unsupported. */
export function signatureAlgorithmByOid(oid: string): SignatureAlgorithm {
  const known = VERIFIABLE.get(oid);
  if (known) return known;
  throw new InvalidInputError(`Unsupported signature algorithm ${REFUSED[oid] ?? oid}`);
}

export async function sign(data: Buffer, key: KeyObject, spec: KeySpec): Promise<Buffer> {
  const { nodeAlg } = signatureAlgorithmFor(spec);
  return new Promise((resolve, reject) => {
    crypto.sign(nodeAlg, data, key, (error, signature) => {
      if (error) reject(error);
      else resolve(signature);
    });
  });
}

/**
 * Verifies natively; a key that cannot have made this kind of signature simply fails verification.
 * Cheap verifications run inline, the rest in the thread pool (see cheaperInline).
 */
export async function verify(
  data: Buffer,
  signature: Buffer,
  publicKey: KeyObject,
  sigAlgOid: string,
): Promise<boolean> {
  const algorithm = signatureAlgorithmByOid(sigAlgOid);
  if (publicKey.asymmetricKeyType !== algorithm.keyType) return false;
  if (cheaperInline(publicKey)) {
    try {
      return crypto.verify(algorithm.nodeAlg, data, publicKey, signature);
    } catch {
      return false;
    }
  }
  return new Promise((resolve) => {
    crypto.verify(algorithm.nodeAlg, data, publicKey, signature, (error, valid) => {
      resolve(!error && valid);
    });
  });
}

/** Handing a job to the thread pool costs the event loop ~0.12-0.14 ms here (measured on this VM). */
const LARGEST_INLINE_RSA_BITS = 4096;
const LARGEST_INLINE_RSA_EXPONENT = 65537n;

/**
 * Whether verifying with this key costs the event loop less inline than the thread-pool hand-off:
 * RSA up to 4096 bits with a public exponent up to 65537 (0.05-0.13 ms) and P-256 (0.12 ms). P-384, P-521
 * and Ed25519 (0.2-2.9 ms) and RSA with an oversized modulus or exponent, which a CSR's author
 * chooses, go to the pool, so no request can hold the event loop for long.
 */
export function cheaperInline(publicKey: KeyObject): boolean {
  const details = publicKey.asymmetricKeyDetails;
  if (publicKey.asymmetricKeyType === 'rsa') {
    return (
      (details?.modulusLength ?? Number.POSITIVE_INFINITY) <= LARGEST_INLINE_RSA_BITS &&
      (details?.publicExponent ?? LARGEST_INLINE_RSA_EXPONENT + 1n) <= LARGEST_INLINE_RSA_EXPONENT
    );
  }
  return publicKey.asymmetricKeyType === 'ec' && details?.namedCurve === 'prime256v1';
}
