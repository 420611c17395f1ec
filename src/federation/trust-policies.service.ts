import { Injectable } from '@nestjs/common';
import { AuditAction } from '../audit/audit-action';
import { AuditService } from '../audit/audit.service';
import { InvalidInputError, NotFoundError } from '../common/errors';
import { JsonObject } from '../common/json';
import { AuthContext } from '../common/request-context';
import { AppConfig } from '../config/app-config';
import { Transaction, Transactions } from '../database/transactions';
import { ServiceAccount, ServiceAccountsService } from '../service-accounts/service-accounts.service';
import type { Actor } from '../access/policy';
import { checkedBoundClaims } from './bound-claims';
import {
  CreateTrustPolicyDto,
  toTrustPolicyResponse,
  TrustPolicyResponseDto,
  UpdateTrustPolicyDto,
} from './dto/trust-policy.dto';
import { TrustPolicy } from './trust-policy.entity';
import { TrustPolicyRepository } from './trust-policy.repository';

type TrustPolicyFields = Pick<
  TrustPolicy,
  'description' | 'issuer' | 'audience' | 'boundClaims' | 'maxTokenMinutes'
>;

const API_NAME: Record<keyof TrustPolicyFields, string> = {
  description: 'description',
  issuer: 'issuer',
  audience: 'audience',
  boundClaims: 'bound_claims',
  maxTokenMinutes: 'max_token_minutes',
};

/**
 * Trust policies (/api/v1/service-accounts/{id}/trust-policies): managed by whoever manages the
 * service account (its organisation's admins, superusers), each change audited with it.
 */
@Injectable()
export class TrustPoliciesService {
  constructor(
    private readonly transactions: Transactions,
    private readonly repository: TrustPolicyRepository,
    private readonly serviceAccounts: ServiceAccountsService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async create(
    auth: AuthContext,
    accountId: number,
    dto: CreateTrustPolicyDto,
  ): Promise<TrustPolicyResponseDto> {
    await this.serviceAccounts.findManaged(auth.user, accountId, this.transactions.none);
    const fields = this.checked(
      {
        description: null,
        issuer: dto.issuer,
        audience: dto.audience,
        boundClaims: {},
        maxTokenMinutes: null,
      },
      dto,
    );
    return this.transactions.run(async (tx) => {
      const account = await this.serviceAccounts.findManaged(auth.user, accountId, tx, { lock: true });
      const created = await this.repository.insert(tx, {
        ...fields,
        serviceAccountUserId: accountId,
        createdByUserId: auth.user.id,
      });
      await this.record(tx, auth, 'trust_policy_create', account, created, {
        bound_claims: Object.keys(created.boundClaims),
      });
      return toTrustPolicyResponse(created);
    });
  }

  async list(actor: Actor, accountId: number): Promise<TrustPolicyResponseDto[]> {
    await this.serviceAccounts.findManaged(actor, accountId, this.transactions.none);
    return (await this.repository.listForAccount(accountId)).map(toTrustPolicyResponse);
  }

  async get(actor: Actor, accountId: number, policyId: number): Promise<TrustPolicyResponseDto> {
    await this.serviceAccounts.findManaged(actor, accountId, this.transactions.none);
    return toTrustPolicyResponse(
      this.ofAccount(await this.repository.findById(policyId), accountId, policyId),
    );
  }

  async update(
    auth: AuthContext,
    accountId: number,
    policyId: number,
    dto: UpdateTrustPolicyDto,
  ): Promise<TrustPolicyResponseDto> {
    await this.serviceAccounts.findManaged(auth.user, accountId, this.transactions.none);
    return this.transactions.run(async (tx) => {
      const account = await this.serviceAccounts.findManaged(auth.user, accountId, tx, { lock: true });
      const policy = this.ofAccount(await this.repository.lockForUpdate(tx, policyId), accountId, policyId);
      const fields = this.checked(policy, dto);
      const changed = (Object.keys(API_NAME) as (keyof TrustPolicyFields)[]).filter(
        (field) => JSON.stringify(fields[field]) !== JSON.stringify(policy[field]),
      );
      Object.assign(policy, fields);
      if (changed.length > 0) {
        await this.repository.save(tx, policy);
        await this.record(tx, auth, 'trust_policy_update', account, policy, {
          fields: changed.map((field) => API_NAME[field]),
        });
      }
      return toTrustPolicyResponse(policy);
    });
  }

  async remove(auth: AuthContext, accountId: number, policyId: number): Promise<void> {
    await this.transactions.run(async (tx) => {
      const account = await this.serviceAccounts.findManaged(auth.user, accountId, tx, { lock: true });
      const policy = this.ofAccount(await this.repository.lockForUpdate(tx, policyId), accountId, policyId);
      await this.repository.delete(tx, policy.id);
      await this.record(tx, auth, 'trust_policy_delete', account, policy, {});
    });
  }

  /** The policy when it is one of the account's; a 404 otherwise (ids of other accounts are not revealed). */
  private ofAccount(policy: TrustPolicy | null, accountId: number, policyId: number): TrustPolicy {
    if (!policy || policy.serviceAccountUserId !== accountId) {
      throw new NotFoundError(`Trust policy ${policyId} of service account ${accountId} not found`);
    }
    return policy;
  }

  private checked(base: TrustPolicyFields, dto: Partial<CreateTrustPolicyDto>): TrustPolicyFields {
    return {
      description: dto.description === undefined ? base.description : dto.description,
      issuer: dto.issuer === undefined ? base.issuer : this.checkedIssuer(dto.issuer),
      audience: dto.audience === undefined ? base.audience : dto.audience,
      boundClaims: dto.bound_claims === undefined ? base.boundClaims : checkedBoundClaims(dto.bound_claims),
      maxTokenMinutes: dto.max_token_minutes === undefined ? base.maxTokenMinutes : dto.max_token_minutes,
    };
  }

  /**
   * An issuer URL exactly as its tokens' `iss` spells it (OpenID Connect Discovery §2: https, no
   * query or fragment); http only with FEDERATION_ALLOW_HTTP_ISSUERS.
   */
  private checkedIssuer(issuer: string): string {
    let url: URL;
    try {
      url = new URL(issuer);
    } catch {
      throw new InvalidInputError(
        `issuer "${issuer}" is not an absolute URL (https://token.actions.githubusercontent.com)`,
      );
    }
    const http = url.protocol === 'http:' && this.config.federation.allowHttpIssuers;
    if (url.protocol !== 'https:' && !http) {
      throw new InvalidInputError(`issuer "${issuer}" must be an https URL`);
    }
    if (
      url.search !== '' ||
      url.hash !== '' ||
      url.username !== '' ||
      url.password !== '' ||
      /[?#]/.test(issuer)
    ) {
      throw new InvalidInputError(`issuer "${issuer}" may not have a query, a fragment or credentials`);
    }
    return issuer;
  }

  private record(
    tx: Transaction,
    auth: AuthContext,
    action: AuditAction,
    account: ServiceAccount,
    policy: TrustPolicy,
    detail: JsonObject,
  ): Promise<void> {
    return this.audit.record(tx, {
      action,
      actor: auth.user,
      organizationId: account.principal.organizationId,
      resourceType: 'trust_policy',
      resourceId: policy.id,
      clientAddress: auth.clientAddress,
      detail: {
        service_account_id: account.principal.id,
        issuer: policy.issuer,
        audience: policy.audience,
        ...detail,
      },
    });
  }
}
