import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { IsNull } from 'typeorm';
import { entityManagerOf, Transaction } from '../database/transactions';
import { RefreshToken } from './refresh-token.entity';

export interface IssuedRefreshToken {
  value: string;
  familyId: string;
}

export type RotationOutcome =
  | { kind: 'rotated'; userId: number; familyId: string }
  | { kind: 'concurrent_replay'; userId: number; familyId: string }
  | { kind: 'reused'; userId: number; familyId: string }
  | { kind: 'invalid' };

export function hashRefreshToken(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/**
 * Refresh tokens: 256 random bits, stored only as SHA-256 hashes, one family per sign-in.
 * The only code that reads and writes the refresh_tokens table (the rate limiter's per-family
 * window and the access-token revocation check read it too, from this module's own statements).
 */
@Injectable()
export class RefreshTokenRepository {
  async issue(
    tx: Transaction,
    userId: number,
    expiresAt: Date,
    familyId: string = randomUUID(),
  ): Promise<IssuedRefreshToken> {
    const value = randomBytes(32).toString('base64url');
    await entityManagerOf(tx).insert(RefreshToken, {
      userId,
      familyId,
      expiresAt,
      tokenHash: hashRefreshToken(value),
    });
    return { value, familyId };
  }

  /**
   * Marks the token used with one compare-and-swap UPDATE, so of two concurrent exchanges exactly
   * one wins. A token that was already used is a replay (RFC 9700 §4.14.2): the caller revokes its
   * whole family.
   *
   * Except within `reuseGraceMs` of the winning exchange, while the family is still live: two tabs
   * of one browser refreshing at once send the same token, and the loser is not a thief. The loser
   * gets a concurrent_replay, for which the caller issues a sibling in the same family (a new
   * refresh token, not the winner's: only hashes are stored, so the winner's value cannot be handed
   * out again, and must not be). The winner's token and every sibling stay valid; a replay after the
   * grace period, or of a token whose family has ended, is treated as theft as before. The window
   * is what a thief holding a copy could also use, so it is kept to seconds.
   */
  async consume(tx: Transaction, value: string, now: Date, reuseGraceMs: number): Promise<RotationOutcome> {
    const tokenHash = hashRefreshToken(value);
    const result = await entityManagerOf(tx)
      .createQueryBuilder()
      .update(RefreshToken)
      .set({ usedAt: now })
      .where('token_hash = :tokenHash AND used_at IS NULL AND revoked_at IS NULL AND expires_at > :now', {
        tokenHash,
        now,
      })
      // TypeORM takes property names here (column names would be dropped silently); rows carry column names.
      .returning(['userId', 'familyId'])
      .execute();
    const rows = result.raw as { user_id: number; family_id: string }[];
    const [won] = rows;
    if (won) return { kind: 'rotated', userId: won.user_id, familyId: won.family_id };
    const known = await entityManagerOf(tx).findOneBy(RefreshToken, { tokenHash });
    if (!known || known.usedAt === null) return { kind: 'invalid' };
    const sinceRotationMs = now.getTime() - known.usedAt.getTime();
    const kind = known.revokedAt === null && sinceRotationMs < reuseGraceMs ? 'concurrent_replay' : 'reused';
    return { kind, userId: known.userId, familyId: known.familyId };
  }

  async revokeFamily(tx: Transaction, familyId: string, userId: number, now: Date): Promise<void> {
    await entityManagerOf(tx).update(
      RefreshToken,
      { familyId, userId, revokedAt: IsNull() },
      { revokedAt: now },
    );
  }

  async revokeAllOfUser(tx: Transaction, userId: number, now: Date): Promise<void> {
    await entityManagerOf(tx).update(RefreshToken, { userId, revokedAt: IsNull() }, { revokedAt: now });
  }

  async familyOf(tx: Transaction, value: string): Promise<{ familyId: string; userId: number } | null> {
    const token = await entityManagerOf(tx).findOneBy(RefreshToken, { tokenHash: hashRefreshToken(value) });
    return token ? { familyId: token.familyId, userId: token.userId } : null;
  }
}
