import { Module } from '@nestjs/common';
import { CertModule } from '../cert/cert.module';
import { ServiceAccountsModule } from '../service-accounts/service-accounts.module';
import { UsersModule } from '../users/users.module';
import { RenewalTokenUseRepository } from './renewal-token-use.repository';
import { RenewalController } from './renewal.controller';
import { RenewalService } from './renewal.service';

/** POST /certificates/renew: renewal by proof of the current certificate's key (docs/renewal.md). */
@Module({
  imports: [CertModule, UsersModule, ServiceAccountsModule],
  controllers: [RenewalController],
  providers: [RenewalService, RenewalTokenUseRepository],
})
export class RenewalModule {}
