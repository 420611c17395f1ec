import { Injectable } from '@nestjs/common';
import { entityManagerOf, Transactions } from '../../database/transactions';

/**
 * Reads acme_orders for ARI's `replaces` (RFC 9773 5): the orders module writes them, with
 * `replaces` the replaced certificate's id as text.
 */
@Injectable()
export class AcmeReplacementRepository {
  constructor(private readonly transactions: Transactions) {}

  /** Whether an order of the account that has not failed already replaces the certificate. */
  async isReplaced(accountId: number, certificateId: number): Promise<boolean> {
    const rows: unknown[] = await entityManagerOf(this.transactions.none).query(
      `SELECT 1 FROM acme_orders WHERE account_id = $1 AND replaces = $2 AND status <> 'invalid' LIMIT 1`,
      [accountId, String(certificateId)],
    );
    return rows.length > 0;
  }
}
