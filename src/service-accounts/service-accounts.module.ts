import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProfilesModule } from '../profiles/profiles.module';
import { UsersModule } from '../users/users.module';
import { ServiceAccountFacts } from './service-account.entity';
import { ServiceAccountRepository } from './service-account.repository';
import { ServiceAccountsController } from './service-accounts.controller';
import { ServiceAccountsService } from './service-accounts.service';

/** Service accounts: the principals of CI pipelines and workloads. */
@Module({
  imports: [TypeOrmModule.forFeature([ServiceAccountFacts]), UsersModule, ProfilesModule],
  controllers: [ServiceAccountsController],
  providers: [ServiceAccountRepository, ServiceAccountsService],
  exports: [ServiceAccountsService],
})
export class ServiceAccountsModule {}
