import { Injectable } from '@nestjs/common';
import { AcmeProblem } from '../acme-problem';
import { AcmeResponse } from '../acme-response';
import { AccountRequest } from '../jws/acme-request-verifier';

/**
 * Orders, authorizations, challenges, finalization and certificates (RFC 8555 7.4–7.5). Being written on branch i18-orders; every method answers
 * serverInternal until it lands.
 */
@Injectable()
export class AcmeOrdersService {
  newOrder(request: AccountRequest, clientAddress: string | null): Promise<AcmeResponse> {
    return unavailable(request, clientAddress);
  }
  listOrders(request: AccountRequest, accountId: number): Promise<AcmeResponse> {
    return unavailable(request, accountId);
  }
  order(request: AccountRequest, orderId: number): Promise<AcmeResponse> {
    return unavailable(request, orderId);
  }
  finalize(request: AccountRequest, orderId: number, clientAddress: string | null): Promise<AcmeResponse> {
    return unavailable(request, orderId, clientAddress);
  }
  authorization(request: AccountRequest, authorizationId: number): Promise<AcmeResponse> {
    return unavailable(request, authorizationId);
  }
  challenge(request: AccountRequest, challengeId: number): Promise<AcmeResponse> {
    return unavailable(request, challengeId);
  }
  certificate(request: AccountRequest, certificateId: number): Promise<AcmeResponse> {
    return unavailable(request, certificateId);
  }
}

function unavailable(...context: unknown[]): Promise<AcmeResponse> {
  void context;
  return Promise.reject(new AcmeProblem('serverInternal', 'Not available yet'));
}
