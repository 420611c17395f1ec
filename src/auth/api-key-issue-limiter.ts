import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { TooManyRequestsError } from '../common/errors';
import { ISSUES_CERTIFICATES } from '../common/issues-certificates.decorator';
import { AppConfig } from '../config/app-config';
import type { User } from '../users/user.entity';
import { DatabaseThrottlerStorage } from './database-throttler-storage';

/**
 * Issuance through an API key is limited per key (API_KEY_ISSUE_RATE_LIMIT), in the database like the
 * sign-in limit so every instance counts against one window. A runaway pipeline is stopped at its key
 * without touching anyone's sign-in limit or another key's budget.
 */
@Injectable()
export class ApiKeyIssueLimiter {
  constructor(
    private readonly reflector: Reflector,
    private readonly windows: DatabaseThrottlerStorage,
    private readonly config: AppConfig,
  ) {}

  async check(context: ExecutionContext, principal: User): Promise<void> {
    const credential = principal.credential;
    if (credential?.kind !== 'api_key') return;
    if (!this.reflector.get<boolean | undefined>(ISSUES_CERTIFICATES, context.getHandler())) return;
    const { limit, windowSeconds } = this.config.apiKeyIssueRateLimit;
    const window = await this.windows.increment(
      `api-key-issue|${credential.keyId}`,
      windowSeconds * 1000,
      limit,
    );
    if (window.isBlocked) throw new TooManyRequestsError(Math.max(1, Math.ceil(window.timeToBlockExpire)));
  }
}
