import { JsonObject } from '../common/json';
import { Injectable } from '@nestjs/common';
import { allows, authorize } from '../access/authorize';
import { Actor, OrganizationAction } from '../access/policy';
import { MEMBERSHIP_REFUSALS } from '../access/refusals';
import { resource } from '../access/resources';
import { AuditAction } from '../audit/audit-action';
import { AuditService } from '../audit/audit.service';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../common/errors';
import { AuthContext } from '../common/request-context';
import { Transaction, Transactions } from '../database/transactions';
import { toUserResponse, UserResponseDto } from '../users/dto/user-response.dto';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import {
  CreateOrganizationDto,
  OrganizationResponseDto,
  toOrganizationResponse,
  UpdateOrganizationDto,
} from './dto/organization.dto';
import { Organization } from './organization.entity';
import { OrganizationRepository } from './organization.repository';

@Injectable()
export class OrgsService {
  constructor(
    private readonly transactions: Transactions,
    private readonly organizations: OrganizationRepository,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  async create(auth: AuthContext, dto: CreateOrganizationDto): Promise<OrganizationResponseDto> {
    authorize(auth.user, 'create_organization');
    return this.transactions.run(async (tx) => {
      const organization = await this.organizations.create(tx, {
        name: dto.name.trim(),
        description: dto.description ?? null,
      });
      await this.record(tx, auth, 'org_create', organization.id, { name: organization.name });
      return toOrganizationResponse(organization);
    });
  }

  async list(actor: Actor): Promise<OrganizationResponseDto[]> {
    const organizations = await this.organizations.list(actor);
    return organizations.map(toOrganizationResponse);
  }

  async get(actor: Actor, id: number): Promise<OrganizationResponseDto> {
    const organization = await this.findAllowed(this.transactions.none, actor, id, 'read_organization');
    return toOrganizationResponse(organization);
  }

  async update(auth: AuthContext, id: number, dto: UpdateOrganizationDto): Promise<OrganizationResponseDto> {
    return this.transactions.run(async (tx) => {
      const organization = await this.findAllowed(tx, auth.user, id, 'update_organization', true);
      if (dto.name !== undefined) organization.name = dto.name.trim();
      if (dto.description !== undefined) organization.description = dto.description;
      await this.organizations.update(tx, organization);
      await this.record(tx, auth, 'org_update', id, { fields: Object.keys(dto) });
      return toOrganizationResponse(organization);
    });
  }

  async remove(auth: AuthContext, id: number): Promise<void> {
    await this.transactions.run(async (tx) => {
      const organization = await this.findAllowed(tx, auth.user, id, 'delete_organization', true);
      if ((await this.users.countByOrganization(tx, id)) > 0) {
        throw new InvalidInputError('Organization has users or service accounts; remove them first');
      }
      await this.organizations.delete(tx, id);
      await this.record(tx, auth, 'org_delete', id, { name: organization.name });
    });
  }

  async addUser(auth: AuthContext, id: number, userId: number): Promise<UserResponseDto> {
    return this.transactions.run(async (tx) => {
      await this.findAllowed(tx, auth.user, id, 'manage_organization_members', true);
      const user = await this.users.findOrFail(tx, userId, { lock: true });
      const movesFromElsewhere = user.organizationId !== null && user.organizationId !== id;
      if (movesFromElsewhere && !mayChangeOrganizationOf(auth.user, user)) {
        throw new ForbiddenError(MEMBERSHIP_REFUSALS.moveFromAnotherOrganization);
      }
      assertMayMoveSuperuser(auth.user, user);
      await this.users.setOrganization(tx, user, id);
      await this.record(tx, auth, 'org_add_user', id, { user_id: userId });
      return toUserResponse(user);
    });
  }

  async removeUser(auth: AuthContext, id: number, userId: number): Promise<UserResponseDto> {
    return this.transactions.run(async (tx) => {
      await this.findAllowed(tx, auth.user, id, 'manage_organization_members', true);
      const user = await this.users.findOrFail(tx, userId, { lock: true });
      if (user.organizationId !== id)
        throw new NotFoundError(`User ${userId} is not a member of organization ${id}`);
      assertMayMoveSuperuser(auth.user, user);
      await this.users.setOrganization(tx, user, null);
      await this.record(tx, auth, 'org_remove_user', id, { user_id: userId });
      return toUserResponse(user);
    });
  }

  async listUsers(actor: Actor, id: number): Promise<UserResponseDto[]> {
    await this.findAllowed(this.transactions.none, actor, id, 'read_organization');
    const users = await this.users.listByOrganization(id);
    return users.map(toUserResponse);
  }

  private async findAllowed(
    tx: Transaction,
    actor: Actor,
    id: number,
    action: OrganizationAction,
    lock = false,
  ): Promise<Organization> {
    const organization = await this.organizations.findOrFail(tx, id, { lock });
    authorize(actor, action, resource.organization(organization.id));
    return organization;
  }

  private record(
    tx: Transaction,
    auth: AuthContext,
    action: AuditAction,
    organizationId: number,
    detail: JsonObject,
  ): Promise<void> {
    return this.audit.record(tx, {
      action,
      actor: auth.user,
      organizationId,
      resourceType: 'organization',
      resourceId: organizationId,
      clientAddress: auth.clientAddress,
      detail,
    });
  }
}

/** Moving a member between organisations changes their account's organization_id: superusers only. */
function mayChangeOrganizationOf(actor: Actor, user: User): boolean {
  return allows(actor, 'update_user_account', resource.user(user));
}

function assertMayMoveSuperuser(actor: Actor, user: User): void {
  if (user.role === 'superuser' && !mayChangeOrganizationOf(actor, user)) {
    throw new ForbiddenError(MEMBERSHIP_REFUSALS.superuserMembership);
  }
}
