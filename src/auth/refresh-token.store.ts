import { Injectable } from '@nestjs/common';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { EntityManager, IsNull } from 'typeorm';
import { RefreshToken } from './refresh-token.entity';

export interface IssuedRefreshToken {
  value: string;
  familyId: string;
}

export type RotationOutcome =
  | { kind: 'rotated'; userId: number; familyId: string }
  | { kind: 'reused'; userId: number; familyId: string }
  | { kind: 'invalid' };

export function hashRefreshToken(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}

/** Refresh tokens: 256 random bits, stored only as SHA-256 hashes, one family per sign-in. */
@Injectable()
export class RefreshTokenStore {
  async issue(
    manager: EntityManager,
    userId: number,
    expiresAt: Date,
    familyId: string = randomUUID(),
  ): Promise<IssuedRefreshToken> {
    const value = randomBytes(32).toString('base64url');
    await manager.insert(RefreshToken, { userId, familyId, expiresAt, tokenHash: hashRefreshToken(value) });
    return { value, familyId };
  }

  /**
   * Marks the token used with one compare-and-swap UPDATE, so of two concurrent exchanges exactly
   * one wins. A token that was already used is a replay: the caller revokes its whole family.
   */
  async consume(manager: EntityManager, value: string, now: Date): Promise<RotationOutcome> {
    const tokenHash = hashRefreshToken(value);
    const result = await manager
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
    const known = await manager.findOneBy(RefreshToken, { tokenHash });
    if (known && known.usedAt !== null)
      return { kind: 'reused', userId: known.userId, familyId: known.familyId };
    return { kind: 'invalid' };
  }

  async revokeFamily(manager: EntityManager, familyId: string, userId: number, now: Date): Promise<void> {
    await manager.update(RefreshToken, { familyId, userId, revokedAt: IsNull() }, { revokedAt: now });
  }

  async revokeAllOfUser(manager: EntityManager, userId: number, now: Date): Promise<void> {
    await manager.update(RefreshToken, { userId, revokedAt: IsNull() }, { revokedAt: now });
  }

  async familyOf(
    manager: EntityManager,
    value: string,
  ): Promise<{ familyId: string; userId: number } | null> {
    const token = await manager.findOneBy(RefreshToken, { tokenHash: hashRefreshToken(value) });
    return token ? { familyId: token.familyId, userId: token.userId } : null;
  }
}
