import { Injectable } from '@nestjs/common';
import type { AcmeAccount } from '../accounts/acme-account';
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

  /**
   * newOrder's `replaces` (RFC 9773 5): the ARI certificate ID of a certificate the account obtained
   * and no other order replaces; the certificate's id, or null when `replaces` is absent.
   */
  checkReplaces(account: AcmeAccount, replaces: unknown): Promise<number | null> {
    void account;
    if (replaces === undefined) return Promise.resolve(null);
    return Promise.reject(new AcmeProblem('serverInternal', 'Not available yet'));
  }
}
