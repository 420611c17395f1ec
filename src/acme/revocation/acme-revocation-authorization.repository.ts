import { Injectable } from '@nestjs/common';
import { entityManagerOf, Transactions } from '../../database/transactions';
import { AcmeIdentifier } from '../acme-problem';

/** An identifier an account holds a valid authorization for. */
export interface AuthorizedIdentifier extends AcmeIdentifier {
  wildcard: boolean;
}

interface AuthorizationRow {
  identifier_type: 'dns' | 'ip';
  identifier_value: string;
  wildcard: boolean;
}

/**
 * Reads acme_authorizations for revocation (RFC 8555 7.6): the orders module writes them; this only
 * asks which identifiers an account holds valid authorizations for.
 */
@Injectable()
export class AcmeRevocationAuthorizationRepository {
  constructor(private readonly transactions: Transactions) {}

  /** Unexpired, valid: what the account has proven control of now (few: authorizations expire). */
  async validFor(accountId: number, now: Date): Promise<AuthorizedIdentifier[]> {
    const rows: AuthorizationRow[] = await entityManagerOf(this.transactions.none).query(
      `SELECT DISTINCT identifier_type, identifier_value, wildcard
         FROM acme_authorizations
        WHERE account_id = $1 AND status = 'valid' AND expires_at > $2`,
      [accountId, now],
    );
    return rows.map((row) => ({
      type: row.identifier_type,
      value: row.identifier_value,
      wildcard: row.wildcard,
    }));
  }
}
