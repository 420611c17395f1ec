import { Injectable } from '@nestjs/common';
import { authorize } from '../access/authorize';
import { Actor, listScope } from '../access/policy';
import { resource } from '../access/resources';
import { AuditAction } from '../audit/audit-action';
import { AuditService } from '../audit/audit.service';
import { InvalidInputError, NotFoundError } from '../common/errors';
import { JsonObject } from '../common/json';
import { AuthContext } from '../common/request-context';
import { Transaction, Transactions } from '../database/transactions';
import { ProfilesService } from '../profiles/profiles.service';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import {
  CreateServiceAccountDto,
  ServiceAccountResponseDto,
  toServiceAccountResponse,
  UpdateServiceAccountDto,
} from './dto/service-account.dto';
import { ServiceAccountFacts } from './service-account.entity';
import { ServiceAccountRepository } from './service-account.repository';

/** A service account as the modules that act for it see it: its principal row and its facts. */
export interface ServiceAccount {
  principal: User;
  facts: ServiceAccountFacts;
}

/**
 * Service accounts: principals without a password that CI pipelines and workloads authenticate as
 * (API keys, OIDC federation), bound to the profiles they may issue through. Managed by the
 * organisation's admins and superusers.
 */
@Injectable()
export class ServiceAccountsService {
  constructor(
    private readonly transactions: Transactions,
    private readonly users: UsersService,
    private readonly profiles: ProfilesService,
    private readonly repository: ServiceAccountRepository,
    private readonly audit: AuditService,
  ) {}

  async create(auth: AuthContext, dto: CreateServiceAccountDto): Promise<ServiceAccountResponseDto> {
    const organizationId = dto.organization_id ?? auth.user.organizationId;
    if (organizationId === null) {
      throw new InvalidInputError('organization_id: a service account belongs to an organization; name one');
    }
    authorize(auth.user, 'manage_service_accounts', resource.organization(organizationId));
    await this.profiles.checkBindable(organizationId, dto.profile_ids);
    return this.transactions.run(async (tx) => {
      const principal = await this.users.createServiceAccountPrincipal(tx, {
        name: dto.name,
        organizationId,
        isActive: dto.enabled ?? true,
      });
      const facts: ServiceAccountFacts = {
        userId: principal.id,
        description: dto.description ?? null,
        profileIds: dto.profile_ids,
        createdByUserId: auth.user.id,
      };
      await this.repository.insert(tx, facts);
      await this.record(tx, auth, 'service_account_create', principal, {
        name: principal.username,
        profile_ids: facts.profileIds,
      });
      return toServiceAccountResponse(principal, facts);
    });
  }

  async list(actor: Actor, organizationId: number | undefined): Promise<ServiceAccountResponseDto[]> {
    // Without a filter: every organisation's for superusers, the caller's own for the others.
    const own = listScope(actor);
    const scope = organizationId ?? (own.everything ? null : (own.organizationId ?? -1));
    if (scope !== null) authorize(actor, 'manage_service_accounts', resource.organization(scope));
    const principals = await this.users.listServiceAccountPrincipals(scope);
    const facts = new Map(
      (await this.repository.findMany(principals.map(({ id }) => id))).map((row) => [row.userId, row]),
    );
    return principals.flatMap((principal) => {
      const row = facts.get(principal.id);
      return row ? [toServiceAccountResponse(principal, row)] : [];
    });
  }

  async get(actor: Actor, id: number): Promise<ServiceAccountResponseDto> {
    const account = await this.findManaged(actor, id, this.transactions.none);
    return toServiceAccountResponse(account.principal, account.facts);
  }

  async update(
    auth: AuthContext,
    id: number,
    dto: UpdateServiceAccountDto,
  ): Promise<ServiceAccountResponseDto> {
    const current = await this.findManaged(auth.user, id, this.transactions.none);
    if (dto.profile_ids)
      await this.profiles.checkBindable(current.principal.organizationId ?? 0, dto.profile_ids);
    return this.transactions.run(async (tx) => {
      const { principal, facts } = await this.findManaged(auth.user, id, tx, { lock: true });
      const changed: string[] = [];
      if (dto.name !== undefined && dto.name !== principal.username) {
        principal.username = dto.name;
        changed.push('name');
      }
      if (dto.enabled !== undefined && dto.enabled !== principal.isActive) {
        principal.isActive = dto.enabled;
        changed.push('enabled');
      }
      if (dto.description !== undefined && dto.description !== facts.description) {
        facts.description = dto.description;
        changed.push('description');
      }
      if (dto.profile_ids && JSON.stringify(dto.profile_ids) !== JSON.stringify(facts.profileIds)) {
        facts.profileIds = dto.profile_ids;
        changed.push('profile_ids');
      }
      if (changed.includes('description') || changed.includes('profile_ids'))
        await this.repository.save(tx, facts);
      if (changed.length > 0) {
        // The account's updated_at is its principal's: it moves for a change of its facts too.
        principal.updatedAt = new Date();
        await this.users.saveServiceAccountPrincipal(tx, principal);
        await this.record(tx, auth, 'service_account_update', principal, {
          fields: changed,
          ...(changed.includes('profile_ids') && { profile_ids: facts.profileIds }),
        });
      }
      return toServiceAccountResponse(principal, facts);
    });
  }

  /** Deletes the account and, with it (ON DELETE CASCADE), its keys and trust policies. */
  async remove(auth: AuthContext, id: number): Promise<void> {
    await this.transactions.run(async (tx) => {
      const { principal } = await this.findManaged(auth.user, id, tx, { lock: true });
      await this.users.deleteServiceAccountPrincipal(tx, id);
      await this.record(tx, auth, 'service_account_delete', principal, { name: principal.username });
    });
  }

  /**
   * The account, for a caller that manages its organisation (its keys, its trust policies); a 404 for
   * an unknown id, a 403 for an account of an organisation the caller does not manage.
   */
  async findManaged(
    actor: Actor,
    id: number,
    tx: Transaction,
    options: { lock?: boolean } = {},
  ): Promise<ServiceAccount> {
    const principal = await this.users.findServiceAccountPrincipal(tx, id, options);
    const facts = principal ? await this.repository.find(id, tx) : null;
    if (!principal || !facts) throw new NotFoundError(`Service account ${id} not found`);
    authorize(actor, 'manage_service_accounts', resource.organization(principal.organizationId ?? -1));
    return { principal, facts };
  }

  /** The profiles a service account may issue through, for its authentication (empty if it is none). */
  async profileIdsOf(userId: number): Promise<number[]> {
    return (await this.repository.find(userId))?.profileIds ?? [];
  }

  private record(
    tx: Transaction,
    auth: AuthContext,
    action: AuditAction,
    principal: User,
    detail: JsonObject,
  ): Promise<void> {
    return this.audit.record(tx, {
      action,
      actor: auth.user,
      organizationId: principal.organizationId,
      resourceType: 'service_account',
      resourceId: principal.id,
      clientAddress: auth.clientAddress,
      detail,
    });
  }
}
