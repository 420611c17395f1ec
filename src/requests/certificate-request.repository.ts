import { Injectable } from '@nestjs/common';
import { DeepPartial } from 'typeorm';
import { listScopeCondition } from '../access/list-scope';
import { Actor } from '../access/policy';
import { entityManagerOf, Transaction, Transactions } from '../database/transactions';
import { CertificateRequest, RequestStatus } from './certificate-request.entity';

export interface RequestListFilter {
  status?: RequestStatus;
  submitted_by_user_id?: number;
  skip: number;
  limit: number;
}

/** The only code that reads and writes certificate_requests. */
@Injectable()
export class CertificateRequestRepository {
  constructor(private readonly transactions: Transactions) {}

  /** Inserts a new request; the returned entity carries its id and defaults. */
  async create(tx: Transaction, fields: DeepPartial<CertificateRequest>): Promise<CertificateRequest> {
    const manager = entityManagerOf(tx);
    const created = manager.create(CertificateRequest, fields);
    await manager.save(created);
    return created;
  }

  findById(id: number, tx: Transaction = this.transactions.none): Promise<CertificateRequest | null> {
    return entityManagerOf(tx).findOneBy(CertificateRequest, { id });
  }

  findByIdOrFail(tx: Transaction, id: number): Promise<CertificateRequest> {
    return entityManagerOf(tx).findOneByOrFail(CertificateRequest, { id });
  }

  /** The request, row-locked (`FOR UPDATE`) until the caller's transaction ends. */
  lockForUpdate(tx: Transaction, id: number): Promise<CertificateRequest | null> {
    return entityManagerOf(tx)
      .createQueryBuilder(CertificateRequest, 'request')
      .setLock('pessimistic_write')
      .where('request.id = :id', { id })
      .getOne();
  }

  /** The active requests whose certificate is `certificateId`, row-locked (`FOR UPDATE`). */
  lockActiveByCertificate(tx: Transaction, certificateId: number): Promise<CertificateRequest[]> {
    return entityManagerOf(tx).find(CertificateRequest, {
      where: { certificateId, status: 'active' },
      lock: { mode: 'pessimistic_write' },
    });
  }

  async save(tx: Transaction, request: CertificateRequest): Promise<void> {
    await entityManagerOf(tx).save(request);
  }

  async delete(tx: Transaction, id: number): Promise<void> {
    await entityManagerOf(tx).delete(CertificateRequest, { id });
  }

  /** The requests `actor` may read, filtered and paged, newest first. */
  list(actor: Actor, filter: RequestListFilter): Promise<CertificateRequest[]> {
    const scope = listScopeCondition(actor, 'certificate_request', {
      organization: 'request.organization_id',
      owner: 'request.submitted_by_user_id',
    });
    const builder = entityManagerOf(this.transactions.none)
      .createQueryBuilder(CertificateRequest, 'request')
      .andWhere(scope.sql, scope.params);
    if (filter.status !== undefined) builder.andWhere('request.status = :status', { status: filter.status });
    if (filter.submitted_by_user_id !== undefined) {
      builder.andWhere('request.submitted_by_user_id = :submitter', {
        submitter: filter.submitted_by_user_id,
      });
    }
    return builder.orderBy('request.id', 'DESC').offset(filter.skip).limit(filter.limit).getMany();
  }

  /** Requests by status, for the metrics gauges. */
  async countByStatus(): Promise<{ status: string; count: number }[]> {
    const rows: { status: string; count: string }[] = await entityManagerOf(this.transactions.none).query(
      'SELECT status, count(*) AS count FROM certificate_requests GROUP BY 1',
    );
    return rows.map((row) => ({ status: row.status, count: Number(row.count) }));
  }
}
