import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { InjectDataSource } from '@nestjs/typeorm';
import { Request } from 'express';
import { Passport } from 'passport';
import { Strategy } from 'passport-jwt';
import { DataSource } from 'typeorm';
import { ColumnMetadata } from 'typeorm/metadata/ColumnMetadata';
import { InvalidAccessTokenError } from '../common/errors';
import { AccessSession } from '../common/request-context';
import { RuntimeSecrets } from '../config/secret-files';
import { PreparedStatement, queryPrepared } from '../database/prepared-statement';
import { User } from '../users/user.entity';
import { accessTokenKey } from './access-token-key';
import { accessTokenClaims } from './access-token.service';

export const ACCESS_TOKEN_STRATEGY = 'access-token';

/** What a valid access token resolves to; AccessTokenGuard puts both on the request. */
export interface AccessTokenIdentity {
  user: User;
  session: AccessSession;
}

/**
 * passport-jwt verifies the HS256 signature and expiry (HS256 only: no `none`, no RS/ES confusion);
 * `validate` then runs one query that loads the user, whether the token was signed out, and whether
 * its sign-in session (refresh-token family) has ended: by a logout, or by a refresh token replayed,
 * in which case every access token minted in that session is refused too, not only its refresh tokens.
 */
@Injectable()
export class AccessTokenStrategy extends PassportStrategy(Strategy, ACCESS_TOKEN_STRATEGY) {
  private userStatement: PreparedStatement | null = null;

  constructor(
    secrets: RuntimeSecrets,
    @InjectDataSource() private readonly dataSource: DataSource,
  ) {
    super({
      jwtFromRequest: (request: Request) => bearerToken(request.headers.authorization ?? ''),
      // jsonwebtoken verifies with a KeyObject (see accessTokenKey); passport-jwt's types predate it.
      secretOrKey: accessTokenKey(secrets) as unknown as Buffer,
      algorithms: ['HS256'],
    });
  }

  /**
   * Called by the mixin's constructor to register the strategy by name. AccessTokenGuard runs this
   * instance directly, so it goes into a registry of its own rather than passport's process-wide one.
   */
  getPassportInstance() {
    return new Passport();
  }

  async validate(payload: unknown): Promise<AccessTokenIdentity> {
    const claims = accessTokenClaims(payload);
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
    return {
      user,
      session: { tokenId: claims.jti, familyId: claims.fam, expiresAt: new Date(claims.exp * 1000) },
    };
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

/** The token of an `Authorization: Bearer <token>` header, or null when it is not one well-formed token. */
function bearerToken(header: string): string | null {
  const match = /^Bearer\s+([A-Za-z0-9_\-.]+)\s*$/i.exec(header);
  return match ? match[1] : null;
}
