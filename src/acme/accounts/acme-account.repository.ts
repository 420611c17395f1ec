import { Injectable } from '@nestjs/common';
import type { JWK } from 'jose';
import { returningRows } from '../../database/returning-rows';
import { entityManagerOf, Transaction, Transactions } from '../../database/transactions';
import { AcmeAccount, AcmeAccountStatus } from './acme-account';

interface AccountRow {
  id: number;
  profile_id: number;
  organization_id: number | null;
  jwk: JWK;
  jwk_thumbprint: string;
  status: AcmeAccountStatus;
  contact: string[];
  terms_of_service_agreed: boolean;
  eab_kid: string | null;
  created_at: Date;
}

const SELECT = `SELECT a.id, a.profile_id, u.organization_id, a.jwk, a.jwk_thumbprint, a.status, a.contact,
         a.terms_of_service_agreed, e.kid AS eab_kid, a.created_at
    FROM acme_accounts a JOIN users u ON u.id = a.id LEFT JOIN acme_eab_keys e ON e.account_id = a.id`;

function toAccount(row: AccountRow): AcmeAccount {
  return {
    id: row.id,
    profileId: row.profile_id,
    organizationId: row.organization_id,
    jwk: row.jwk,
    jwkThumbprint: row.jwk_thumbprint,
    status: row.status,
    contact: row.contact,
    termsOfServiceAgreed: row.terms_of_service_agreed,
    eabKid: row.eab_kid,
    createdAt: new Date(row.created_at),
  };
}

export interface NewAcmeAccount {
  profileId: number;
  organizationId: number | null;
  jwk: JWK;
  jwkThumbprint: string;
  contact: string[];
  termsOfServiceAgreed: boolean;
}

export interface AcmeAccountFilter {
  profileId?: number;
  /** The organisation of the accounts' profiles. */
  organizationId?: number;
}

/** The only code that reads and writes acme_accounts (and the principal rows of kind 'acme_account'). */
@Injectable()
export class AcmeAccountRepository {
  constructor(private readonly transactions: Transactions) {}

  async findById(id: number, tx: Transaction = this.transactions.none): Promise<AcmeAccount | null> {
    const rows: AccountRow[] = await entityManagerOf(tx).query(`${SELECT} WHERE a.id = $1`, [id]);
    return rows[0] ? toAccount(rows[0]) : null;
  }

  async findByKey(
    profileId: number,
    jwkThumbprint: string,
    tx: Transaction = this.transactions.none,
  ): Promise<AcmeAccount | null> {
    const rows: AccountRow[] = await entityManagerOf(tx).query(
      `${SELECT} WHERE a.profile_id = $1 AND a.jwk_thumbprint = $2`,
      [profileId, jwkThumbprint],
    );
    return rows[0] ? toAccount(rows[0]) : null;
  }

  /** Accounts newest first: of one profile, of one organisation's profiles, or (no filter) all. */
  async list(filter: AcmeAccountFilter, limit: number, offset: number): Promise<AcmeAccount[]> {
    const rows: AccountRow[] = await entityManagerOf(this.transactions.none).query(
      `${SELECT} JOIN certificate_profiles p ON p.id = a.profile_id
        WHERE ($1::integer IS NULL OR a.profile_id = $1) AND ($2::integer IS NULL OR p.organization_id = $2)
        ORDER BY a.id DESC LIMIT $3 OFFSET $4`,
      [filter.profileId ?? null, filter.organizationId ?? null, limit, offset],
    );
    return rows.map(toAccount);
  }

  /**
   * The principal row and the account row, sharing one id; null when an account with this key was
   * registered concurrently (the unique index decides).
   */
  async insert(tx: Transaction, account: NewAcmeAccount): Promise<AcmeAccount | null> {
    const manager = entityManagerOf(tx);
    const [{ id }]: { id: number }[] = await manager.query(
      `INSERT INTO users (id, username, kind, role, is_active, organization_id)
       SELECT n, 'acme-account-' || n, 'acme_account', 'user', true, $1
         FROM (SELECT nextval(pg_get_serial_sequence('users', 'id'))::integer AS n) s
       RETURNING id`,
      [account.organizationId],
    );
    const inserted: unknown[] = await manager.query(
      `INSERT INTO acme_accounts (id, profile_id, jwk, jwk_thumbprint, contact, terms_of_service_agreed)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (profile_id, jwk_thumbprint) DO NOTHING RETURNING id`,
      [
        id,
        account.profileId,
        JSON.stringify(account.jwk),
        account.jwkThumbprint,
        account.contact,
        account.termsOfServiceAgreed,
      ],
    );
    if (inserted.length === 0) {
      await manager.query(`DELETE FROM users WHERE id = $1`, [id]);
      return null;
    }
    return this.findById(id, tx);
  }

  async updateContact(tx: Transaction, id: number, contact: string[]): Promise<void> {
    await entityManagerOf(tx).query(
      `UPDATE acme_accounts SET contact = $2, updated_at = now() WHERE id = $1`,
      [id, contact],
    );
  }

  /** Deactivation is final (RFC 8555 7.3.6); the principal is disabled with it. */
  async setStatus(tx: Transaction, id: number, status: AcmeAccountStatus): Promise<void> {
    const manager = entityManagerOf(tx);
    await manager.query(`UPDATE acme_accounts SET status = $2, updated_at = now() WHERE id = $1`, [
      id,
      status,
    ]);
    await manager.query(`UPDATE users SET is_active = $2 WHERE id = $1`, [id, status === 'valid']);
  }

  /** False when another account of the profile already has the new key. */
  /**
   * The valid account's key, if it is still `oldThumbprint` (two rollovers signed with the old key:
   * one wins) and no other account of the profile has the new one; false otherwise.
   */
  async changeKey(
    tx: Transaction,
    id: number,
    change: { oldThumbprint: string; jwk: JWK; jwkThumbprint: string },
  ): Promise<boolean> {
    const updated = await returningRows<unknown>(
      tx,
      `UPDATE acme_accounts SET jwk = $2, jwk_thumbprint = $3, updated_at = now()
        WHERE id = $1 AND jwk_thumbprint = $4 AND status = 'valid' AND NOT EXISTS (
          SELECT 1 FROM acme_accounts o WHERE o.profile_id = acme_accounts.profile_id AND o.jwk_thumbprint = $3)
        RETURNING id`,
      [id, JSON.stringify(change.jwk), change.jwkThumbprint, change.oldThumbprint],
    );
    return updated.length > 0;
  }

  /** Locks the account row for a change (status, key). */
  async lock(tx: Transaction, id: number): Promise<AcmeAccount | null> {
    await entityManagerOf(tx).query(`SELECT id FROM acme_accounts WHERE id = $1 FOR UPDATE`, [id]);
    return this.findById(id, tx);
  }
}
