import { Injectable } from '@nestjs/common';
import { entityManagerOf, Transaction } from '../database/transactions';
import type { SqlFlag } from '../users/users.service';
import { RevokedAccessToken } from './revoked-access-token.entity';

/**
 * The auth module's part of the access-token check, run inside the users module's statement for
 * the user row (UsersService.findWithFlag) so that validating a token stays one statement and one
 * round trip: true when the token was signed out (revoked_access_tokens), or when its sign-in
 * session (refresh-token family) has ended, by a logout or by a refresh token replayed.
 */
export function accessTokenRevoked(tokenId: string, familyId: string | null): SqlFlag {
  return {
    name: 'access_token_revoked',
    sql: `(EXISTS (SELECT 1 FROM revoked_access_tokens r WHERE r.jti = $2)
           OR EXISTS (SELECT 1 FROM refresh_tokens f WHERE f.family_id = $3::uuid AND f.revoked_at IS NOT NULL))`,
    params: [tokenId, familyId],
  };
}

/** The only code that writes the revoked_access_tokens table (signed-out access tokens until they expire). */
@Injectable()
export class RevokedAccessTokenRepository {
  /** Refuses the token from now on; revoking it twice is harmless. */
  async revoke(tx: Transaction, jti: string, userId: number, expiresAt: Date): Promise<void> {
    await entityManagerOf(tx)
      .createQueryBuilder()
      .insert()
      .into(RevokedAccessToken)
      .values({ jti, userId, expiresAt })
      .orIgnore()
      .execute();
  }

  /** Tokens past their expiry are refused anyway: their rows are no longer needed. */
  async deleteExpired(tx: Transaction, now: Date): Promise<void> {
    await entityManagerOf(tx).query('DELETE FROM revoked_access_tokens WHERE expires_at < $1', [now]);
  }
}
