import { ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  ThrottlerLimitDetail,
  ThrottlerModuleOptions,
  ThrottlerRequest,
  ThrottlerStorage,
} from '@nestjs/throttler';
import { Request } from 'express';
import { TooManyRequestsError } from '../common/errors';
import { DomainMetrics } from '../system/domain-metrics';
import { DatabaseThrottlerStorage } from './database-throttler-storage';
import { TOKEN_EXCHANGE_GRANT } from './dto/token.dto';
import { hashRefreshToken } from './refresh-token.repository';

/** The throttler counting per client address and username (sign-in and refresh). */
export const ADDRESS_THROTTLER = 'auth';
/** The throttler counting per sign-in session: refresh only (the sign-in route skips it). */
export const FAMILY_THROTTLER = 'refresh-family';

/**
 * AUTH_RATE_LIMIT per client address and username, on the sign-in and refresh routes, and on refresh
 * also per refresh-token family, so a stolen token cannot be tried from many addresses at once.
 */
@Injectable()
export class AuthRateLimitGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly metrics: DomainMetrics,
    private readonly windows: DatabaseThrottlerStorage,
  ) {
    super(options, storage, reflector);
  }

  protected override async handleRequest(request: ThrottlerRequest): Promise<boolean> {
    const { context, ttl, limit } = request;
    const body = context.switchToHttp().getRequest<Request>().body as
      { refresh_token?: unknown; grant_type?: unknown } | undefined;
    // A token exchange guesses no secret (an ID token verifies or it does not), and pipelines behind
    // one address would share a window; the issuer fetches it can cause are bounded by IssuerKeys.
    if (context.getHandler().name === 'token' && body?.grant_type === TOKEN_EXCHANGE_GRANT) return true;
    if (request.throttler.name !== FAMILY_THROTTLER) return super.handleRequest(request);
    if (typeof body?.refresh_token !== 'string') return true;
    const tracker = hashRefreshToken(body.refresh_token);
    // Null for a token the store does not know: no session to protect; the address limit still counts it.
    const window = await this.windows.incrementFamilyOf(tracker, ttl, limit);
    if (window?.isBlocked) {
      await this.throwThrottlingException(context, { ...window, ttl, limit, key: tracker, tracker });
    }
    return true;
  }

  protected override async getTracker(request: Request): Promise<string> {
    const body = request.body as { username?: unknown } | undefined;
    const username = typeof body?.username === 'string' ? body.username.slice(0, 150) : '';
    return `${request.ip ?? ''}|${username}`;
  }

  protected override async throwThrottlingException(
    context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    // The handler's name: `token` (sign-in) or `refresh`.
    this.metrics.authRateLimited.inc({ operation: context.getHandler().name });
    throw new TooManyRequestsError(Math.max(1, Math.ceil(detail.timeToBlockExpire)));
  }
}
