import { Injectable } from '@nestjs/common';
import { JWTPayload } from 'jose';
import { InvalidGrantError, InvalidTokenRequestError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { Transactions } from '../database/transactions';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { unmatchedClaim } from './bound-claims';
import { IdTokenVerifier, readUnverified } from './id-token';
import type { TrustPolicy } from './trust-policy.entity';
import { TrustPolicyRepository } from './trust-policy.repository';

/** A verified workload: the service account it may act as, through which policy, for how long. */
export interface WorkloadIdentity {
  /** The service account's principal row. */
  principal: User;
  trustPolicy: TrustPolicy;
  /** The ID token's claims that SAN templates may use, as text. */
  claims: Record<string, string>;
  /** The ID token's `sub`, for the audit row. */
  subject: string;
  /** The access token's lifetime: the least of the policy's, WORKLOAD_TOKEN_MAX_MINUTES and the ID token's. */
  expiresInSeconds: number;
}

/** Claims that say how the token is valid rather than who the workload is; not carried over. */
const VALIDITY_CLAIMS = new Set([
  'iss',
  'aud',
  'exp',
  'nbf',
  'iat',
  'jti',
  'nonce',
  'at_hash',
  'c_hash',
  'azp',
]);
const CARRIED_CLAIM_NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const MAX_CARRIED_VALUE = 256;
/** The carried claims ride in the access token, which must stay well inside an HTTP header. */
const MAX_CARRIED_BYTES = 4096;

function refuse(reason: string): never {
  throw new InvalidGrantError(`subject_token refused: ${reason}`);
}

/**
 * RFC 8693 token exchange, the verifying half: which service account an OIDC ID token (a GitHub
 * Actions or GitLab CI job's) may act as. The token's issuer and audience select the trust policies
 * that could accept it (nothing is fetched for a token no policy could accept), the signature and
 * validity are verified with the issuer's keys, then each policy's bound claims are matched.
 */
@Injectable()
export class WorkloadIdentityService {
  constructor(
    private readonly transactions: Transactions,
    private readonly policies: TrustPolicyRepository,
    private readonly users: UsersService,
    private readonly verifier: IdTokenVerifier,
    private readonly config: AppConfig,
  ) {}

  async identify(subjectToken: string, serviceAccountId: number | undefined): Promise<WorkloadIdentity> {
    const { issuer, audiences } = readUnverified(subjectToken);
    const trusting = await this.policies.listForIssuer(issuer);
    if (trusting.length === 0) refuse(`no trust policy trusts its issuer "${issuer}"`);
    let candidates = trusting.filter((policy) => audiences.includes(policy.audience));
    if (candidates.length === 0) {
      refuse(
        `its audience ${JSON.stringify(audiences)} is not that of any trust policy for issuer "${issuer}"`,
      );
    }
    if (serviceAccountId !== undefined) {
      candidates = candidates.filter((policy) => policy.serviceAccountUserId === serviceAccountId);
      if (candidates.length === 0) {
        refuse(`no trust policy of service account ${serviceAccountId} trusts its issuer and audience`);
      }
    }
    const verified = await this.verifier.verify(subjectToken, issuer);
    const policy = this.matchingPolicy(candidates, verified.claims);
    const principal = await this.users.findServiceAccountPrincipal(
      this.transactions.none,
      policy.serviceAccountUserId,
    );
    if (!principal) refuse(`service account ${policy.serviceAccountUserId} no longer exists`);
    if (!principal.isActive) refuse(`service account "${principal.username}" (${principal.id}) is disabled`);
    return {
      principal,
      trustPolicy: policy,
      claims: carriedClaims(verified.claims),
      subject: typeof verified.claims.sub === 'string' ? verified.claims.sub : '',
      expiresInSeconds: this.lifetime(policy, verified.expiresAt),
    };
  }

  /**
   * The one policy whose bound claims the token satisfies (the lowest id when several of one account
   * do). A refusal names the first claim that failed and the token's value for it, not the policy's
   * expectation: whoever holds the token learns what it says, not what would have been accepted.
   */
  private matchingPolicy(candidates: TrustPolicy[], claims: JWTPayload): TrustPolicy {
    const matching: TrustPolicy[] = [];
    let firstMiss: { policy: TrustPolicy; name: string; actual: string } | null = null;
    for (const policy of candidates) {
      const miss = unmatchedClaim(policy.boundClaims, claims);
      if (miss === null) matching.push(policy);
      else firstMiss ??= { policy, ...miss };
    }
    if (matching.length === 0 && firstMiss) {
      const others = candidates.length - 1;
      refuse(
        `claim "${firstMiss.name}" (${firstMiss.actual}) does not match trust policy ${firstMiss.policy.id}` +
          (others > 0
            ? ` (nor does the token satisfy the ${others} other polic${others === 1 ? 'y' : 'ies'} for its issuer and audience)`
            : ''),
      );
    }
    const accounts = [...new Set(matching.map((policy) => policy.serviceAccountUserId))];
    if (accounts.length > 1) {
      throw new InvalidTokenRequestError(
        `The ID token satisfies trust policies of several service accounts (${accounts.join(', ')}): ` +
          'name the one to act as with service_account_id',
      );
    }
    return matching[0];
  }

  private lifetime(policy: TrustPolicy, idTokenExpiresAt: Date): number {
    const capMinutes = Math.min(
      policy.maxTokenMinutes ?? Infinity,
      this.config.federation.workloadTokenMaxMinutes,
    );
    const remaining = Math.floor((idTokenExpiresAt.getTime() - Date.now()) / 1000);
    if (remaining < 1) refuse(`it expired at ${idTokenExpiresAt.toISOString()}`);
    return Math.min(capMinutes * 60, remaining);
  }
}

/**
 * The ID token's claims that say who the workload is, as text (strings, numbers, booleans), for the
 * access token's credential: what a profile's SAN templates render from. Long values and claims past
 * MAX_CARRIED_BYTES are left out.
 */
export function carriedClaims(claims: JWTPayload): Record<string, string> {
  const carried: Record<string, string> = {};
  let bytes = 2;
  for (const [name, value] of Object.entries(claims)) {
    if (VALIDITY_CLAIMS.has(name) || !CARRIED_CLAIM_NAME.test(name)) continue;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    const text = String(value);
    if (text.length > MAX_CARRIED_VALUE) continue;
    const size = Buffer.byteLength(JSON.stringify(name) + JSON.stringify(text)) + 2;
    if (bytes + size > MAX_CARRIED_BYTES) continue;
    carried[name] = text;
    bytes += size;
  }
  return carried;
}
