import type { CertificateType, DistinguishedName, KeySpec, SubjectAltNames } from '../crypto/crypto.types';
import type { CaSigningDates } from './ca-signing-status';
import type { ChainConstraints } from './name-constraints';
import type { IssuerLifetime, ProfilePolicy } from './profile-policy';

/** The issuing CA as the rules see it. */
export interface IssuingCa extends CaSigningDates {
  id: number;
  allowLeafCerts: boolean;
  /** basicConstraints pathLen of the CA's certificate; null when unlimited. */
  pathLength: number | null;
  /** The nameConstraints of this CA and of every CA above it (ours or uploaded), nearest first. */
  nameConstraints: readonly ChainConstraints[];
}

export interface Validity {
  notBefore: Date;
  notAfter: Date;
  /** True when the requested period was shortened to end with the issuer's. */
  clamped: boolean;
}

/**
 * What is asked for, before the rules: each rule returns it (possibly changed) or refuses. The key is
 * described by its spec; the public key itself joins at signing (a server-generated key is made only
 * once the rules have passed).
 */
export interface IssuanceTemplate {
  subject: DistinguishedName;
  san: SubjectAltNames;
  certificateType: CertificateType;
  keySpec: KeySpec;
  /** valid_days as asked; null: the profile's default, else the service's (context.defaultValidDays). */
  validDays: number | null;
  /** For a CA certificate: the pathLen asked for (undefined: the most the issuer allows). */
  pathLength: number | null | undefined;
  /** Set by the lifetime rule. */
  validity: Validity | null;
  /** The request's choice when the certificate would outlive its issuer (else the profile's, else clamp). */
  issuerLifetime?: IssuerLifetime;
  /** Set when this renews one of our certificates (POST /certificates/renew). */
  renewal?: Renewal;
}

/** What the rules know of a renewal: the certificate renewed and whether its public key is kept. */
export interface Renewal {
  certificateId: number;
  keyReused: boolean;
}

/** Everything a rule may consult besides the template. */
export interface IssuanceContext {
  /** Null for a root CA signing itself. */
  issuer: IssuingCa | null;
  now: Date;
  /** MAX_SANS_PER_CERTIFICATE */
  maxSans: number;
  /** CERT_DAYS or CA_CERT_DAYS: the lifetime when neither the request nor the profile names one. */
  defaultValidDays: number;
  /** The profile the certificate is issued under; null: none named and the CA requires none. */
  profile: ProfilePolicy | null;
  /**
   * The claims of the CI workload whose OIDC ID token the caller's access token was exchanged for
   * (what a profile's san_templates render from); absent or null for every other credential.
   */
  workloadClaims?: Readonly<Record<string, string>> | null;
}

/** A template every rule has accepted: its validity and path length are final. */
export interface ApprovedIssuance extends IssuanceTemplate {
  pathLength: number | null;
  validity: Validity;
}

/** A pure step of the pipeline: returns the template (or a changed copy) or throws an InvalidInputError. */
export type IssuanceRule = (template: IssuanceTemplate, context: IssuanceContext) => IssuanceTemplate;

/** The issuing CA's facts for the rules, from any row that has them (the CA entity does). */
export function issuingCaOf(
  ca: Omit<IssuingCa, 'nameConstraints'>,
  nameConstraints: readonly ChainConstraints[] = [],
): IssuingCa {
  return {
    id: ca.id,
    status: ca.status,
    notBefore: ca.notBefore,
    notAfter: ca.notAfter,
    issuerChainNotAfter: ca.issuerChainNotAfter,
    allowLeafCerts: ca.allowLeafCerts,
    pathLength: ca.pathLength,
    nameConstraints,
  };
}
