import type { CertificateType, KeyType } from '../crypto/crypto.types';
import type { SanTemplates } from './san-templates';

/** When a certificate would outlive its issuer: end with the issuer's notAfter, or refuse. */
export type IssuerLifetime = 'clamp' | 'refuse';

/** Subject attributes a profile may write whatever the request says. */
export type FixedSubjectAttribute = 'O' | 'OU' | 'C' | 'L' | 'ST';

/**
 * A certificate profile as the issuance rules see it: plain facts, no database. For the list fields,
 * null means "no restriction" and an empty list "none allowed" (except caIds, certificateTypes and
 * keyTypes, where empty means any).
 */
export interface ProfilePolicy {
  id: number;
  name: string;
  caIds: readonly number[];
  certificateTypes: readonly CertificateType[];
  keyTypes: readonly KeyType[];
  minRsaBits: number | null;
  allowedDns: readonly string[] | null;
  allowWildcardCertificates: boolean;
  allowedIpRanges: readonly string[] | null;
  allowedEmails: readonly string[] | null;
  allowedUris: readonly string[] | null;
  allowedSubjectAttributes: readonly string[];
  fixedSubject: Partial<Record<FixedSubjectAttribute, string>>;
  defaultValidityDays: number | null;
  maxValidityDays: number | null;
  backdateSeconds: number;
  issuerLifetime: IssuerLifetime;
  /** SANs rendered from the workload's claims (the only SANs then allowed); null: the request's SANs. */
  sanTemplates: SanTemplates | null;
  /** A renewal may keep the certificate's public key (POST /certificates/renew without a CSR). */
  renewalReusesKey: boolean;
}
