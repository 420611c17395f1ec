import { Injectable } from '@nestjs/common';
import { CryptoService } from '../crypto/crypto.service';
import { IssuerContext } from '../crypto/crypto.types';
import { PrivateKeyVault } from '../keys/private-key-vault';
import { CertificateAuthority } from './certificate-authority.entity';
import { CertificateAuthorityRepository } from './certificate-authority.repository';

/**
 * Unsealed CA keys, prepared once per CA certificate and reused for every signature. Keyed by the
 * certificate fingerprint, so a CA whose certificate changes (pending → active) is prepared anew;
 * nothing here decides anything: status and permissions are always read from the database.
 */
@Injectable()
export class IssuerCache {
  private readonly issuers = new Map<number, { fingerprint: string; issuer: Promise<IssuerContext> }>();

  constructor(
    private readonly repository: CertificateAuthorityRepository,
    private readonly crypto: CryptoService,
    private readonly vault: PrivateKeyVault,
  ) {}

  issuerFor(ca: CertificateAuthority): Promise<IssuerContext> {
    if (!ca.certificatePem || !ca.fingerprintSha256) {
      return Promise.reject(new Error(`CA ${ca.id} has no certificate yet`));
    }
    const cached = this.issuers.get(ca.id);
    if (cached && cached.fingerprint === ca.fingerprintSha256) return cached.issuer;
    const certificatePem = ca.certificatePem;
    const issuer = this.load(ca.id, certificatePem);
    this.issuers.set(ca.id, { fingerprint: ca.fingerprintSha256, issuer });
    issuer.catch(() => this.issuers.delete(ca.id));
    return issuer;
  }

  forget(caId: number): void {
    this.issuers.delete(caId);
  }

  private async load(caId: number, certificatePem: string): Promise<IssuerContext> {
    const privateKey = await this.vault.unseal(await this.repository.sealedPrivateKey(caId));
    return this.crypto.prepareIssuer(this.crypto.pemToDer(certificatePem, 'CERTIFICATE'), privateKey);
  }
}
