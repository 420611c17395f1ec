import { MiddlewareConsumer, Module, NestModule } from '@nestjs/common';
import { CertModule } from '../cert/cert.module';
import { CryptoModule } from '../crypto/crypto.module';
import { ProfilesModule } from '../profiles/profiles.module';
import { AcmeAccountAdministrationService } from './accounts/acme-account-administration.service';
import { AcmeAccountDeactivation } from './accounts/acme-account-deactivation';
import { AcmeAccountRepository } from './accounts/acme-account.repository';
import { AcmeAccountsController } from './accounts/acme-accounts.controller';
import { AcmeAccountsService } from './accounts/acme-accounts.service';
import { AcmeContentTypeMiddleware } from './acme-content-type.middleware';
import { AcmeDirectory } from './acme-directory';
import { AcmeErrorWriter } from './acme-error-writer';
import { AcmeProfiles } from './acme-profiles';
import { AcmeResponses } from './acme-responses';
import { AcmeController } from './acme.controller';
import { AcmeEabKeyRepository } from './eab/acme-eab-key.repository';
import { EabKeyResealing } from './eab/eab-key-resealing';
import { AcmeEabKeysController } from './eab/acme-eab-keys.controller';
import { AcmeEabKeysService } from './eab/acme-eab-keys.service';
import { ManagedAcmeProfiles } from './managed-acme-profiles';
import { AcmeRequestVerifier } from './jws/acme-request-verifier';
import { AcmeNonceRepository } from './nonces/acme-nonce.repository';
import { AcmeNonces } from './nonces/acme-nonces';
import { AcmeAuthorizationRepository } from './orders/acme-authorization.repository';
import { AcmeAuthorizationsService } from './orders/acme-authorizations.service';
import { AcmeChallengeRepository } from './orders/acme-challenge.repository';
import { AcmeFinalizationService } from './orders/acme-finalization.service';
import { AcmeNewOrders } from './orders/acme-new-orders';
import { AcmeOrderGauge } from './orders/acme-order-gauge';
import { AcmeOrderRepository } from './orders/acme-order.repository';
import { AcmeOrderStates } from './orders/acme-order-states';
import { AcmeOrdersService } from './orders/acme-orders.service';
import { AcmeReplacementRepository } from './renewal-info/acme-replacement.repository';
import { AcmeChallengeValidationRepository } from './validation/acme-challenge-validation.repository';
import { AcmeValidationJobRepository } from './validation/acme-validation-job.repository';
import { ValidationJobRunner } from './validation/validation-job-runner';
import { AcmeRenewalInfoService } from './renewal-info/acme-renewal-info.service';
import { AriCertificates } from './renewal-info/ari-certificates';
import { AcmeRevocationAuthorizationRepository } from './revocation/acme-revocation-authorization.repository';
import { AcmeRevocationsService } from './revocation/acme-revocations.service';

/** The ACME server (RFC 8555) of every ACME-enabled profile, issuing through the issuance pipeline. */
@Module({
  imports: [ProfilesModule, CertModule, CryptoModule],
  controllers: [AcmeController, AcmeEabKeysController, AcmeAccountsController],
  providers: [
    AcmeAccountAdministrationService,
    AcmeAccountDeactivation,
    AcmeAccountRepository,
    AcmeAccountsService,
    AcmeAuthorizationRepository,
    AcmeAuthorizationsService,
    AcmeChallengeRepository,
    AcmeDirectory,
    AcmeEabKeyRepository,
    AcmeEabKeysService,
    AcmeErrorWriter,
    AcmeNonceRepository,
    AcmeNonces,
    AcmeFinalizationService,
    AcmeNewOrders,
    AcmeOrderGauge,
    AcmeOrderRepository,
    AcmeOrderStates,
    AcmeOrdersService,
    AcmeRenewalInfoService,
    AcmeReplacementRepository,
    AcmeRevocationAuthorizationRepository,
    AcmeRevocationsService,
    AriCertificates,
    AcmeProfiles,
    AcmeRequestVerifier,
    EabKeyResealing,
    AcmeValidationJobRepository,
    AcmeChallengeValidationRepository,
    ValidationJobRunner,
    AcmeResponses,
    ManagedAcmeProfiles,
  ],
  exports: [AcmeErrorWriter],
})
export class AcmeModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(AcmeContentTypeMiddleware).forRoutes(AcmeController);
  }
}
