import { Injectable } from '@nestjs/common';
import { AcmeProblem } from '../acme-problem';
import { AcmeResponse } from '../acme-response';
import { AcmeServer } from '../acme-profiles';
import { AccountRequest, VerifiedAcmeRequest } from '../jws/acme-request-verifier';
import type { AcmeAccount } from '../accounts/acme-account';

/**
 * Orders, authorizations, challenges, finalization, certificates, revocation and renewal information
 * (RFC 8555 7.4–7.6, RFC 9773). Being written on branch i18-orders; every method answers
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
  revokeCertificate(
    request: VerifiedAcmeRequest & { account: AcmeAccount | null },
    clientAddress: string | null,
  ): Promise<AcmeResponse> {
    return unavailable(request, clientAddress);
  }
  renewalInfo(server: AcmeServer, certificateId: string): Promise<AcmeResponse> {
    return unavailable(server, certificateId);
  }
}

function unavailable(...context: unknown[]): Promise<AcmeResponse> {
  void context;
  return Promise.reject(new AcmeProblem('serverInternal', 'Not available yet'));
}
