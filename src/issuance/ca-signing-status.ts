import { earliest } from '../common/dates';

/** Stored states; `expired` and `not_yet_valid` are derived from the certificate's dates when reading. */
export type StoredCaStatus = 'pending' | 'active' | 'disabled' | 'revoked';
export type CaStatus = StoredCaStatus | 'expired' | 'not_yet_valid';

/** What of a CA decides whether it may sign now: its stored status and its certificate's dates. */
export interface CaSigningDates {
  status: StoredCaStatus;
  notBefore: Date | null;
  notAfter: Date | null;
  /** The earliest notAfter among the issuers of an uploaded chain. */
  issuerChainNotAfter: Date | null;
}

/**
 * When the CA's signatures can validate (RFC 5280 6.1.3): from its certificate's notBefore (an uploaded
 * certificate may start in the future) to its notAfter, or earlier when an issuer of an uploaded chain ends
 * first. What the CA signs is clamped into it.
 */
export function signingWindow(ca: Omit<CaSigningDates, 'status'>): {
  notBefore: Date | null;
  notAfter: Date | null;
} {
  return { notBefore: ca.notBefore, notAfter: earliest([ca.notAfter, ca.issuerChainNotAfter]) };
}

/**
 * The CA's status at `now`: the stored one, or for an active CA outside its signing window `expired` or
 * `not_yet_valid`. This is the rule of whether a CA may sign: it may when this says `active`.
 */
export function caStatusOf(ca: CaSigningDates, now = new Date()): CaStatus {
  if (ca.status !== 'active') return ca.status;
  const window = signingWindow(ca);
  if (window.notAfter && window.notAfter <= now) return 'expired';
  if (window.notBefore && window.notBefore > now) return 'not_yet_valid';
  return 'active';
}

/**
 * caStatusOf in SQL over certificate_authorities' columns, at the database's clock; the table test in
 * ca-signing-status.spec.ts holds the two to the same answers.
 */
export const CA_STATUS_SQL = `CASE WHEN status <> 'active' THEN status
            WHEN not_after <= now() OR issuer_chain_not_after <= now() THEN 'expired'
            WHEN not_before > now() THEN 'not_yet_valid'
            ELSE 'active' END`;

/** caStatusOf(ca) = 'active' in SQL, for statements that re-check it under a lock. */
export const MAY_SIGN_NOW_SQL = `(${CA_STATUS_SQL}) = 'active'`;

/**
 * SQL selecting the CA whose id is `parameter` while it may sign (leaf certificates too, with
 * `leaves`), share-locked, so a concurrent disable, revocation or deletion waits or is seen; for the
 * CTE of a statement that stores what the CA signed.
 */
export function activeIssuerSql(parameter: string, options: { leaves: boolean }): string {
  return `SELECT id FROM certificate_authorities
             WHERE id = ${parameter}${options.leaves ? ' AND allow_leaf_certs' : ''}
               AND ${MAY_SIGN_NOW_SQL}
             FOR SHARE`;
}
