import { ExecutionContext, Injectable } from '@nestjs/common';
import { ThrottlerGuard, ThrottlerLimitDetail } from '@nestjs/throttler';
import { Request } from 'express';
import { TooManyRequestsError } from '../common/errors';

/** AUTH_RATE_LIMIT per client address and username, on the sign-in and refresh routes. */
@Injectable()
export class AuthRateLimitGuard extends ThrottlerGuard {
  protected override async getTracker(request: Request): Promise<string> {
    const body = request.body as { username?: unknown } | undefined;
    const username = typeof body?.username === 'string' ? body.username.slice(0, 150) : '';
    return `${request.ip ?? ''}|${username}`;
  }

  protected override async throwThrottlingException(
    _context: ExecutionContext,
    detail: ThrottlerLimitDetail,
  ): Promise<void> {
    throw new TooManyRequestsError(Math.max(1, Math.ceil(detail.timeToBlockExpire)));
  }
}
