import { Injectable } from '@nestjs/common';
import { returningRows } from '../../database/returning-rows';
import { entityManagerOf, Transaction, Transactions } from '../../database/transactions';
import { AcmeIdentifier } from '../acme-problem';
import { AcmeAuthorization, AcmeAuthorizationStatus } from './acme-order';

interface AuthorizationRow {
  id: number;
  account_id: number;
  identifier_type: AcmeIdentifier['type'];
  identifier_value: string;
  wildcard: boolean;
  status: AcmeAuthorizationStatus;
  expires_at: Date;
  created_at: Date;
}

const SELECT = `SELECT id, account_id, identifier_type, identifier_value, wildcard, status, expires_at, created_at
    FROM acme_authorizations`;

function toAuthorization(row: AuthorizationRow): AcmeAuthorization {
  return {
    id: row.id,
    accountId: row.account_id,
    identifier: { type: row.identifier_type, value: row.identifier_value },
    wildcard: row.wildcard,
    status: row.status,
    expiresAt: new Date(row.expires_at),
    createdAt: new Date(row.created_at),
  };
}

export interface NewAcmeAuthorization {
  accountId: number;
  identifier: AcmeIdentifier;
  wildcard: boolean;
  expiresAt: Date;
}

/** The only code that writes acme_authorizations (RFC 8555 7.1.4, 7.5). */
@Injectable()
export class AcmeAuthorizationRepository {
  constructor(private readonly transactions: Transactions) {}

  async findById(id: number, tx: Transaction = this.transactions.none): Promise<AcmeAuthorization | null> {
    const rows: AuthorizationRow[] = await entityManagerOf(tx).query(`${SELECT} WHERE id = $1`, [id]);
    return rows[0] ? toAuthorization(rows[0]) : null;
  }

  async findByIds(
    ids: readonly number[],
    tx: Transaction = this.transactions.none,
  ): Promise<AcmeAuthorization[]> {
    const rows: AuthorizationRow[] = await entityManagerOf(tx).query(
      `${SELECT} WHERE id = ANY ($1::integer[]) ORDER BY id`,
      [ids],
    );
    return rows.map(toAuthorization);
  }

  /** The account's newest valid authorization of the identifier created after `createdAfter`, still unexpired. */
  async findReusable(
    tx: Transaction,
    accountId: number,
    identifier: AcmeIdentifier,
    wildcard: boolean,
    createdAfter: Date,
    now: Date,
  ): Promise<AcmeAuthorization | null> {
    const rows: AuthorizationRow[] = await entityManagerOf(tx).query(
      `${SELECT} WHERE account_id = $1 AND identifier_type = $2 AND identifier_value = $3 AND wildcard = $4
          AND status = 'valid' AND created_at > $5 AND expires_at > $6
        ORDER BY id DESC LIMIT 1`,
      [accountId, identifier.type, identifier.value, wildcard, createdAfter, now],
    );
    return rows[0] ? toAuthorization(rows[0]) : null;
  }

  async insert(tx: Transaction, authorization: NewAcmeAuthorization): Promise<AcmeAuthorization> {
    const rows: AuthorizationRow[] = await entityManagerOf(tx).query(
      `INSERT INTO acme_authorizations (account_id, identifier_type, identifier_value, wildcard, status, expires_at)
       VALUES ($1, $2, $3, $4, 'pending', $5)
       RETURNING id, account_id, identifier_type, identifier_value, wildcard, status, expires_at, created_at`,
      [
        authorization.accountId,
        authorization.identifier.type,
        authorization.identifier.value,
        authorization.wildcard,
        authorization.expiresAt,
      ],
    );
    return toAuthorization(rows[0]);
  }

  /** Pending and valid authorizations past their expiry become expired (RFC 8555 7.1.6), decided when read. */
  async expireDue(tx: Transaction, ids: readonly number[], now: Date): Promise<void> {
    await entityManagerOf(tx).query(
      `UPDATE acme_authorizations SET status = 'expired', updated_at = $2
        WHERE id = ANY ($1::integer[]) AND status IN ('pending', 'valid') AND expires_at <= $2`,
      [ids, now],
    );
  }

  /** RFC 8555 7.5.2: a pending or valid authorization deactivated; false when it is neither. */
  async deactivate(tx: Transaction, id: number): Promise<boolean> {
    const rows = await returningRows<unknown>(
      tx,
      `UPDATE acme_authorizations SET status = 'deactivated', updated_at = now()
        WHERE id = $1 AND status IN ('pending', 'valid') RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }

  /** A deactivated account's pending and valid authorizations (RFC 8555 7.3.6); their ids. */
  async deactivateAllOf(tx: Transaction, accountId: number): Promise<number[]> {
    const rows = await returningRows<{ id: number }>(
      tx,
      `UPDATE acme_authorizations SET status = 'deactivated', updated_at = now()
        WHERE account_id = $1 AND status IN ('pending', 'valid') RETURNING id`,
      [accountId],
    );
    return rows.map((row) => row.id);
  }
}
