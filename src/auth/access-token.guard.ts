import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { UnauthorizedError } from '../common/errors';
import { AUTH_MODE } from '../common/public.decorator';
import { AuthenticatedRequest } from '../common/request-context';
import { User } from '../users/user.entity';
import { AccessTokenService } from './access-token.service';

/**
 * Global guard: every route needs a valid access token unless marked @Public() (or @OptionalAuth()
 * with no token presented). One query loads the user and whether the token was signed out.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: AccessTokenService,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const mode = this.reflector.getAllAndOverride<string | undefined>(AUTH_MODE, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (mode === 'public') return true;
    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const token = bearerToken(request.headers.authorization);
    if (token === null) {
      if (mode === 'optional' && request.headers.authorization === undefined) return true;
      throw new UnauthorizedError('Not authenticated: send "Authorization: Bearer <access token>"');
    }
    const claims = await this.tokens.verify(token);
    if (!claims) throw new UnauthorizedError('Invalid or expired access token');
    const { entities, raw } = await this.dataSource
      .getRepository(User)
      .createQueryBuilder('user')
      .addSelect('EXISTS (SELECT 1 FROM revoked_access_tokens r WHERE r.jti = :jti)', 'token_revoked')
      .where('user.id = :id', { id: Number(claims.sub), jti: claims.jti })
      .getRawAndEntities<{ token_revoked: boolean }>();
    const user = entities[0];
    const issuedAtMs = claims.iat * 1000;
    if (!user || !user.isActive || raw[0]?.token_revoked) {
      throw new UnauthorizedError('Invalid or expired access token');
    }
    if (user.tokensValidAfter && issuedAtMs < user.tokensValidAfter.getTime()) {
      throw new UnauthorizedError('Invalid or expired access token');
    }
    request.user = user;
    request.session = { tokenId: claims.jti, familyId: claims.fam, expiresAt: new Date(claims.exp * 1000) };
    return true;
  }
}

function bearerToken(header: string | undefined): string | null {
  const match = header ? /^Bearer\s+([A-Za-z0-9_\-.]+)\s*$/i.exec(header) : null;
  return match ? match[1] : null;
}
