import { Injectable } from '@nestjs/common';
import { DeepPartial } from 'typeorm';
import { violatedConstraint } from '../common/database-errors';
import { InvalidInputError } from '../common/errors';
import { entityManagerOf, Transaction, Transactions } from '../database/transactions';
import { TrustPolicy } from './trust-policy.entity';

/** The only code that reads and writes trust_policies rows. */
@Injectable()
export class TrustPolicyRepository {
  constructor(private readonly transactions: Transactions) {}

  findById(id: number, tx: Transaction = this.transactions.none): Promise<TrustPolicy | null> {
    return entityManagerOf(tx).findOneBy(TrustPolicy, { id });
  }

  /** The account's policies, by id. */
  listForAccount(
    serviceAccountUserId: number,
    tx: Transaction = this.transactions.none,
  ): Promise<TrustPolicy[]> {
    return entityManagerOf(tx).find(TrustPolicy, { where: { serviceAccountUserId }, order: { id: 'ASC' } });
  }

  /** Every policy trusting exactly this issuer (the ID token's `iss`), by id. */
  listForIssuer(issuer: string, tx: Transaction = this.transactions.none): Promise<TrustPolicy[]> {
    return entityManagerOf(tx).find(TrustPolicy, { where: { issuer }, order: { id: 'ASC' } });
  }

  lockForUpdate(tx: Transaction, id: number): Promise<TrustPolicy | null> {
    return entityManagerOf(tx)
      .createQueryBuilder(TrustPolicy, 'policy')
      .setLock('pessimistic_write')
      .where('policy.id = :id', { id })
      .getOne();
  }

  async insert(tx: Transaction, fields: DeepPartial<TrustPolicy>): Promise<TrustPolicy> {
    const created = entityManagerOf(tx).create(TrustPolicy, fields);
    await this.save(tx, created);
    return created;
  }

  async save(tx: Transaction, policy: TrustPolicy): Promise<void> {
    try {
      await entityManagerOf(tx).save(policy);
    } catch (error) {
      if (violatedConstraint(error)?.kind === 'foreign_key') {
        throw new InvalidInputError(`Service account ${policy.serviceAccountUserId} not found`);
      }
      throw error;
    }
  }

  async delete(tx: Transaction, id: number): Promise<void> {
    await entityManagerOf(tx).delete(TrustPolicy, { id });
  }
}
