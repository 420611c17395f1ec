import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Request, Response } from 'express';
import passport, { Strategy } from 'passport';
import { looksLikeApiKey } from '../api-keys/api-key-format';
import { InvalidAccessTokenError, UnauthorizedError } from '../common/errors';
import { AUTH_MODE } from '../common/public.decorator';
import { AuthenticatedRequest } from '../common/request-context';
import type { User } from '../users/user.entity';
import { AccessTokenIdentity, AccessTokenStrategy } from './access-token.strategy';
import { ApiKeyIssueLimiter } from './api-key-issue-limiter';
import { ApiKeyStrategy } from './api-key.strategy';

/**
 * Global guard: every route needs a valid access token or API key unless marked @Public() (or
 * @OptionalAuth() with no token presented). A request without a bearer token gets the bare
 * challenge; a bearer value that was presented and refused gets error="invalid_token" (RFC 6750
 * §3.1). Values with the API-key prefix go to ApiKeyStrategy, the others to AccessTokenStrategy.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly accessTokens: AccessTokenStrategy,
    private readonly apiKeys: ApiKeyStrategy,
    private readonly issueLimiter: ApiKeyIssueLimiter,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const mode = this.reflector.getAllAndOverride<string | undefined>(AUTH_MODE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (mode === 'public') return true;
    const http = context.switchToHttp();
    const request = http.getRequest<AuthenticatedRequest>();
    const authorization = request.headers.authorization;
    if (authorization === undefined || !BEARER_SCHEME.test(authorization)) {
      if (mode === 'optional' && authorization === undefined) return true;
      throw new UnauthorizedError('Not authenticated: send "Authorization: Bearer <access token>"');
    }
    const presented = authorization.replace(/^Bearer\s+/i, '').trim();
    if (looksLikeApiKey(presented)) {
      const principal = await authenticate<User>(this.apiKeys, request, http.getResponse<Response>());
      request.user = principal;
      request.session = null;
      await this.issueLimiter.check(context, principal);
      return true;
    }
    const identity = await authenticate<AccessTokenIdentity>(
      this.accessTokens,
      request,
      http.getResponse<Response>(),
    );
    request.user = identity.user;
    request.session = identity.session;
    return true;
  }
}

/** A bearer token was presented (well-formed or not), as opposed to no credentials or another scheme. */
const BEARER_SCHEME = /^Bearer\s+\S/i;

/**
 * Runs this application's strategy instance (not one looked up by name in passport's process-wide
 * registry, which two applications in one process would share). Errors thrown by `validate` come
 * back as they were thrown; a refused token (bad signature, expired, malformed) is an invalid token.
 */
function authenticate<Identity>(strategy: Strategy, request: Request, response: Response): Promise<Identity> {
  return new Promise((resolve, reject) => {
    const middleware = passport.authenticate(
      // Passport adds its per-request actions (success, fail, error) to the object it is given.
      Object.create(strategy) as Strategy,
      { session: false },
      (error: unknown, identity: Identity | false | undefined) => {
        if (error) reject(error);
        else if (!identity) reject(new InvalidAccessTokenError());
        else resolve(identity);
      },
    ) as (request: Request, response: Response, next: (error?: unknown) => void) => void;
    middleware(request, response, reject);
  });
}
