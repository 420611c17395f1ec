import { Injectable } from '@nestjs/common';
import { DeepPartial, IsNull } from 'typeorm';
import { SqlCondition } from '../access/list-scope';
import { violatedConstraint } from '../common/database-errors';
import { InvalidInputError } from '../common/errors';
import { entityManagerOf, Transaction, Transactions } from '../database/transactions';
import { CertificateProfileEntity } from './certificate-profile.entity';

/** The only code that reads and writes certificate_profiles rows. */
@Injectable()
export class ProfileRepository {
  constructor(private readonly transactions: Transactions) {}

  findById(id: number, tx: Transaction = this.transactions.none): Promise<CertificateProfileEntity | null> {
    return entityManagerOf(tx).findOneBy(CertificateProfileEntity, { id });
  }

  /** The profile called `name` in the organisation, or null. */
  findByName(
    organizationId: number | null,
    name: string,
    tx: Transaction = this.transactions.none,
  ): Promise<CertificateProfileEntity | null> {
    // IsNull: TypeORM drops a plain null condition, which would match a profile of any organisation.
    return entityManagerOf(tx).findOneBy(CertificateProfileEntity, {
      organizationId: organizationId ?? IsNull(),
      name,
    });
  }

  /** The profile row locked FOR UPDATE until the transaction ends. */
  lockForUpdate(tx: Transaction, id: number): Promise<CertificateProfileEntity | null> {
    return entityManagerOf(tx)
      .createQueryBuilder(CertificateProfileEntity, 'profile')
      .setLock('pessimistic_write')
      .where('profile.id = :id', { id })
      .getOne();
  }

  /** Every profile the `scope` condition (listScopeCondition over `profile`) lets through, by id. */
  list(scope: SqlCondition, tx: Transaction = this.transactions.none): Promise<CertificateProfileEntity[]> {
    return entityManagerOf(tx)
      .createQueryBuilder(CertificateProfileEntity, 'profile')
      .where(scope.sql, scope.params)
      .orderBy('profile.id', 'ASC')
      .getMany();
  }

  /** Inserts a profile; a name taken in the organisation or an unknown organisation is a 400. */
  async insert(
    tx: Transaction,
    fields: DeepPartial<CertificateProfileEntity>,
  ): Promise<CertificateProfileEntity> {
    const created = entityManagerOf(tx).create(CertificateProfileEntity, fields);
    await this.save(tx, created);
    return created;
  }

  async save(tx: Transaction, profile: CertificateProfileEntity): Promise<void> {
    try {
      await entityManagerOf(tx).save(profile);
    } catch (error) {
      const violated = violatedConstraint(error);
      if (violated?.kind === 'unique') {
        throw new InvalidInputError(`A profile named "${profile.name}" already exists in this organization`);
      }
      if (violated?.kind === 'foreign_key') {
        throw new InvalidInputError(`Organization ${profile.organizationId} not found`);
      }
      throw error;
    }
  }

  async delete(tx: Transaction, id: number): Promise<void> {
    await entityManagerOf(tx).delete(CertificateProfileEntity, { id });
  }
}
