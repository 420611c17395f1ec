import { DynamicModule, Module } from '@nestjs/common';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { BackupModule } from './backup/backup.module';
import { CaModule } from './ca/ca.module';
import { CertModule } from './cert/cert.module';
import { ExportModule } from './export/export.module';
import { RenewalModule } from './renewal/renewal.module';
import { AcmeModule } from './acme/acme.module';
import { RequestsModule } from './requests/requests.module';
import { BodyErrorsModule } from './common/body-errors';
import { LoggingModule } from './common/logging.module';
import { AppConfig } from './config/app-config';
import { AppConfigModule } from './config/config.module';
import { RuntimeSecrets } from './config/secret-files';
import { DatabaseModule } from './database/database.module';
import { KeysModule } from './keys/keys.module';
import { OrgsModule } from './orgs/orgs.module';
import { ApiKeysModule } from './api-keys/api-keys.module';
import { FederationModule } from './federation/federation.module';
import { ProfilesModule } from './profiles/profiles.module';
import { ServiceAccountsModule } from './service-accounts/service-accounts.module';
import { PublicPkiModule } from './public-pki/public-pki.module';
import { SystemModule } from './system/system.module';
import { TlsModule } from './tls/tls.module';
import { UsersModule } from './users/users.module';

@Module({})
export class AppModule {
  static register(config: AppConfig, secrets: RuntimeSecrets): DynamicModule {
    return {
      module: AppModule,
      imports: [
        AppConfigModule.register(config, secrets),
        LoggingModule,
        BodyErrorsModule,
        DatabaseModule,
        SystemModule,
        AuditModule,
        AuthModule,
        UsersModule,
        OrgsModule,
        KeysModule,
        ProfilesModule,
        ServiceAccountsModule,
        ApiKeysModule,
        FederationModule,
        CaModule,
        CertModule,
        ExportModule,
        RequestsModule,
        RenewalModule,
        AcmeModule,
        PublicPkiModule,
        BackupModule,
        TlsModule,
      ],
    };
  }
}
