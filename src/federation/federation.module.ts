import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ServiceAccountsModule } from '../service-accounts/service-accounts.module';
import { UsersModule } from '../users/users.module';
import { IdTokenVerifier } from './id-token';
import { IssuerKeys } from './issuer-keys';
import { TrustPoliciesController } from './trust-policies.controller';
import { TrustPoliciesService } from './trust-policies.service';
import { TrustPolicy } from './trust-policy.entity';
import { TrustPolicyRepository } from './trust-policy.repository';
import { WorkloadIdentityService } from './workload-identity.service';

/**
 * OIDC workload identity federation: service accounts trust CI issuers' ID tokens (trust policies);
 * the auth module's token endpoint exchanges a token through WorkloadIdentityService.
 */
@Module({
  imports: [TypeOrmModule.forFeature([TrustPolicy]), ServiceAccountsModule, UsersModule],
  controllers: [TrustPoliciesController],
  providers: [
    TrustPolicyRepository,
    TrustPoliciesService,
    IssuerKeys,
    IdTokenVerifier,
    WorkloadIdentityService,
  ],
  exports: [WorkloadIdentityService],
})
export class FederationModule {}
