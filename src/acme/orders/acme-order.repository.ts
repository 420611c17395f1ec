import { Injectable } from '@nestjs/common';
import { returningRows } from '../../database/returning-rows';
import { entityManagerOf, Transaction, Transactions } from '../../database/transactions';
import { AcmeIdentifier, problemDocument, ProblemDocument } from '../acme-problem';
import { AcmeOrder, AcmeOrderStatus } from './acme-order';

interface OrderRow {
  id: number;
  account_id: number;
  status: AcmeOrderStatus;
  identifiers: AcmeIdentifier[] | string;
  expires_at: Date;
  error: ProblemDocument | string | null;
  certificate_id: number | null;
  created_at: Date;
  authorization_ids: number[];
}

const SELECT = `SELECT o.id, o.account_id, o.status, o.identifiers, o.expires_at, o.error, o.certificate_id, o.created_at,
         ARRAY(SELECT oa.authorization_id FROM acme_order_authorizations oa
                WHERE oa.order_id = o.id ORDER BY oa.authorization_id) AS authorization_ids
    FROM acme_orders o`;

/** Orders still open: finalization may still make them valid. */
const OPEN = `o.status IN ('pending', 'ready', 'processing')`;

const EXPIRED = problemDocument('malformed', 'The order expired before it was finalized', 403);
const AUTHORIZATION_FAILED = problemDocument(
  'unauthorized',
  'An authorization of this order is invalid, expired, deactivated or revoked',
  403,
);

function json<T>(value: T | string): T {
  return typeof value === 'string' ? (JSON.parse(value) as T) : value;
}

function toOrder(row: OrderRow): AcmeOrder {
  return {
    id: row.id,
    accountId: row.account_id,
    status: row.status,
    identifiers: json(row.identifiers),
    expiresAt: new Date(row.expires_at),
    error: row.error === null ? null : json(row.error),
    certificateId: row.certificate_id,
    createdAt: new Date(row.created_at),
    authorizationIds: row.authorization_ids.map(Number),
  };
}

export interface NewAcmeOrder {
  accountId: number;
  status: 'pending' | 'ready';
  identifiers: AcmeIdentifier[];
  expiresAt: Date;
  replaces: string | null;
  authorizationIds: number[];
}

/** The only code that writes acme_orders and acme_order_authorizations (RFC 8555 7.1.3, 7.1.6). */
@Injectable()
export class AcmeOrderRepository {
  constructor(private readonly transactions: Transactions) {}

  async findById(id: number, tx: Transaction = this.transactions.none): Promise<AcmeOrder | null> {
    const rows: OrderRow[] = await entityManagerOf(tx).query(`${SELECT} WHERE o.id = $1`, [id]);
    return rows[0] ? toOrder(rows[0]) : null;
  }

  /** The order locked FOR UPDATE in `tx` (finalization). */
  async lock(tx: Transaction, id: number): Promise<AcmeOrder | null> {
    await entityManagerOf(tx).query(`SELECT id FROM acme_orders WHERE id = $1 FOR UPDATE`, [id]);
    return this.findById(id, tx);
  }

  async insert(tx: Transaction, order: NewAcmeOrder): Promise<number> {
    const manager = entityManagerOf(tx);
    const [{ id }]: { id: number }[] = await manager.query(
      `INSERT INTO acme_orders (account_id, status, identifiers, expires_at, replaces)
       VALUES ($1, $2, $3, $4, $5) RETURNING id`,
      [order.accountId, order.status, JSON.stringify(order.identifiers), order.expiresAt, order.replaces],
    );
    await manager.query(
      `INSERT INTO acme_order_authorizations (order_id, authorization_id)
       SELECT $1, unnest($2::integer[]) ON CONFLICT DO NOTHING`,
      [id, order.authorizationIds],
    );
    return id;
  }

  /**
   * The account's orders a client may still use (RFC 8555 7.1.2.1: pending, ready, processing, valid),
   * newest first; an open order past its expiry is left out like the invalid ones.
   */
  async listUsable(accountId: number, limit: number): Promise<number[]> {
    const rows: { id: number }[] = await entityManagerOf(this.transactions.none).query(
      `SELECT o.id FROM acme_orders o
        WHERE o.account_id = $1 AND (o.status = 'valid' OR (${OPEN} AND o.expires_at > now()))
        ORDER BY o.id DESC LIMIT $2`,
      [accountId, limit],
    );
    return rows.map((row) => Number(row.id));
  }

  /**
   * The order's status as of `now` (RFC 8555 7.1.6), persisted: an open order past its expiry is
   * invalid, and so is one with an authorization that can no longer become valid; a pending order
   * whose authorizations are all valid is ready. Its authorizations' own expiry is decided first
   * (AcmeAuthorizationRepository.expireDue).
   */
  async refresh(tx: Transaction, id: number, now: Date): Promise<void> {
    const manager = entityManagerOf(tx);
    // A finalize whose instance died leaves the order processing: nothing was stored (the certificate
    // and the order's valid state commit together), so after a while it may be finalized again.
    await manager.query(
      `UPDATE acme_orders SET status = 'ready', updated_at = $2
        WHERE id = $1 AND status = 'processing' AND updated_at < $2::timestamptz - interval '${STALE_PROCESSING_MINUTES} minutes'`,
      [id, now],
    );
    await manager.query(
      `UPDATE acme_orders o SET status = 'invalid', error = $3, updated_at = $2
        WHERE o.id = $1 AND ${OPEN} AND o.expires_at <= $2`,
      [id, now, JSON.stringify(EXPIRED)],
    );
    await this.invalidateWhere(tx, `o.id = $1`, id, now);
    await this.readyWhere(tx, `o.id = $1`, id, now);
  }

  /** The pending orders needing authorization `authorizationId` whose authorizations are now all valid become ready. */
  async markReadyWhereAuthorized(
    tx: Transaction,
    authorizationId: number,
    now: Date = new Date(),
  ): Promise<void> {
    await this.readyWhere(tx, NEEDING_AUTHORIZATION, authorizationId, now);
  }

  /** The open orders needing authorization `authorizationId`, which failed or was deactivated, become invalid. */
  async invalidateForAuthorization(
    tx: Transaction,
    authorizationId: number,
    now: Date = new Date(),
    error: ProblemDocument = AUTHORIZATION_FAILED,
  ): Promise<void> {
    await this.invalidateWhere(tx, NEEDING_AUTHORIZATION, authorizationId, now, error);
  }

  /** The account's open orders whose authorizations were deactivated with it become invalid. */
  async invalidateOpenOf(tx: Transaction, accountId: number, now: Date = new Date()): Promise<void> {
    await this.invalidateWhere(tx, `o.account_id = $1`, accountId, now);
  }

  /** ready → processing; false when the order is not ready (a concurrent finalize got there first). */
  async startProcessing(tx: Transaction, id: number): Promise<boolean> {
    const rows = await returningRows<unknown>(
      tx,
      `UPDATE acme_orders SET status = 'processing', updated_at = now() WHERE id = $1 AND status = 'ready' RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }

  /** processing → valid with its certificate; false when the order is no longer processing (it expired). */
  async markValid(tx: Transaction, id: number, certificateId: number): Promise<boolean> {
    const rows = await returningRows<unknown>(
      tx,
      `UPDATE acme_orders SET status = 'valid', certificate_id = $2, error = NULL, updated_at = now()
        WHERE id = $1 AND status = 'processing' RETURNING id`,
      [id, certificateId],
    );
    return rows.length > 0;
  }

  /** processing → invalid: the issuance pipeline refused the CSR. */
  async markRefused(id: number, error: ProblemDocument): Promise<void> {
    await entityManagerOf(this.transactions.none).query(
      `UPDATE acme_orders SET status = 'invalid', error = $2, updated_at = now() WHERE id = $1 AND status = 'processing'`,
      [id, JSON.stringify(error)],
    );
  }

  /** processing → ready: finalization failed for a reason of the server's, the client may retry. */
  async backToReady(id: number): Promise<void> {
    await entityManagerOf(this.transactions.none).query(
      `UPDATE acme_orders SET status = 'ready', updated_at = now() WHERE id = $1 AND status = 'processing'`,
      [id],
    );
  }

  /** Orders by their status as of now (an open order past its expiry counts as invalid), for the metrics. */
  async statusCounts(): Promise<{ status: AcmeOrderStatus; count: number }[]> {
    const rows: { status: AcmeOrderStatus; count: string | number }[] = await entityManagerOf(
      this.transactions.none,
    ).query(
      `SELECT CASE WHEN ${OPEN} AND o.expires_at <= now() THEN 'invalid' ELSE o.status END AS status,
              count(*) AS count
         FROM acme_orders o GROUP BY 1`,
    );
    return rows.map((row) => ({ status: row.status, count: Number(row.count) }));
  }

  /** `error`: why (the failed challenge's problem, when that is the cause). */
  private async invalidateWhere(
    tx: Transaction,
    which: string,
    param: number,
    now: Date,
    error: ProblemDocument = AUTHORIZATION_FAILED,
  ): Promise<void> {
    await entityManagerOf(tx).query(
      `UPDATE acme_orders o SET status = 'invalid', error = $3, updated_at = $2
        WHERE ${which} AND o.status IN ('pending', 'ready')
          AND EXISTS (SELECT 1 FROM acme_order_authorizations oa
                        JOIN acme_authorizations a ON a.id = oa.authorization_id
                       WHERE oa.order_id = o.id
                         AND a.status IN ('invalid', 'expired', 'deactivated', 'revoked'))`,
      [param, now, JSON.stringify(error)],
    );
  }

  private async readyWhere(tx: Transaction, which: string, param: number, now: Date): Promise<void> {
    await entityManagerOf(tx).query(
      `UPDATE acme_orders o SET status = 'ready', updated_at = $2
        WHERE ${which} AND o.status = 'pending' AND o.expires_at > $2
          AND NOT EXISTS (SELECT 1 FROM acme_order_authorizations oa
                            JOIN acme_authorizations a ON a.id = oa.authorization_id
                           WHERE oa.order_id = o.id AND (a.status <> 'valid' OR a.expires_at <= $2))`,
      [param, now],
    );
  }
}

/** Longer than any signature takes, even RSA-4096 on a busy machine. */
const STALE_PROCESSING_MINUTES = 5;

const NEEDING_AUTHORIZATION = `o.id IN (SELECT order_id FROM acme_order_authorizations WHERE authorization_id = $1)`;
