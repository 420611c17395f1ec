import { Injectable } from '@nestjs/common';
import type { KeyObject } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { prepareIssuer, selfSign, selfSignedIssuer, signCertificate } from './certificate-builder';
import { parseLinkedChain, remainingPathLength } from './certificate-chain';
import { ConcurrencyLimit } from './concurrency-limit';
import { parseCertificate, verifyCertificateSignature } from './certificate-parser';
import { signCrl } from './crl-builder';
import type {
  CertificateTemplate,
  CrlTemplate,
  DistinguishedName,
  IssuerContext,
  KeySpec,
  ParsedCertificate,
  ParsedCsr,
  PemBlock,
  Pkcs12Input,
  SubjectAltNames,
} from './crypto.types';
import { buildCsr, parseCsr } from './csr';
import type { BuildCsrOptions } from './csr';
import {
  commonName,
  formatDistinguishedName,
  normaliseDistinguishedName,
  parseDistinguishedName,
} from './distinguished-name';
import {
  exportPrivateKeyPem,
  generateKeyPair,
  importPrivateKeyPem,
  keySpecOf,
  spkiDer,
  validateKeySpec,
} from './keys';
import { derToPem, fingerprintSha256, pemToDer, splitPemBlocks } from './pem';
import { buildPkcs12 } from './pkcs12';
import { reasonCodeFromText, reasonNameFromCode, revocationReasonCode } from './revocation-reason';
import { normalizeSerialHex, randomSerialNumber, serialFromHex, serialToHex } from './serial-number';

/** The only entry point of the X.509 engine for the rest of the application. */
@Injectable()
export class CryptoService {
  /** Signatures in flight at once (SIGNING_CONCURRENCY); see ConcurrencyLimit. */
  private readonly signing: ConcurrencyLimit;

  constructor(config: AppConfig) {
    this.signing = new ConcurrencyLimit(config.signingConcurrency);
  }

  // Keys
  validateKeySpec(type: string, size?: number | null): KeySpec {
    return validateKeySpec(type, size);
  }

  generateKeyPair(spec: KeySpec): Promise<{ privateKey: KeyObject; publicKey: KeyObject }> {
    return generateKeyPair(spec);
  }

  keySpecOf(key: KeyObject): KeySpec {
    return keySpecOf(key);
  }

  exportPrivateKeyPem(key: KeyObject): string {
    return exportPrivateKeyPem(key);
  }

  importPrivateKeyPem(pem: string): KeyObject {
    return importPrivateKeyPem(pem);
  }

  spkiDer(key: KeyObject): Buffer {
    return spkiDer(key);
  }

  // Names
  parseDistinguishedName(text: string): DistinguishedName {
    return parseDistinguishedName(text);
  }

  normaliseDistinguishedName(dn: DistinguishedName): DistinguishedName {
    return normaliseDistinguishedName(dn);
  }

  formatDistinguishedName(dn: DistinguishedName): string {
    return formatDistinguishedName(dn);
  }

  commonName(dn: DistinguishedName): string | null {
    return commonName(dn);
  }

  // CSRs
  parseCsr(pem: string | Buffer): Promise<ParsedCsr> {
    return parseCsr(pem);
  }

  buildCsr(
    subject: DistinguishedName,
    privateKey: KeyObject,
    san?: SubjectAltNames,
    options?: BuildCsrOptions,
  ): Promise<Buffer> {
    return buildCsr(subject, privateKey, san, options);
  }

  // Certificates
  prepareIssuer(certificateDer: Buffer, privateKey: KeyObject): IssuerContext {
    return prepareIssuer(certificateDer, privateKey);
  }

  selfSignedIssuer(template: CertificateTemplate, privateKey: KeyObject): IssuerContext {
    return selfSignedIssuer(template, privateKey);
  }

  signCertificate(template: CertificateTemplate, issuer: IssuerContext): Promise<Buffer> {
    return this.signing.run(() => signCertificate(template, issuer));
  }

  selfSign(template: CertificateTemplate, privateKey: KeyObject): Promise<Buffer> {
    return this.signing.run(() => selfSign(template, privateKey));
  }

  parseCertificate(derOrPem: Buffer | string): ParsedCertificate {
    return parseCertificate(derOrPem);
  }

  /** A PEM chain, leaf first, each certificate verified as issued by the next; 400 otherwise. */
  parseLinkedChain(pemText: string): Promise<ParsedCertificate[]> {
    return parseLinkedChain(pemText);
  }

  /** How many CA certificates may still follow a linked chain's first certificate (null: unlimited). */
  remainingPathLength(chain: readonly ParsedCertificate[]): number | null {
    return remainingPathLength(chain);
  }

  verifyCertificateSignature(childDer: Buffer, issuerPublicKey: KeyObject): Promise<boolean> {
    return verifyCertificateSignature(childDer, issuerPublicKey);
  }

  // CRLs and revocation
  signCrl(template: CrlTemplate, issuer: IssuerContext): Promise<Buffer> {
    return this.signing.run(() => signCrl(template, issuer));
  }

  /** Validates a requested CRL reason (400 for codes RFC 5280 does not define). */
  revocationReasonCode(reason: string | null | undefined, code: number | null | undefined): number | null {
    return revocationReasonCode(reason, code);
  }

  reasonCodeFromText(text: string | null | undefined): number | null {
    return reasonCodeFromText(text);
  }

  reasonNameFromCode(code: number): string | null {
    return reasonNameFromCode(code);
  }

  // PKCS#12
  buildPkcs12(input: Pkcs12Input): Buffer {
    return buildPkcs12(input);
  }

  // Encoding helpers
  pemToDer(pem: string, expectedLabel: string | readonly string[]): Buffer {
    return pemToDer(pem, expectedLabel);
  }

  derToPem(der: Buffer, label: string): string {
    return derToPem(der, label);
  }

  splitPemBlocks(text: string): PemBlock[] {
    return splitPemBlocks(text);
  }

  /** SHA-256 of the DER as 64 lowercase hex digits, no separators. */
  fingerprintSha256(der: Buffer): string {
    return fingerprintSha256(der);
  }

  // Serial numbers (canonical text: lowercase hex, no leading zeros)
  randomSerialNumber(): Buffer {
    return randomSerialNumber();
  }

  serialToHex(content: Buffer): string {
    return serialToHex(content);
  }

  serialFromHex(hex: string): Buffer {
    return serialFromHex(hex);
  }

  normalizeSerialHex(text: string): string {
    return normalizeSerialHex(text);
  }
}
