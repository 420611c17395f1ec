import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { InvalidAccessTokenError, UnauthorizedError } from '../common/errors';
import { AUTH_MODE } from '../common/public.decorator';
import { AuthenticatedRequest } from '../common/request-context';
import { PreparedStatement, queryPrepared } from '../database/prepared-statement';
import { User } from '../users/user.entity';
import { AccessTokenService } from './access-token.service';

/**
 * Global guard: every route needs a valid access token unless marked @Public() (or @OptionalAuth()
 * with no token presented). One query loads the user, whether the token was signed out, and whether
 * its sign-in session (refresh-token family) has ended: by a logout, or by a refresh token replayed,
 * in which case every access token minted in that session is refused too, not only its refresh tokens.
 */
@Injectable()
export class AccessTokenGuard implements CanActivate {
  private userStatement: PreparedStatement | null = null;

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
    const authorization = request.headers.authorization;
    if (authorization === undefined || !BEARER_SCHEME.test(authorization)) {
      if (mode === 'optional' && authorization === undefined) return true;
      throw new UnauthorizedError('Not authenticated: send "Authorization: Bearer <access token>"');
    }
    const token = bearerToken(authorization);
    const claims = token === null ? null : await this.tokens.verify(token);
    if (!claims) throw new InvalidAccessTokenError();
    const [row] = await queryPrepared<Record<string, unknown>>(this.dataSource.manager, this.userQuery(), [
      Number(claims.sub),
      claims.jti,
      claims.fam,
    ]);
    const user = row ? this.userFromRow(row) : null;
    const issuedAtMs = claims.iat * 1000;
    if (!user || !user.isActive || row.token_revoked === true || row.session_ended === true) {
      throw new InvalidAccessTokenError();
    }
    if (user.tokensValidAfter && issuedAtMs < user.tokensValidAfter.getTime()) {
      throw new InvalidAccessTokenError();
    }
    request.user = user;
    request.session = { tokenId: claims.jti, familyId: claims.fam, expiresAt: new Date(claims.exp * 1000) };
    return true;
  }

  /** Built once from the entity metadata: this runs on every request, so it skips the query builder. */
  private userQuery(): PreparedStatement {
    if (this.userStatement === null) {
      const columns = this.selectableUserColumns().map((column) => `u."${column.databaseName}"`);
      this.userStatement = {
        name: 'access_token_user',
        text: `SELECT ${columns.join(', ')},
                      EXISTS (SELECT 1 FROM revoked_access_tokens r WHERE r.jti = $2) AS token_revoked,
                      EXISTS (SELECT 1 FROM refresh_tokens f
                               WHERE f.family_id = $3::uuid AND f.revoked_at IS NOT NULL) AS session_ended
                 FROM users u WHERE u.id = $1`,
      };
    }
    return this.userStatement;
  }

  private userFromRow(row: Record<string, unknown>): User {
    const user = new User();
    for (const column of this.selectableUserColumns()) {
      column.setEntityValue(
        user,
        this.dataSource.driver.prepareHydratedValue(row[column.databaseName], column),
      );
    }
    return user;
  }

  private selectableUserColumns(): ColumnMetadata[] {
    return this.dataSource.getMetadata(User).columns.filter((column) => column.isSelect);
  }
}

/** A bearer token was presented (well-formed or not), as opposed to no credentials or another scheme. */
const BEARER_SCHEME = /^Bearer\s+\S/i;

function bearerToken(header: string): string | null {
  const match = /^Bearer\s+([A-Za-z0-9_\-.]+)\s*$/i.exec(header);
  return match ? match[1] : null;
}
