import { Injectable } from '@nestjs/common';
import { Credential } from '../access/credential';
import { AuditService } from '../audit/audit.service';
import { InvalidTokenRequestError } from '../common/errors';
import { Transactions } from '../database/transactions';
import { WorkloadIdentityService } from '../federation/workload-identity.service';
import { AccessTokenService } from './access-token.service';
import {
  ACCESS_TOKEN_TYPE,
  JWT_TOKEN_TYPE,
  TokenExchangeResponseDto,
  TokenRequestDto,
} from './dto/token.dto';

/**
 * POST /auth/token with grant_type urn:ietf:params:oauth:grant-type:token-exchange (RFC 8693): a CI
 * job's OIDC ID token, accepted through a trust policy (src/federation), for a short-lived access
 * token of the service account, carrying the workload credential (the policy and the token's claims,
 * which SAN templates render from). The ID token itself is neither stored nor logged.
 */
@Injectable()
export class TokenExchangeService {
  constructor(
    private readonly transactions: Transactions,
    private readonly workloads: WorkloadIdentityService,
    private readonly accessTokens: AccessTokenService,
    private readonly audit: AuditService,
  ) {}

  async exchange(form: TokenRequestDto, clientAddress: string | null): Promise<TokenExchangeResponseDto> {
    const subjectToken = checkedRequest(form);
    const identity = await this.workloads.identify(subjectToken, form.service_account_id);
    const { principal, trustPolicy } = identity;
    const credential: Credential = {
      kind: 'workload',
      trustPolicyId: trustPolicy.id,
      claims: identity.claims,
    };
    // Never before the account's last "invalidate": a token minted in that same millisecond must survive.
    const now = new Date(Math.max(Date.now(), (principal.tokensValidAfter?.getTime() ?? 0) + 1));
    const accessToken = await this.accessTokens.signWorkload(
      principal.id,
      credential,
      now,
      identity.expiresInSeconds,
    );
    await this.transactions.run((tx) =>
      this.audit.record(tx, {
        action: 'token_exchange',
        actor: { id: principal.id, username: principal.username, credential },
        organizationId: principal.organizationId,
        resourceType: 'service_account',
        resourceId: principal.id,
        clientAddress,
        detail: {
          trust_policy_id: trustPolicy.id,
          issuer: trustPolicy.issuer,
          subject: identity.subject,
          expires_in: identity.expiresInSeconds,
        },
      }),
    );
    return {
      access_token: accessToken,
      issued_token_type: ACCESS_TOKEN_TYPE,
      token_type: 'bearer',
      expires_in: identity.expiresInSeconds,
    };
  }
}

/** The subject token of a well-formed exchange request (RFC 8693 §2.1), or a 400 invalid_request. */
function checkedRequest(form: TokenRequestDto): string {
  if (!form.subject_token)
    throw new InvalidTokenRequestError('A token exchange needs subject_token (the ID token)');
  if (form.subject_token_type !== JWT_TOKEN_TYPE) {
    throw new InvalidTokenRequestError(
      `subject_token_type must be ${JWT_TOKEN_TYPE} (an OIDC ID token), not ${JSON.stringify(form.subject_token_type ?? null)}`,
    );
  }
  if (form.requested_token_type !== undefined && form.requested_token_type !== ACCESS_TOKEN_TYPE) {
    throw new InvalidTokenRequestError(`requested_token_type: only ${ACCESS_TOKEN_TYPE} is issued`);
  }
  return form.subject_token;
}
