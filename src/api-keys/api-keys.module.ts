import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ServiceAccountsModule } from '../service-accounts/service-accounts.module';
import { UsersModule } from '../users/users.module';
import { ApiKey } from './api-key.entity';
import { ApiKeyRepository } from './api-key.repository';
import { PersonalApiKeysController, ServiceAccountKeysController } from './api-keys.controller';
import { ApiKeysService } from './api-keys.service';

/** API keys of service accounts and personal keys; the auth module authenticates with them. */
@Module({
  imports: [TypeOrmModule.forFeature([ApiKey]), UsersModule, ServiceAccountsModule],
  controllers: [ServiceAccountKeysController, PersonalApiKeysController],
  providers: [ApiKeyRepository, ApiKeysService],
  exports: [ApiKeysService],
})
export class ApiKeysModule {}
