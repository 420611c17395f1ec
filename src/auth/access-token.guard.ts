import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { Request, Response } from 'express';
import passport from 'passport';
import { InvalidAccessTokenError, UnauthorizedError } from '../common/errors';
import { AUTH_MODE } from '../common/public.decorator';
import { AuthenticatedRequest } from '../common/request-context';
import { AccessTokenIdentity, AccessTokenStrategy } from './access-token.strategy';

/**
 * Global guard: every route needs a valid access token unless marked @Public() (or @OptionalAuth()
 * with no token presented). A request without a bearer token gets the bare challenge; a bearer token
 * that was presented and refused by AccessTokenStrategy gets error="invalid_token" (RFC 6750 §3.1).
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly strategy: AccessTokenStrategy,
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
    const { user, session } = await authenticate(this.strategy, request, http.getResponse<Response>());
    request.user = user;
    request.session = session;
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
function authenticate(
  strategy: AccessTokenStrategy,
  request: Request,
  response: Response,
): Promise<AccessTokenIdentity> {
  return new Promise((resolve, reject) => {
    const middleware = passport.authenticate(
      // Passport adds its per-request actions (success, fail, error) to the object it is given.
      Object.create(strategy) as AccessTokenStrategy,
      { session: false },
      (error: unknown, identity: AccessTokenIdentity | false | undefined) => {
        if (error) reject(error);
        else if (!identity) reject(new InvalidAccessTokenError());
        else resolve(identity);
      },
    ) as (request: Request, response: Response, next: (error?: unknown) => void) => void;
    middleware(request, response, reject);
  });
}
