import { Injectable } from '@nestjs/common';
import { AcmeProblem } from '../acme-problem';
import { AcmeResponse } from '../acme-response';
import { AccountRequest } from '../jws/acme-request-verifier';
import { AcmeAuthorizationsService } from './acme-authorizations.service';
import { AcmeFinalizationService } from './acme-finalization.service';
import { AcmeNewOrders } from './acme-new-orders';
import { AcmeOrderRepository } from './acme-order.repository';
import { requirePostAsGet } from '../acme-payloads';

/** At most this many order URLs in an account's orders list (no `Link: rel="next"` pages). */
export const ORDER_LIST_LIMIT = 100;

/** What the ACME controller asks of orders, authorizations, challenges and certificates (RFC 8555 7.1–7.5). */
@Injectable()
export class AcmeOrdersService {
  constructor(
    private readonly newOrders: AcmeNewOrders,
    private readonly orderRepository: AcmeOrderRepository,
    private readonly authorizations: AcmeAuthorizationsService,
    private readonly finalization: AcmeFinalizationService,
  ) {}

  newOrder(request: AccountRequest, clientAddress: string | null): Promise<AcmeResponse> {
    void clientAddress;
    return this.newOrders.newOrder(request);
  }

  /** RFC 8555 7.1.2.1: the account's usable orders, newest first, the first ORDER_LIST_LIMIT. */
  async listOrders(request: AccountRequest, accountId: number): Promise<AcmeResponse> {
    if (request.account.id !== accountId) {
      throw new AcmeProblem('unauthorized', 'The JWS "kid" is not the account whose orders this URL lists');
    }
    requirePostAsGet(request.payload, 'The orders list');
    const ids = await this.orderRepository.listUsable(accountId, ORDER_LIST_LIMIT);
    return { status: 200, body: { orders: ids.map((id) => request.urls.order(id)) } };
  }

  order(request: AccountRequest, orderId: number): Promise<AcmeResponse> {
    return this.finalization.order(request, orderId);
  }

  finalize(request: AccountRequest, orderId: number, clientAddress: string | null): Promise<AcmeResponse> {
    return this.finalization.finalize(request, orderId, clientAddress);
  }

  authorization(request: AccountRequest, authorizationId: number): Promise<AcmeResponse> {
    return this.authorizations.authorization(request, authorizationId);
  }

  challenge(request: AccountRequest, challengeId: number): Promise<AcmeResponse> {
    return this.authorizations.challenge(request, challengeId);
  }

  certificate(request: AccountRequest, certificateId: number): Promise<AcmeResponse> {
    return this.finalization.certificate(request, certificateId);
  }
}
