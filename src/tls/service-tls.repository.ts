import { Injectable } from '@nestjs/common';
import { entityManagerOf, Transaction, Transactions } from '../database/transactions';

/** Serialises the instances (cluster workers, replicas) that would issue the service's TLS certificate. */
const SERVICE_TLS_LOCK = 0x7473_6c31; // "tsl1"

/** The only code that reads and writes service_tls_roots and service_tls_certificates. */
@Injectable()
export class ServiceTlsRepository {
  constructor(private readonly transactions: Transactions) {}

  /** Held until the caller's transaction ends; transaction-scoped, so safe behind PgBouncer. */
  async lock(tx: Transaction): Promise<void> {
    await entityManagerOf(tx).query('SELECT pg_advisory_xact_lock($1)', [SERVICE_TLS_LOCK]);
  }

  async latestCertificateId(tx: Transaction = this.transactions.none): Promise<number | null> {
    const rows: { certificate_id: number }[] = await entityManagerOf(tx).query(
      'SELECT certificate_id FROM service_tls_certificates ORDER BY created_at DESC, certificate_id DESC LIMIT 1',
    );
    return rows[0]?.certificate_id ?? null;
  }

  async addCertificate(tx: Transaction, certificateId: number): Promise<void> {
    await entityManagerOf(tx).query('INSERT INTO service_tls_certificates (certificate_id) VALUES ($1)', [
      certificateId,
    ]);
  }

  /** The roots the service made for itself, newest first. */
  async rootIdsNewestFirst(tx: Transaction = this.transactions.none): Promise<number[]> {
    const rows: { ca_id: number }[] = await entityManagerOf(tx).query(
      'SELECT ca_id FROM service_tls_roots ORDER BY created_at DESC, ca_id DESC',
    );
    return rows.map((row) => Number(row.ca_id));
  }

  async addRoot(tx: Transaction, caId: number): Promise<void> {
    await entityManagerOf(tx).query('INSERT INTO service_tls_roots (ca_id) VALUES ($1)', [caId]);
  }
}
