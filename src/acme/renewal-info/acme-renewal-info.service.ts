import { Injectable } from '@nestjs/common';
import { AcmeProblem } from '../acme-problem';
import { AcmeServer } from '../acme-profiles';
import { AcmeResponse } from '../acme-response';

/** ARI (RFC 9773). Being written on branch i18-revocation; answers serverInternal until it lands. */
@Injectable()
export class AcmeRenewalInfoService {
  renewalInfo(server: AcmeServer, certificateId: string): Promise<AcmeResponse> {
    void server;
    void certificateId;
    return Promise.reject(new AcmeProblem('serverInternal', 'Not available yet'));
  }
}
