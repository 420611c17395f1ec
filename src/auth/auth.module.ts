import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { ThrottlerModule } from '@nestjs/throttler';
import { createSecretKey } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { RuntimeSecrets } from '../config/secret-files';
import { isClusterWorker } from '../cluster/primary-link';
import { UsersModule } from '../users/users.module';
import { AccessTokenGuard } from './access-token.guard';
import { AccessTokenService } from './access-token.service';
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
        // A KeyObject, not the string: given a string, jsonwebtoken first tries (and fails) to parse it
        // as a PEM public key on every verification, about 0.5 ms of OpenSSL decoder work per request.
        secret: createSecretKey(Buffer.from(secrets.jwtSecret, 'utf8')),
        signOptions: { algorithm: 'HS256' },
        verifyOptions: { algorithms: ['HS256'] },
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
    RefreshTokenStore,
    AuthRateLimitGuard,
    { provide: APP_GUARD, useClass: AccessTokenGuard },
  ],
})
export class AuthModule {}
