import type { JWK } from 'jose';
import { AcmeProblem } from '../acme-problem';

export type AcmeAccountStatus = 'valid' | 'deactivated' | 'revoked';

/** An ACME account (table acme_accounts): its id is its principal's (users.id, kind 'acme_account'). */
export interface AcmeAccount {
  id: number;
  profileId: number;
  /** The profile's organisation, the principal's. */
  organizationId: number | null;
  jwk: JWK;
  jwkThumbprint: string;
  status: AcmeAccountStatus;
  contact: string[];
  termsOfServiceAgreed: boolean;
  /** The EAB key it was bound with, when one was. */
  eabKid: string | null;
  createdAt: Date;
}

/** RFC 8555 7.3.6: a request of a deactivated (or revoked) account is a 401 unauthorized. */
export function accountNotValid(account: Pick<AcmeAccount, 'id' | 'status'>): AcmeProblem {
  return new AcmeProblem(
    'unauthorized',
    `Account ${account.id} is ${account.status}: it can do nothing more`,
    {
      status: 401,
    },
  );
}
