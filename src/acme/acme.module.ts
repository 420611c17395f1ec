import { Module } from '@nestjs/common';
import { CertModule } from '../cert/cert.module';
import { ProfilesModule } from '../profiles/profiles.module';
import { AcmeAccountRepository } from './accounts/acme-account.repository';
import { AcmeAccountsService } from './accounts/acme-accounts.service';
import { AcmeDirectory } from './acme-directory';
import { AcmeErrorWriter } from './acme-error-writer';
import { AcmeProfiles } from './acme-profiles';
import { AcmeResponses } from './acme-responses';
import { AcmeController } from './acme.controller';
import { AcmeEabKeyRepository } from './eab/acme-eab-key.repository';
import { EabKeyResealing } from './eab/eab-key-resealing';
import { AcmeRequestVerifier } from './jws/acme-request-verifier';
import { AcmeNonceRepository } from './nonces/acme-nonce.repository';
import { AcmeNonces } from './nonces/acme-nonces';
import { AcmeOrdersService } from './orders/acme-orders.service';
import { AcmeChallengeValidationRepository } from './validation/acme-challenge-validation.repository';
import { AcmeValidationJobRepository } from './validation/acme-validation-job.repository';
import { ValidationJobRunner } from './validation/validation-job-runner';
import { AcmeRenewalInfoService } from './renewal-info/acme-renewal-info.service';
import { AcmeRevocationsService } from './revocation/acme-revocations.service';

/** The ACME server (RFC 8555) of every ACME-enabled profile, issuing through the issuance pipeline. */
@Module({
  imports: [ProfilesModule, CertModule],
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
    AcmeRevocationsService,
    AcmeProfiles,
    AcmeRequestVerifier,
    EabKeyResealing,
    AcmeValidationJobRepository,
    AcmeChallengeValidationRepository,
    ValidationJobRunner,
    AcmeResponses,
  ],
  exports: [AcmeErrorWriter],
})
export class AcmeModule {}
