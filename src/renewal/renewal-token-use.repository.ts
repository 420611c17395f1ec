import { Injectable } from '@nestjs/common';
import { entityManagerOf, Transaction, Transactions } from '../database/transactions';

/** The only code that reads and writes renewal_token_uses (the renewal tokens already used). */
@Injectable()
export class RenewalTokenUseRepository {
  constructor(private readonly transactions: Transactions) {}

  /** Whether a token of this certificate with this jti was used and could still be accepted. */
  async wasUsed(certificateId: number, jtiSha256: Buffer, now: Date): Promise<boolean> {
    const rows: unknown[] = await entityManagerOf(this.transactions.none).query(
      `SELECT 1 FROM renewal_token_uses WHERE certificate_id = $1 AND jti_sha256 = $2 AND expires_at > $3`,
      [certificateId, jtiSha256, now],
    );
    return rows.length > 0;
  }

  /**
   * Records the use in the renewing transaction, first forgetting the uses that have expired; false
   * when a concurrent renewal with the same token got there first (the primary key decides).
   */
  async remember(
    tx: Transaction,
    use: { certificateId: number; jtiSha256: Buffer; expiresAt: Date },
    now: Date,
  ): Promise<boolean> {
    const manager = entityManagerOf(tx);
    await manager.query(`DELETE FROM renewal_token_uses WHERE expires_at <= $1`, [now]);
    const inserted: unknown[] = await manager.query(
      `INSERT INTO renewal_token_uses (certificate_id, jti_sha256, expires_at) VALUES ($1, $2, $3)
       ON CONFLICT DO NOTHING RETURNING 1`,
      [use.certificateId, use.jtiSha256, use.expiresAt],
    );
    return inserted.length > 0;
  }
}
