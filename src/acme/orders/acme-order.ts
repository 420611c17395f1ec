import type { AcmeIdentifier, ProblemDocument } from '../acme-problem';

/** RFC 8555 7.1.6. */
export type AcmeOrderStatus = 'pending' | 'ready' | 'processing' | 'valid' | 'invalid';
export type AcmeAuthorizationStatus = 'pending' | 'valid' | 'invalid' | 'deactivated' | 'expired' | 'revoked';
export type AcmeChallengeStatus = 'pending' | 'processing' | 'valid' | 'invalid';
export type AcmeChallengeType = 'http-01' | 'dns-01' | 'tls-alpn-01';

/** An order (table acme_orders) with the authorizations it needs, in the order they were linked. */
export interface AcmeOrder {
  id: number;
  accountId: number;
  status: AcmeOrderStatus;
  /** As asked (normalised): a wildcard keeps its `*.`. */
  identifiers: AcmeIdentifier[];
  expiresAt: Date;
  error: ProblemDocument | null;
  certificateId: number | null;
  createdAt: Date;
  authorizationIds: number[];
}

/** An authorization (table acme_authorizations): its identifier without `*.`, `wildcard` telling (RFC 8555 7.1.4). */
export interface AcmeAuthorization {
  id: number;
  accountId: number;
  identifier: AcmeIdentifier;
  wildcard: boolean;
  status: AcmeAuthorizationStatus;
  expiresAt: Date;
  createdAt: Date;
}

/** A challenge (table acme_challenges). */
export interface AcmeChallenge {
  id: number;
  authorizationId: number;
  type: AcmeChallengeType;
  token: string;
  status: AcmeChallengeStatus;
  validatedAt: Date | null;
  error: ProblemDocument | null;
}
