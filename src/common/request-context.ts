import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import { Request } from 'express';
import type { User } from '../users/user.entity';
import { UnauthorizedError } from './errors';

/** Who is acting and from where: what services need from an HTTP request, and nothing else. */
export interface RequestContext {
  user: User | null;
  clientAddress: string | null;
}

/** The context of a route behind the token guard: the principal is known. */
export interface AuthContext extends RequestContext {
  user: User;
  /** The sign-in session of an access token; null for an API key (it is no session). */
  session: AccessSession | null;
}

/** What the verified access token says about the session it belongs to. */
export interface AccessSession {
  tokenId: string;
  familyId: string | null;
  expiresAt: Date;
}

export interface AuthenticatedRequest extends Request {
  user?: User;
  session?: AccessSession | null;
}

function clientAddressOf(request: Request): string | null {
  return request.ip ?? request.socket.remoteAddress ?? null;
}

/** The caller, if any: for routes where authentication is optional. */
export const Ctx = createParamDecorator((_data: unknown, context: ExecutionContext): RequestContext => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  return { user: request.user ?? null, clientAddress: clientAddressOf(request) };
});

/** The authenticated caller; the global guard has already refused requests without a valid token. */
export const Auth = createParamDecorator((_data: unknown, context: ExecutionContext): AuthContext => {
  const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
  if (!request.user || request.session === undefined) throw new UnauthorizedError('Not authenticated');
  return { user: request.user, session: request.session, clientAddress: clientAddressOf(request) };
});
