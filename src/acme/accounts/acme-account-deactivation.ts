import { Injectable } from '@nestjs/common';
import { Transaction } from '../../database/transactions';
import { AcmeAuthorizationRepository } from '../orders/acme-authorization.repository';
import { AcmeOrderRepository } from '../orders/acme-order.repository';
import { AcmeAccountRepository } from './acme-account.repository';

/**
 * RFC 8555 7.3.6, whoever asks (the account, or an administrator): the account is deactivated for good,
 * and what it had pending goes with it: its authorizations are deactivated and its open orders invalid.
 */
@Injectable()
export class AcmeAccountDeactivation {
  constructor(
    private readonly accounts: AcmeAccountRepository,
    private readonly authorizations: AcmeAuthorizationRepository,
    private readonly orders: AcmeOrderRepository,
  ) {}

  async deactivate(tx: Transaction, accountId: number): Promise<void> {
    await this.accounts.setStatus(tx, accountId, 'deactivated');
    await this.authorizations.deactivateAllOf(tx, accountId);
    await this.orders.invalidateOpenOf(tx, accountId);
  }
}
