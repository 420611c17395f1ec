import { Injectable } from '@nestjs/common';
import type { AcmeAccount } from '../accounts/acme-account';
import { AcmeProblem } from '../acme-problem';
import { AcmeResponse } from '../acme-response';
import { VerifiedAcmeRequest } from '../jws/acme-request-verifier';

/** revokeCert (RFC 8555 7.6). Being written on branch i18-revocation; answers serverInternal until it lands. */
@Injectable()
export class AcmeRevocationsService {
  revokeCertificate(
    request: VerifiedAcmeRequest & { account: AcmeAccount | null },
    clientAddress: string | null,
  ): Promise<AcmeResponse> {
    void request;
    void clientAddress;
    return Promise.reject(new AcmeProblem('serverInternal', 'Not available yet'));
  }
}
