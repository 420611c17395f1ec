import { Injectable } from '@nestjs/common';
import { AuditService } from '../audit/audit.service';
import { InvalidInputError, UnauthorizedError } from '../common/errors';
import { AccessSession, AuthContext } from '../common/request-context';
import { AppConfig } from '../config/app-config';
import { Transaction, Transactions } from '../database/transactions';
import { DomainMetrics } from '../system/domain-metrics';
import { PasswordHasher } from '../users/password-hasher';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { AccessTokenService } from './access-token.service';
import { LogoutRequestDto, TokenResponseDto } from './dto/token.dto';
import { RefreshTokenRepository } from './refresh-token.repository';
import { RevokedAccessTokenRepository } from './revoked-access-token.repository';

const BAD_CREDENTIALS = 'Incorrect username or password';
const BAD_REFRESH_TOKEN = 'Refresh token is invalid, expired or already used';

@Injectable()
export class AuthService {
  constructor(
    private readonly transactions: Transactions,
    private readonly users: UsersService,
    private readonly passwords: PasswordHasher,
    private readonly accessTokens: AccessTokenService,
    private readonly refreshTokens: RefreshTokenRepository,
    private readonly revokedAccessTokens: RevokedAccessTokenRepository,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
    private readonly metrics: DomainMetrics,
  ) {}

  async login(username: string, password: string, clientAddress: string | null): Promise<TokenResponseDto> {
    const user = await this.users.findForLogin(username);
    // Unknown users cost one bcrypt comparison too, so timing does not reveal which usernames exist.
    const passwordMatches = user?.hashedPassword
      ? await this.passwords.matches(password, user.hashedPassword)
      : await this.passwords.burnComparison(password);
    if (!user || !passwordMatches || !user.isActive) {
      await this.audit.record(this.transactions.none, {
        action: 'login_failure',
        actor: user ? { id: user.id, username: user.username } : null,
        organizationId: user?.organizationId ?? null,
        resourceType: 'user',
        resourceId: user?.id ?? null,
        clientAddress,
        detail: { username, reason: !user ? 'unknown_user' : !passwordMatches ? 'bad_password' : 'inactive' },
      });
      this.metrics.logins.inc({ outcome: 'failure' });
      throw new UnauthorizedError(BAD_CREDENTIALS);
    }
    this.metrics.logins.inc({ outcome: 'success' });
    return this.transactions.run(async (tx) => {
      const tokens = await this.issuePair(tx, user, undefined);
      await this.audit.record(tx, {
        action: 'login_success',
        actor: user,
        organizationId: user.organizationId,
        resourceType: 'user',
        resourceId: user.id,
        clientAddress,
      });
      return tokens;
    });
  }

  async refresh(refreshToken: string | undefined, clientAddress: string | null): Promise<TokenResponseDto> {
    if (!refreshToken) throw new UnauthorizedError('Refresh token is missing');
    const now = new Date();
    const outcome = await this.transactions.run(async (tx) => {
      const consumed = await this.refreshTokens.consume(
        tx,
        refreshToken,
        now,
        this.config.refreshReuseGraceSeconds * 1000,
      );
      if (consumed.kind !== 'rotated' && consumed.kind !== 'concurrent_replay')
        return { consumed, tokens: null };
      const user = await this.users.findById(tx, consumed.userId);
      if (!user || !user.isActive) return { consumed, tokens: null };
      const tokens = await this.issuePair(tx, user, consumed.familyId);
      await this.audit.record(tx, {
        action: 'token_refresh',
        actor: user,
        organizationId: user.organizationId,
        resourceType: 'user',
        resourceId: user.id,
        clientAddress,
        ...(consumed.kind === 'concurrent_replay' && { detail: { concurrent_replay: true } }),
      });
      return { consumed, tokens };
    });
    if (outcome.tokens) return outcome.tokens;
    if (outcome.consumed.kind === 'reused') {
      // A rotated token came back: someone holds a copy. Kill the whole sign-in session.
      const { familyId, userId } = outcome.consumed;
      await this.transactions.run(async (tx) => {
        await this.refreshTokens.revokeFamily(tx, familyId, userId, now);
        await this.audit.record(tx, {
          action: 'token_invalidate',
          actor: null,
          organizationId: null,
          resourceType: 'user',
          resourceId: userId,
          clientAddress,
          detail: { reason: 'refresh_token_reuse' },
        });
      });
    }
    throw new UnauthorizedError(BAD_REFRESH_TOKEN);
  }

  async logout(auth: AuthContext, dto: LogoutRequestDto): Promise<void> {
    const session = sessionOf(auth);
    const now = new Date();
    await this.transactions.run(async (tx) => {
      await this.revokedAccessTokens.revoke(tx, session.tokenId, auth.user.id, session.expiresAt);
      if (session.familyId) {
        await this.refreshTokens.revokeFamily(tx, session.familyId, auth.user.id, now);
      }
      if (dto.refresh_token) {
        const family = await this.refreshTokens.familyOf(tx, dto.refresh_token);
        if (family && family.userId === auth.user.id) {
          await this.refreshTokens.revokeFamily(tx, family.familyId, auth.user.id, now);
        }
      }
      await this.revokedAccessTokens.deleteExpired(tx, now);
      await this.audit.record(tx, {
        action: 'logout',
        actor: auth.user,
        organizationId: auth.user.organizationId,
        resourceType: 'user',
        resourceId: auth.user.id,
        clientAddress: auth.clientAddress,
      });
    });
  }

  /** Signs out every session: refresh tokens die, access tokens issued before now are refused. */
  async invalidateAll(auth: AuthContext): Promise<void> {
    sessionOf(auth);
    const now = new Date();
    await this.transactions.run(async (tx) => {
      await this.users.setTokensValidAfter(tx, auth.user.id, now);
      await this.refreshTokens.revokeAllOfUser(tx, auth.user.id, now);
      await this.audit.record(tx, {
        action: 'token_invalidate',
        actor: auth.user,
        organizationId: auth.user.organizationId,
        resourceType: 'user',
        resourceId: auth.user.id,
        clientAddress: auth.clientAddress,
      });
    });
  }

  private async issuePair(
    tx: Transaction,
    user: User,
    familyId: string | undefined,
  ): Promise<TokenResponseDto> {
    // Never before the user's last "invalidate": a token minted in that same millisecond must survive.
    const now = new Date(Math.max(Date.now(), (user.tokensValidAfter?.getTime() ?? 0) + 1));
    const refreshExpiresAt = new Date(now.getTime() + this.config.refreshTokenExpireMinutes * 60_000);
    const refresh = await this.refreshTokens.issue(tx, user.id, refreshExpiresAt, familyId);
    const accessToken = await this.accessTokens.sign(user.id, refresh.familyId, now);
    return { access_token: accessToken, token_type: 'bearer', refresh_token: refresh.value };
  }
}

/** The access token's session; an API key has none to end (it is revoked with DELETE instead). */
function sessionOf(auth: AuthContext): AccessSession {
  if (!auth.session) {
    throw new InvalidInputError(
      'An API key is not a sign-in session: revoke it with DELETE on its keys route',
    );
  }
  return auth.session;
}
