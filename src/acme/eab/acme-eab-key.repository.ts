import { Injectable } from '@nestjs/common';
import { returningRows } from '../../database/returning-rows';
import { entityManagerOf, Transaction, Transactions } from '../../database/transactions';

/** An external account binding key (table acme_eab_keys); the HMAC key itself stays sealed. */
export interface AcmeEabKey {
  id: number;
  kid: string;
  profileId: number;
  description: string | null;
  createdByUserId: number | null;
  createdAt: Date;
  revokedAt: Date | null;
  accountId: number | null;
  boundAt: Date | null;
}

interface EabKeyRow {
  id: number;
  kid: string;
  profile_id: number;
  description: string | null;
  created_by_user_id: number | null;
  created_at: Date;
  revoked_at: Date | null;
  account_id: number | null;
  bound_at: Date | null;
}

const COLUMNS = `id, kid, profile_id, description, created_by_user_id, created_at, revoked_at, account_id, bound_at`;

function toKey(row: EabKeyRow): AcmeEabKey {
  return {
    id: row.id,
    kid: row.kid,
    profileId: row.profile_id,
    description: row.description,
    createdByUserId: row.created_by_user_id,
    createdAt: new Date(row.created_at),
    revokedAt: row.revoked_at === null ? null : new Date(row.revoked_at),
    accountId: row.account_id,
    boundAt: row.bound_at === null ? null : new Date(row.bound_at),
  };
}

/** The only code that reads and writes acme_eab_keys. */
@Injectable()
export class AcmeEabKeyRepository {
  constructor(private readonly transactions: Transactions) {}

  async insert(
    tx: Transaction,
    key: {
      kid: string;
      profileId: number;
      sealedHmacKey: string;
      description: string | null;
      createdByUserId: number;
    },
  ): Promise<AcmeEabKey> {
    const rows: EabKeyRow[] = await entityManagerOf(tx).query(
      `INSERT INTO acme_eab_keys (kid, profile_id, sealed_hmac_key, description, created_by_user_id)
       VALUES ($1, $2, $3, $4, $5) RETURNING ${COLUMNS}`,
      [key.kid, key.profileId, key.sealedHmacKey, key.description, key.createdByUserId],
    );
    return toKey(rows[0]);
  }

  async listByProfile(profileId: number): Promise<AcmeEabKey[]> {
    const rows: EabKeyRow[] = await entityManagerOf(this.transactions.none).query(
      `SELECT ${COLUMNS} FROM acme_eab_keys WHERE profile_id = $1 ORDER BY id`,
      [profileId],
    );
    return rows.map(toKey);
  }

  async findByKid(
    kid: string,
    tx: Transaction = this.transactions.none,
  ): Promise<(AcmeEabKey & { sealedHmacKey: string }) | null> {
    const rows: (EabKeyRow & { sealed_hmac_key: string })[] = await entityManagerOf(tx).query(
      `SELECT ${COLUMNS}, sealed_hmac_key FROM acme_eab_keys WHERE kid = $1`,
      [kid],
    );
    return rows[0] ? { ...toKey(rows[0]), sealedHmacKey: rows[0].sealed_hmac_key } : null;
  }

  /** Binds the key to the account unless it is bound or revoked already (the one winner of a race). */
  async bind(tx: Transaction, kid: string, accountId: number): Promise<boolean> {
    const rows = await returningRows<unknown>(
      tx,
      `UPDATE acme_eab_keys SET account_id = $2, bound_at = now()
        WHERE kid = $1 AND account_id IS NULL AND bound_at IS NULL AND revoked_at IS NULL RETURNING id`,
      [kid, accountId],
    );
    return rows.length > 0;
  }

  /**
   * Revoked keys bind nothing more; an account already bound keeps working (deactivate it for that).
   * Null when the profile has no such key or it was revoked already.
   */
  async revoke(tx: Transaction, profileId: number, kid: string): Promise<AcmeEabKey | null> {
    const rows = await returningRows<EabKeyRow>(
      tx,
      `UPDATE acme_eab_keys SET revoked_at = now()
        WHERE profile_id = $1 AND kid = $2 AND revoked_at IS NULL RETURNING ${COLUMNS}`,
      [profileId, kid],
    );
    return rows[0] ? toKey(rows[0]) : null;
  }

  /** KEK rotation (src/keys/key-resealer.ts), inside its transaction. */
  async sealedKeysForResealing(tx: Transaction): Promise<{ id: number; sealed: string }[]> {
    const rows: { id: number; sealed_hmac_key: string }[] = await entityManagerOf(tx).query(
      `SELECT id, sealed_hmac_key FROM acme_eab_keys ORDER BY id FOR UPDATE`,
    );
    return rows.map((row) => ({ id: row.id, sealed: row.sealed_hmac_key }));
  }

  async replaceSealedKey(tx: Transaction, id: number, sealed: string): Promise<void> {
    await entityManagerOf(tx).query(`UPDATE acme_eab_keys SET sealed_hmac_key = $2 WHERE id = $1`, [
      id,
      sealed,
    ]);
  }
}
