import { Injectable } from '@nestjs/common';
import { DeepPartial } from 'typeorm';
import { SqlCondition } from '../access/list-scope';
import { violatedConstraint } from '../common/database-errors';
import { InvalidInputError } from '../common/errors';
import { entityManagerOf, Transaction, Transactions } from '../database/transactions';
import { CA_STATUS_SQL } from '../issuance/ca-signing-status';
import { CertificateAuthority } from './certificate-authority.entity';

export interface StatusCount {
  status: string;
  count: number;
}

export interface CaNameAndNotAfter {
  id: number;
  name: string;
  notAfter: Date | null;
  revoked: boolean;
}

/** A sealed private key and the row it belongs to. */
export interface SealedKeyRow {
  id: number;
  sealed: string;
}

/** The only code that reads and writes certificate_authorities rows (crl_state: CrlRepository). */
@Injectable()
export class CertificateAuthorityRepository {
  constructor(private readonly transactions: Transactions) {}

  findById(id: number, tx: Transaction = this.transactions.none): Promise<CertificateAuthority | null> {
    return entityManagerOf(tx).findOneBy(CertificateAuthority, { id });
  }

  /** The CA, or TypeORM's EntityNotFoundError (a row the caller has just seen). */
  findByIdOrFail(id: number, tx: Transaction = this.transactions.none): Promise<CertificateAuthority> {
    return entityManagerOf(tx).findOneByOrFail(CertificateAuthority, { id });
  }

  /** The CA row locked FOR UPDATE until the transaction ends (changes to the CA itself). */
  lockForUpdate(tx: Transaction, id: number): Promise<CertificateAuthority | null> {
    return entityManagerOf(tx)
      .createQueryBuilder(CertificateAuthority, 'ca')
      .setLock('pessimistic_write')
      .where('ca.id = :id', { id })
      .getOne();
  }

  /** The CA row share-locked (FOR SHARE): a concurrent change waits for the caller's signature. */
  lockForShare(tx: Transaction, id: number): Promise<CertificateAuthority | null> {
    return entityManagerOf(tx)
      .createQueryBuilder(CertificateAuthority, 'ca')
      .setLock('pessimistic_read')
      .where('ca.id = :caId', { caId: id })
      .getOne();
  }

  /** Inserts a new CA; a name already taken in the organisation is a 400. */
  async insert(tx: Transaction, fields: DeepPartial<CertificateAuthority>): Promise<CertificateAuthority> {
    const manager = entityManagerOf(tx);
    const created = manager.create(CertificateAuthority, fields);
    await this.saveUniqueName(tx, created);
    return created;
  }

  /** Writes a changed CA (its name stays unique per organisation). */
  save(tx: Transaction, ca: CertificateAuthority): Promise<void> {
    return this.saveUniqueName(tx, ca);
  }

  async delete(tx: Transaction, id: number): Promise<void> {
    await entityManagerOf(tx).delete(CertificateAuthority, { id });
  }

  hasChildren(tx: Transaction, id: number): Promise<boolean> {
    return entityManagerOf(tx).existsBy(CertificateAuthority, { parentCaId: id });
  }

  /** Every CA the `scope` condition (listScopeCondition over `ca`) lets through, by id. */
  list(scope: SqlCondition, tx: Transaction = this.transactions.none): Promise<CertificateAuthority[]> {
    return entityManagerOf(tx)
      .createQueryBuilder(CertificateAuthority, 'ca')
      .where(scope.sql, scope.params)
      .orderBy('ca.id', 'ASC')
      .getMany();
  }

  childrenOf(parentId: number, tx: Transaction = this.transactions.none): Promise<CertificateAuthority[]> {
    return entityManagerOf(tx).find(CertificateAuthority, {
      where: { parentCaId: parentId },
      order: { id: 'ASC' },
    });
  }

  /** The CAs called `name` within `scope` (listScopeCondition over `ca`), by id. */
  findByName(
    name: string,
    scope: SqlCondition,
    tx: Transaction = this.transactions.none,
  ): Promise<CertificateAuthority[]> {
    return entityManagerOf(tx)
      .createQueryBuilder(CertificateAuthority, 'ca')
      .where('ca.name = :name', { name })
      .andWhere(scope.sql, scope.params)
      .orderBy('ca.id', 'ASC')
      .getMany();
  }

  /** The CA followed by its ancestors up to the root (at most 64). */
  async ancestry(
    ca: CertificateAuthority,
    tx: Transaction = this.transactions.none,
  ): Promise<CertificateAuthority[]> {
    const chain = [ca];
    let current = ca;
    while (current.parentCaId !== null && chain.length < 64) {
      const parent = await this.findById(current.parentCaId, tx);
      if (!parent) break;
      chain.push(parent);
      current = parent;
    }
    return chain;
  }

  /** A CA with child CAs stops allowing leaves, unless someone set allow_leaf_certs explicitly. */
  async refreshLeafPolicy(tx: Transaction, caId: number): Promise<void> {
    await entityManagerOf(tx).query(
      `UPDATE certificate_authorities
          SET allow_leaf_certs = NOT EXISTS (SELECT 1 FROM certificate_authorities c WHERE c.parent_ca_id = $1),
              updated_at = now()
        WHERE id = $1 AND NOT allow_leaf_certs_explicit`,
      [caId],
    );
  }

  /** The CA's sealed private key (never selected with the row). */
  async sealedPrivateKey(id: number, tx: Transaction = this.transactions.none): Promise<string> {
    const row = await entityManagerOf(tx)
      .createQueryBuilder(CertificateAuthority, 'ca')
      .select(['ca.id', 'ca.sealedPrivateKey'])
      .where('ca.id = :id', { id })
      .getOneOrFail();
    return row.sealedPrivateKey;
  }

  /** Every CA's sealed key, locked FOR UPDATE (KEK rotation). */
  lockSealedKeys(tx: Transaction): Promise<SealedKeyRow[]> {
    return entityManagerOf(tx).query(
      'SELECT id, sealed_private_key AS sealed FROM certificate_authorities WHERE sealed_private_key IS NOT NULL FOR UPDATE',
    );
  }

  async updateSealedKey(tx: Transaction, id: number, sealed: string): Promise<void> {
    await entityManagerOf(tx).query(
      'UPDATE certificate_authorities SET sealed_private_key = $1 WHERE id = $2',
      [sealed, id],
    );
  }

  private async saveUniqueName(tx: Transaction, ca: CertificateAuthority): Promise<void> {
    try {
      await entityManagerOf(tx).save(ca);
    } catch (error) {
      if (violatedConstraint(error)?.kind === 'unique') {
        throw new InvalidInputError(`A CA named "${ca.name}" already exists in this organization`);
      }
      throw error;
    }
  }

  /** CAs by effective status (CA_STATUS_SQL), for the metrics gauges. */
  async countByStatus(): Promise<StatusCount[]> {
    const rows: { status: string; count: string }[] = await entityManagerOf(this.transactions.none).query(
      `SELECT ${CA_STATUS_SQL} AS status, count(*) AS count FROM certificate_authorities GROUP BY 1`,
    );
    return rows.map((row) => ({ status: row.status, count: Number(row.count) }));
  }

  /** Every CA's id, name and certificate notAfter (null while pending). */
  async namesAndNotAfter(): Promise<CaNameAndNotAfter[]> {
    const rows: { id: number; name: string; not_after: Date | string | null; status: string }[] =
      await entityManagerOf(this.transactions.none).query(
        'SELECT id, name, not_after, status FROM certificate_authorities',
      );
    return rows.map((row) => ({
      id: Number(row.id),
      name: row.name,
      notAfter: row.not_after === null ? null : new Date(row.not_after),
      revoked: row.status === 'revoked',
    }));
  }
}
