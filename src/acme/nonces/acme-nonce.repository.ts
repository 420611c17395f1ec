import { Injectable } from '@nestjs/common';
import { returningRows } from '../../database/returning-rows';
import { entityManagerOf, Transactions } from '../../database/transactions';

/** The only code that reads and writes acme_nonces. */
@Injectable()
export class AcmeNonceRepository {
  constructor(private readonly transactions: Transactions) {}

  async insert(nonce: string, expiresAt: Date): Promise<void> {
    await entityManagerOf(this.transactions.none).query(
      `INSERT INTO acme_nonces (nonce, expires_at) VALUES ($1, $2)`,
      [nonce, expiresAt],
    );
  }

  /** Deletes the nonce; true only for the one caller that deleted it before it expired. */
  async consume(nonce: string, now: Date): Promise<boolean> {
    const rows = await returningRows<{ expires_at: Date }>(
      this.transactions.none,
      `DELETE FROM acme_nonces WHERE nonce = $1 RETURNING expires_at`,
      [nonce],
    );
    return rows.length > 0 && new Date(rows[0].expires_at) > now;
  }

  async deleteExpired(now: Date): Promise<number> {
    const rows = await returningRows<unknown>(
      this.transactions.none,
      `DELETE FROM acme_nonces WHERE expires_at <= $1 RETURNING 1`,
      [now],
    );
    return rows.length;
  }
}
