import { Injectable } from '@nestjs/common';
import { entityManagerOf, Transaction, Transactions } from '../database/transactions';
import { ApiKey } from './api-key.entity';

/** A key no more recently used than this is touched again; more often would write on every request. */
const LAST_USED_RESOLUTION_SECONDS = 60;

/** The only code that reads and writes the api_keys table. */
@Injectable()
export class ApiKeyRepository {
  constructor(private readonly transactions: Transactions) {}

  async insert(
    tx: Transaction,
    key: Omit<ApiKey, 'createdAt' | 'lastUsedAt' | 'revokedAt'>,
  ): Promise<ApiKey> {
    const manager = entityManagerOf(tx);
    const row = manager.create(ApiKey, { ...key, lastUsedAt: null, revokedAt: null });
    await manager.insert(ApiKey, row);
    return await manager.findOneByOrFail(ApiKey, { id: key.id });
  }

  listOf(userId: number): Promise<ApiKey[]> {
    return entityManagerOf(this.transactions.none).find(ApiKey, {
      where: { userId },
      order: { createdAt: 'ASC', id: 'ASC' },
    });
  }

  findOf(tx: Transaction, userId: number, id: string): Promise<ApiKey | null> {
    return entityManagerOf(tx).findOneBy(ApiKey, { id, userId });
  }

  /** For authentication: the key with its secret's hash. */
  findWithSecret(id: string): Promise<ApiKey | null> {
    return entityManagerOf(this.transactions.none)
      .createQueryBuilder(ApiKey, 'key')
      .addSelect('key.secretHash')
      .where('key.id = :id', { id })
      .getOne();
  }

  async revoke(tx: Transaction, id: string, at: Date): Promise<void> {
    await entityManagerOf(tx)
      .createQueryBuilder()
      .update(ApiKey)
      .set({ revokedAt: at })
      .where('id = :id AND revoked_at IS NULL', { id })
      .execute();
  }

  /** Records a use, at most once per LAST_USED_RESOLUTION_SECONDS per key. */
  async touch(key: ApiKey, now: Date): Promise<void> {
    if (key.lastUsedAt && now.getTime() - key.lastUsedAt.getTime() < LAST_USED_RESOLUTION_SECONDS * 1000)
      return;
    await entityManagerOf(this.transactions.none)
      .createQueryBuilder()
      .update(ApiKey)
      .set({ lastUsedAt: now })
      .where('id = :id AND (last_used_at IS NULL OR last_used_at < :stale)', {
        id: key.id,
        stale: new Date(now.getTime() - LAST_USED_RESOLUTION_SECONDS * 1000),
      })
      .execute();
  }
}
