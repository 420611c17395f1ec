import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { IsolationLevel } from 'typeorm/driver/types/IsolationLevel';

declare const unitOfWork: unique symbol;

/**
 * A unit of work, opaque outside repositories: services begin one and pass it along, and only a
 * repository (through `entityManagerOf`) runs statements in it.
 */
export interface Transaction {
  readonly [unitOfWork]: true;
}

/** For repositories only: the TypeORM manager a unit of work runs its statements on. */
export function entityManagerOf(tx: Transaction): EntityManager {
  return tx as unknown as EntityManager;
}

function asTransaction(manager: EntityManager): Transaction {
  return manager as unknown as Transaction;
}

/** Where services begin and commit units of work; repositories do the reading and writing. */
@Injectable()
export class Transactions {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Runs `work` in one transaction: everything it writes commits together, or nothing does. */
  run<T>(work: (tx: Transaction) => Promise<T>, isolation?: IsolationLevel): Promise<T> {
    const inManager = (manager: EntityManager) => work(asTransaction(manager));
    return isolation
      ? this.dataSource.transaction(isolation, inManager)
      : this.dataSource.transaction(inManager);
  }

  /** Statements outside any transaction, each committing on its own. */
  get none(): Transaction {
    return asTransaction(this.dataSource.manager);
  }
}
