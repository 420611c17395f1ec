import { Module } from '@nestjs/common';
import { CertModule } from '../cert/cert.module';
import { CryptoModule } from '../crypto/crypto.module';
import { ProfilesModule } from '../profiles/profiles.module';
import { AcmeAccountRepository } from './accounts/acme-account.repository';
import { AcmeAccountsService } from './accounts/acme-accounts.service';
import { AcmeDirectory } from './acme-directory';
import { AcmeErrorWriter } from './acme-error-writer';
import { AcmeProfiles } from './acme-profiles';
import { AcmeResponses } from './acme-responses';
import { AcmeController } from './acme.controller';
import { AcmeEabKeyRepository } from './eab/acme-eab-key.repository';
import { AcmeRequestVerifier } from './jws/acme-request-verifier';
import { AcmeNonceRepository } from './nonces/acme-nonce.repository';
import { AcmeNonces } from './nonces/acme-nonces';
import { AcmeOrdersService } from './orders/acme-orders.service';
import { AcmeReplacementRepository } from './renewal-info/acme-replacement.repository';
import { AcmeRenewalInfoService } from './renewal-info/acme-renewal-info.service';
import { AriCertificates } from './renewal-info/ari-certificates';
import { AcmeRevocationAuthorizationRepository } from './revocation/acme-revocation-authorization.repository';
import { AcmeRevocationsService } from './revocation/acme-revocations.service';

/** The ACME server (RFC 8555) of every ACME-enabled profile, issuing through the issuance pipeline. */
@Module({
  imports: [ProfilesModule, CertModule, CryptoModule],
  controllers: [AcmeController],
  providers: [
    AcmeAccountRepository,
    AcmeAccountsService,
    AcmeDirectory,
    AcmeEabKeyRepository,
    AcmeErrorWriter,
    AcmeNonceRepository,
    AcmeNonces,
    AcmeOrdersService,
    AcmeRenewalInfoService,
    AcmeReplacementRepository,
    AcmeRevocationAuthorizationRepository,
    AcmeRevocationsService,
    AriCertificates,
    AcmeProfiles,
    AcmeRequestVerifier,
    AcmeResponses,
  ],
  exports: [AcmeErrorWriter],
})
export class AcmeModule {}
