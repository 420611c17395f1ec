import { Injectable } from '@nestjs/common';
import { In } from 'typeorm';
import { entityManagerOf, Transaction, Transactions } from '../database/transactions';
import { ServiceAccountFacts } from './service-account.entity';

/** The only code that reads and writes the service_accounts table. */
@Injectable()
export class ServiceAccountRepository {
  constructor(private readonly transactions: Transactions) {}

  async insert(tx: Transaction, facts: ServiceAccountFacts): Promise<void> {
    await entityManagerOf(tx).insert(ServiceAccountFacts, facts);
  }

  async save(tx: Transaction, facts: ServiceAccountFacts): Promise<void> {
    await entityManagerOf(tx).save(ServiceAccountFacts, facts);
  }

  find(userId: number, tx: Transaction = this.transactions.none): Promise<ServiceAccountFacts | null> {
    return entityManagerOf(tx).findOneBy(ServiceAccountFacts, { userId });
  }

  findMany(userIds: number[]): Promise<ServiceAccountFacts[]> {
    if (userIds.length === 0) return Promise.resolve([]);
    return entityManagerOf(this.transactions.none).findBy(ServiceAccountFacts, { userId: In(userIds) });
  }
}
