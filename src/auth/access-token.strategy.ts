import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Request } from 'express';
import { Passport } from 'passport';
import { Strategy } from 'passport-jwt';
import { InvalidAccessTokenError } from '../common/errors';
import { AccessSession } from '../common/request-context';
import { RuntimeSecrets } from '../config/secret-files';
import type { User } from '../users/user.entity';
import { ServiceAccountsService } from '../service-accounts/service-accounts.service';
import { UsersService } from '../users/users.service';
import { accessTokenKey } from './access-token-key';
import { accessTokenClaims } from './access-token.service';
import { accessTokenRevoked } from './revoked-access-token.repository';

export const ACCESS_TOKEN_STRATEGY = 'access-token';

/** What a valid access token resolves to; AccessTokenGuard puts both on the request. */
export interface AccessTokenIdentity {
  user: User;
  session: AccessSession;
}

/**
 * passport-jwt verifies the HS256 signature and expiry (HS256 only: no `none`, no RS/ES confusion);
 * a token from a token exchange (src/auth/token-exchange.service.ts) carries a workload credential
 * instead of a sign-in session, and the service account's profiles are loaded with it;
 * `validate` then runs one query that loads the user, whether the token was signed out, and whether
 * its sign-in session (refresh-token family) has ended: by a logout, or by a refresh token replayed,
 * in which case every access token minted in that session is refused too, not only its refresh tokens.
 *
 * That query is one statement on purpose (it runs on every authenticated request, and a second
 * round trip was measured): the users module owns the statement over the users row
 * (UsersService.findWithFlag) and this module supplies the revocation check over its own tables
 * as a named SQL flag (accessTokenRevoked), evaluated in the same statement.
 */
@Injectable()
export class AccessTokenStrategy extends PassportStrategy(Strategy, ACCESS_TOKEN_STRATEGY) {
  constructor(
    secrets: RuntimeSecrets,
    private readonly users: UsersService,
    private readonly serviceAccounts: ServiceAccountsService,
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
    const found = await this.users.findWithFlag(
      Number(claims.sub),
      accessTokenRevoked(claims.jti, claims.fam),
    );
    if (!found || !found.user.isActive || found.flag) throw new InvalidAccessTokenError();
    const { user } = found;
    if (claims.cred) {
      // Only a token exchange signs a workload credential, and only for a service account.
      if (user.kind !== 'service_account') throw new InvalidAccessTokenError();
      user.credential = { kind: 'workload', trustPolicyId: claims.cred.tp, claims: claims.cred.claims };
      user.profileIds = await this.serviceAccounts.profileIdsOf(user.id);
    } else {
      user.credential = { kind: 'session' };
    }
    const issuedAtMs = claims.iat * 1000;
    if (user.tokensValidAfter && issuedAtMs < user.tokensValidAfter.getTime()) {
      throw new InvalidAccessTokenError();
    }
    return {
      user,
      session: { tokenId: claims.jti, familyId: claims.fam, expiresAt: new Date(claims.exp * 1000) },
    };
  }
}

/** The token of an `Authorization: Bearer <token>` header, or null when it is not one well-formed token. */
function bearerToken(header: string): string | null {
  const match = /^Bearer\s+([A-Za-z0-9_\-.]+)\s*$/i.exec(header);
  return match ? match[1] : null;
}
