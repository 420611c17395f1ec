import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { getStorageToken, ThrottlerModule } from '@nestjs/throttler';
import { ApiKeysModule } from '../api-keys/api-keys.module';
import { AppConfig } from '../config/app-config';
import { RuntimeSecrets } from '../config/secret-files';
import { FederationModule } from '../federation/federation.module';
import { ServiceAccountsModule } from '../service-accounts/service-accounts.module';
import { UsersModule } from '../users/users.module';
import { AccessTokenGuard } from './access-token.guard';
import { accessTokenKey } from './access-token-key';
import { AccessTokenService } from './access-token.service';
import { AccessTokenStrategy } from './access-token.strategy';
import { ApiKeyIssueLimiter } from './api-key-issue-limiter';
import { ApiKeyStrategy } from './api-key.strategy';
import { AuthController } from './auth.controller';
import { ADDRESS_THROTTLER, AuthRateLimitGuard, FAMILY_THROTTLER } from './auth-rate-limit.guard';
import { AuthService } from './auth.service';
import { TokenExchangeService } from './token-exchange.service';
import { DatabaseThrottlerStorage } from './database-throttler-storage';
import { RateLimitRepository } from './rate-limit.repository';
import { RefreshTokenRepository } from './refresh-token.repository';
import { RevokedAccessTokenRepository } from './revoked-access-token.repository';

@Module({
  imports: [
    UsersModule,
    ApiKeysModule,
    ServiceAccountsModule,
    FederationModule,
    JwtModule.registerAsync({
      inject: [RuntimeSecrets],
      useFactory: (secrets: RuntimeSecrets) => ({
        secret: accessTokenKey(secrets),
        signOptions: { algorithm: 'HS256' },
      }),
    }),
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => {
        const window = { ttl: config.authRateLimit.windowSeconds * 1000, limit: config.authRateLimit.limit };
        return {
          throttlers: [
            { name: ADDRESS_THROTTLER, ...window },
            { name: FAMILY_THROTTLER, ...window },
          ],
        };
      },
    }),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    TokenExchangeService,
    AccessTokenService,
    AccessTokenStrategy,
    ApiKeyStrategy,
    ApiKeyIssueLimiter,
    RefreshTokenRepository,
    RevokedAccessTokenRepository,
    RateLimitRepository,
    AuthRateLimitGuard,
    DatabaseThrottlerStorage,
    // Replaces the throttler's in-process storage for this module's guard.
    { provide: getStorageToken(), useExisting: DatabaseThrottlerStorage },
    { provide: APP_GUARD, useClass: AccessTokenGuard },
  ],
})
export class AuthModule {}
