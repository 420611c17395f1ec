import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { RuntimeSecrets } from '../config/secret-files';
import { isClusterWorker } from '../cluster/primary-link';
import { UsersModule } from '../users/users.module';
import { AccessTokenGuard } from './access-token.guard';
import { accessTokenKey } from './access-token-key';
import { AccessTokenService } from './access-token.service';
import { AccessTokenStrategy } from './access-token.strategy';
import { AuthController } from './auth.controller';
import { AuthRateLimitGuard } from './auth-rate-limit.guard';
import { AuthService } from './auth.service';
import { PrimaryThrottlerStorage } from './primary-throttler-storage';
import { RefreshTokenStore } from './refresh-token.store';

@Module({
  imports: [
    UsersModule,
    JwtModule.registerAsync({
      inject: [RuntimeSecrets],
      useFactory: (secrets: RuntimeSecrets) => ({
        secret: accessTokenKey(secrets),
        signOptions: { algorithm: 'HS256' },
      }),
    }),
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        throttlers: [
          { name: 'auth', ttl: config.authRateLimit.windowSeconds * 1000, limit: config.authRateLimit.limit },
        ],
        storage: isClusterWorker() ? new PrimaryThrottlerStorage() : undefined,
      }),
    }),
  ],
  controllers: [AuthController],
  providers: [
    AuthService,
    AccessTokenService,
    AccessTokenStrategy,
    RefreshTokenStore,
    AuthRateLimitGuard,
    { provide: APP_GUARD, useClass: AccessTokenGuard },
  ],
})
export class AuthModule {}
