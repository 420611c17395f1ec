import type { JWK } from 'jose';

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
