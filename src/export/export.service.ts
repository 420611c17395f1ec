import { Injectable } from '@nestjs/common';
import { caSlug } from '../ca/ca-slug';
import { CaService } from '../ca/ca.service';
import { CertificateRecordsService } from '../cert/certificate-records.service';
import { Actor } from '../access/policy';
import { InvalidInputError } from '../common/errors';
import { AuthContext } from '../common/request-context';
import { CryptoService } from '../crypto/crypto.service';

export const PEM = 'application/x-pem-file';
export const PKCS12 = 'application/x-pkcs12';

/** A file to download: its name, its media type and its bytes. */
export interface Download {
  filename: string;
  contentType: string;
  body: string | Buffer;
}

/** Certificates, chains and keys as files; every private key read is audited by its owner module. */
@Injectable()
export class ExportService {
  constructor(
    private readonly cas: CaService,
    private readonly certificates: CertificateRecordsService,
    private readonly crypto: CryptoService,
  ) {}

  async caCertificate(actor: Actor, id: number): Promise<Download> {
    const ca = await this.cas.findAllowed(actor, id, 'read');
    return { filename: `${caSlug(ca.name, ca.id)}.pem`, contentType: PEM, body: ca.certificatePem ?? '' };
  }

  async caPrivateKey(auth: AuthContext, id: number): Promise<Download> {
    const { ca, privateKeyPem } = await this.cas.exportPrivateKey(auth, id);
    return { filename: `${caSlug(ca.name, ca.id)}.key.pem`, contentType: PEM, body: privateKeyPem };
  }

  async certificate(actor: Actor, id: number): Promise<Download> {
    const certificate = await this.certificates.findAllowed(actor, id, 'read');
    return { filename: `certificate-${id}.pem`, contentType: PEM, body: certificate.certificatePem };
  }

  async certificatePrivateKey(auth: AuthContext, id: number): Promise<Download> {
    const { privateKeyPem } = await this.certificates.exportPrivateKey(auth, id, 'pem');
    return { filename: `certificate-${id}.key.pem`, contentType: PEM, body: privateKeyPem };
  }

  async chain(actor: Actor, id: number): Promise<Download> {
    const { pems } = await this.certificates.chainPems(actor, id);
    return { filename: `certificate-${id}-chain.pem`, contentType: PEM, body: pems.join('') };
  }

  /** Certificate, key and chain (RFC 7292), protected by `password`; the key read is audited. */
  async pkcs12(auth: AuthContext, id: number, password: string): Promise<Download> {
    if (password.length < 4) throw new InvalidInputError('password must be at least 4 characters');
    const { pems } = await this.certificates.chainPems(auth.user, id);
    const { certificate, privateKeyPem } = await this.certificates.exportPrivateKey(auth, id, 'pkcs12');
    const [leaf, ...chain] = pems.map((pem) => this.crypto.pemToDer(pem, 'CERTIFICATE'));
    const bundle = this.crypto.buildPkcs12({
      privateKey: this.crypto.importPrivateKeyPem(privateKeyPem),
      certificateDer: leaf,
      chainDer: chain,
      password,
      friendlyName: certificate.commonName,
    });
    return { filename: `certificate-${id}.p12`, contentType: PKCS12, body: bundle };
  }
}
