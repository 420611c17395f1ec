import type { KeyObject } from 'node:crypto';
import type { NameConstraints } from '../issuance/name-constraints';
import type { KeyUsage } from './extensions';

export type KeyType = 'rsa' | 'ec' | 'ed25519';

/** rsa: 2048 | 3072 | 4096; ec: 256 | 384; ed25519: 256 (reported size). */
export interface KeySpec {
  type: KeyType;
  size: number;
  /**
   * The public exponent of an RSA key read from a CSR or certificate (keySpecOf); absent for a key the
   * service is asked to generate, whose exponent is always 65537. The issuance rules refuse any other.
   */
  rsaPublicExponent?: number;
}

/**
 * One attribute of a distinguished name.
 * `type` is a short name (CN, O, OU, C, L, ST, STREET, emailAddress, DC, serialNumber, UID, title, GN, SN,
 * postalCode) or a dotted OID. `sameRdnAsPrevious` marks a multi-valued RDN (RFC 4514 `+`): the attribute
 * shares one RDN SET with the attribute before it.
 */
export interface RdnAttribute {
  type: string;
  value: string;
  sameRdnAsPrevious?: boolean;
  /**
   * The ASN.1 string type a CSR used, when it differs from the attribute's default and RFC 5280 allows
   * it (a PrintableString O, say); absent: the default (UTF8String, PrintableString for C and
   * serialNumber, IA5String for emailAddress and DC).
   */
  stringType?: 'utf8' | 'printable' | 'ia5';
}

/** Most significant first (C before O before CN), as in the certificate. */
export type DistinguishedName = RdnAttribute[];

export interface SubjectAltNames {
  dns: string[];
  ip: string[];
  email: string[];
  /** uniformResourceIdentifier [6] (SPIFFE IDs, for example): absolute URIs. */
  uri: string[];
}

export type CertificateType = 'server' | 'client' | 'dual_purpose' | 'ca';

export interface CertificateTemplate {
  /** Content bytes of a positive DER INTEGER (see serial-number.ts). */
  serialNumber: Buffer;
  subject: DistinguishedName;
  /** SubjectPublicKeyInfo DER, copied into the certificate byte for byte. */
  subjectPublicKeyDer: Buffer;
  /** The key behind subjectPublicKeyDer when the caller has already read it (saves parsing it again). */
  subjectKeySpec?: KeySpec;
  notBefore: Date;
  notAfter: Date;
  certificateType: CertificateType;
  /** pathLenConstraint for CA certificates; ignored for leaves. */
  pathLength: number | null;
  san: SubjectAltNames;
  crlDistributionUrl: string | null;
  caIssuersUrl: string | null;
  /** For CA certificates: written as a critical nameConstraints extension when set. */
  nameConstraints?: NameConstraints | null;
}

/** Prepared once per CA, reused for every signature. */
export interface IssuerContext {
  /** Exact DER of the issuer certificate's subject Name. */
  subjectDer: Buffer;
  subjectKeyIdentifier: Buffer;
  privateKey: KeyObject;
  keySpec: KeySpec;
}

export interface ParsedCsr {
  subject: DistinguishedName;
  san: SubjectAltNames;
  subjectPublicKeyDer: Buffer;
  publicKey: KeyObject;
  keySpec: KeySpec;
  der: Buffer;
}

export interface ParsedCertificate {
  der: Buffer;
  /** Canonical serial text, see serialToHex. */
  serialNumberHex: string;
  subject: DistinguishedName;
  subjectDer: Buffer;
  issuerDer: Buffer;
  notBefore: Date;
  notAfter: Date;
  isCa: boolean;
  pathLength: number | null;
  subjectKeyIdentifier: Buffer | null;
  authorityKeyIdentifier: Buffer | null;
  subjectPublicKeyDer: Buffer;
  publicKey: KeyObject;
  /** Null when the key is outside what this service issues (an outside issuer's P-521, say). */
  keySpec: KeySpec | null;
  san: SubjectAltNames;
  /** The keyUsage bits set, or null without the extension. */
  keyUsage: KeyUsage[] | null;
  /** OID of the certificate's signature algorithm. */
  signatureAlgorithmOid: string;
  /** The nameConstraints extension (DNS, IP, email, URI subtrees); null without it. */
  nameConstraints: NameConstraints | null;
}

export interface CrlEntry {
  serialNumberHex: string;
  revokedAt: Date;
  reasonCode: number | null;
}

export interface CrlTemplate {
  crlNumber: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
  entries: CrlEntry[];
}

export interface PemBlock {
  label: string;
  der: Buffer;
}

export interface Pkcs12Input {
  privateKey: KeyObject;
  certificateDer: Buffer;
  chainDer: Buffer[];
  password: string;
  friendlyName?: string;
}
