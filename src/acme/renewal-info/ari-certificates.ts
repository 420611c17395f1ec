import { Injectable } from '@nestjs/common';
import type { Certificate } from '../../cert/certificate.entity';
import { CertificateRecordsService } from '../../cert/certificate-records.service';
import { CryptoService } from '../../crypto/crypto.service';
import type { CertificateProfileEntity } from '../../profiles/certificate-profile.entity';
import { AriCertificateId } from './ari-certificate-id';

/**
 * The certificate an ARI identifier names among a profile's: found by serial under the profile's CAs
 * (acme_ca_id and ca_ids, through the unique index on issuer and serial), then held to the
 * identifier's key id, which RFC 9773 4.1 takes from the certificate's own AKI extension.
 */
@Injectable()
export class AriCertificates {
  constructor(
    private readonly certificates: CertificateRecordsService,
    private readonly crypto: CryptoService,
  ) {}

  async find(profile: CertificateProfileEntity, id: AriCertificateId): Promise<Certificate | null> {
    const issuerIds = new Set(profile.caIds);
    if (profile.acmeCaId !== null) issuerIds.add(profile.acmeCaId);
    const candidates = await this.certificates.findBySerial([...issuerIds], id.serialNumberHex);
    return (
      candidates.find(
        (candidate) =>
          candidate.profileId === profile.id &&
          this.crypto
            .parseCertificate(candidate.certificatePem)
            .authorityKeyIdentifier?.equals(id.authorityKeyId),
      ) ?? null
    );
  }
}
