import { Injectable } from '@nestjs/common';
import { Transaction, Transactions } from '../../database/transactions';
import { AcmeAuthorizationRepository } from './acme-authorization.repository';
import { AcmeAuthorization, AcmeOrder } from './acme-order';
import { AcmeOrderRepository } from './acme-order.repository';

/**
 * Expiry is decided when a resource is read and persisted then (RFC 8555 7.1.6): no sweeper is needed,
 * and every instance reads the same answer.
 */
@Injectable()
export class AcmeOrderStates {
  constructor(
    private readonly transactions: Transactions,
    private readonly orders: AcmeOrderRepository,
    private readonly authorizations: AcmeAuthorizationRepository,
  ) {}

  /** The order as of now, its authorizations' expiry and its own decided first. */
  async order(id: number, tx?: Transaction): Promise<AcmeOrder | null> {
    if (!tx) return this.transactions.run((inner) => this.order(id, inner));
    const order = await this.orders.findById(id, tx);
    if (!order) return null;
    const now = new Date();
    await this.authorizations.expireDue(tx, order.authorizationIds, now);
    await this.orders.refresh(tx, id, now);
    return this.orders.findById(id, tx);
  }

  /** The authorization as of now; its expiry invalidates the orders that needed it. */
  async authorization(id: number, tx?: Transaction): Promise<AcmeAuthorization | null> {
    if (!tx) return this.transactions.run((inner) => this.authorization(id, inner));
    const found = await this.authorizations.findById(id, tx);
    if (!found) return null;
    const now = new Date();
    if (['pending', 'valid'].includes(found.status) && found.expiresAt <= now) {
      await this.authorizations.expireDue(tx, [id], now);
      await this.orders.invalidateForAuthorization(tx, id, now);
      return this.authorizations.findById(id, tx);
    }
    return found;
  }
}
