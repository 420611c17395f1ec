import { JsonObject } from '../common/json';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, can, listScope, OrganizationAction } from '../access/policy';
import { AuditAction } from '../audit/audit-action';
import { AuditService } from '../audit/audit.service';
import { violatedConstraint } from '../common/database-errors';
import { ConflictError, ForbiddenError, InvalidInputError, NotFoundError } from '../common/errors';
import { AuthContext } from '../common/request-context';
import { toUserResponse, UserResponseDto } from '../users/dto/user-response.dto';
import { UsersService } from '../users/users.service';
import {
  CreateOrganizationDto,
  OrganizationResponseDto,
  toOrganizationResponse,
  UpdateOrganizationDto,
} from './dto/organization.dto';
import { Organization } from './organization.entity';

@Injectable()
export class OrgsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly users: UsersService,
    private readonly audit: AuditService,
  ) {}

  async create(auth: AuthContext, dto: CreateOrganizationDto): Promise<OrganizationResponseDto> {
    if (!can(auth.user, 'create_organization')) {
      throw new ForbiddenError('Only admins and superusers may create organizations');
    }
    return this.dataSource.transaction(async (manager) => {
      const organization = manager.create(Organization, {
        name: dto.name.trim(),
        description: dto.description ?? null,
      });
      await this.saveUniqueName(manager, organization);
      await this.record(manager, auth, 'org_create', organization.id, { name: organization.name });
      return toOrganizationResponse(organization);
    });
  }

  async list(actor: Actor): Promise<OrganizationResponseDto[]> {
    const scope = listScope(actor);
    if (!scope.everything && scope.organizationId === null) return [];
    const where = scope.everything ? {} : { id: scope.organizationId ?? -1 };
    const organizations = await this.dataSource
      .getRepository(Organization)
      .find({ where, order: { id: 'ASC' } });
    return organizations.map(toOrganizationResponse);
  }

  async get(actor: Actor, id: number): Promise<OrganizationResponseDto> {
    const organization = await this.findAllowed(this.dataSource.manager, actor, id, 'read_organization');
    return toOrganizationResponse(organization);
  }

  async update(auth: AuthContext, id: number, dto: UpdateOrganizationDto): Promise<OrganizationResponseDto> {
    return this.dataSource.transaction(async (manager) => {
      const organization = await this.findAllowed(manager, auth.user, id, 'update_organization', true);
      if (dto.name !== undefined) organization.name = dto.name.trim();
      if (dto.description !== undefined) organization.description = dto.description;
      await this.saveUniqueName(manager, organization);
      await this.record(manager, auth, 'org_update', id, { fields: Object.keys(dto) });
      return toOrganizationResponse(organization);
    });
  }

  async remove(auth: AuthContext, id: number): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const organization = await this.findAllowed(manager, auth.user, id, 'delete_organization', true);
      if ((await this.users.countByOrganization(manager, id)) > 0) {
        throw new InvalidInputError('Organization has users; remove them first');
      }
      try {
        await manager.delete(Organization, { id });
      } catch (error) {
        if (violatedConstraint(error)?.kind === 'foreign_key') {
          throw new ConflictError(
            'Organization still owns resources (CAs, certificates or certificate requests); delete them first',
          );
        }
        throw error;
      }
      await this.record(manager, auth, 'org_delete', id, { name: organization.name });
    });
  }

  async addUser(auth: AuthContext, id: number, userId: number): Promise<UserResponseDto> {
    return this.dataSource.transaction(async (manager) => {
      await this.findAllowed(manager, auth.user, id, 'manage_organization_members', true);
      const user = await this.users.findOrFail(manager, userId, { lock: true });
      const movesFromElsewhere = user.organizationId !== null && user.organizationId !== id;
      if (movesFromElsewhere && auth.user.role !== 'superuser') {
        throw new ForbiddenError('The user belongs to another organization; only a superuser may move them');
      }
      if (user.role === 'superuser' && auth.user.role !== 'superuser') {
        throw new ForbiddenError('Only superusers may change the organization of a superuser');
      }
      await this.users.setOrganization(manager, user, id);
      await this.record(manager, auth, 'org_add_user', id, { user_id: userId });
      return toUserResponse(user);
    });
  }

  async removeUser(auth: AuthContext, id: number, userId: number): Promise<UserResponseDto> {
    return this.dataSource.transaction(async (manager) => {
      await this.findAllowed(manager, auth.user, id, 'manage_organization_members', true);
      const user = await this.users.findOrFail(manager, userId, { lock: true });
      if (user.organizationId !== id)
        throw new NotFoundError(`User ${userId} is not a member of organization ${id}`);
      if (user.role === 'superuser' && auth.user.role !== 'superuser') {
        throw new ForbiddenError('Only superusers may change the organization of a superuser');
      }
      await this.users.setOrganization(manager, user, null);
      await this.record(manager, auth, 'org_remove_user', id, { user_id: userId });
      return toUserResponse(user);
    });
  }

  async listUsers(actor: Actor, id: number): Promise<UserResponseDto[]> {
    await this.findAllowed(this.dataSource.manager, actor, id, 'read_organization');
    const users = await this.users.listByOrganization(id);
    return users.map(toUserResponse);
  }

  private async findAllowed(
    manager: EntityManager,
    actor: Actor,
    id: number,
    action: OrganizationAction,
    lock = false,
  ): Promise<Organization> {
    const query = manager.createQueryBuilder(Organization, 'org').where('org.id = :id', { id });
    if (lock) query.setLock('pessimistic_write');
    const organization = await query.getOne();
    if (!organization) throw new NotFoundError(`Organization ${id} not found`);
    if (!can(actor, action, organization)) throw new ForbiddenError(refusal(action));
    return organization;
  }

  private async saveUniqueName(manager: EntityManager, organization: Organization): Promise<void> {
    const clash = await manager
      .createQueryBuilder(Organization, 'org')
      .where('org.name = :name', { name: organization.name })
      .andWhere(organization.id ? 'org.id <> :id' : 'TRUE', { id: organization.id })
      .getExists();
    if (clash) throw new InvalidInputError(`Organization name "${organization.name}" already exists`);
    try {
      await manager.save(organization);
    } catch (error) {
      if (violatedConstraint(error)?.kind === 'unique') {
        throw new InvalidInputError(`Organization name "${organization.name}" already exists`);
      }
      throw error;
    }
  }

  private record(
    manager: EntityManager,
    auth: AuthContext,
    action: AuditAction,
    organizationId: number,
    detail: JsonObject,
  ): Promise<void> {
    return this.audit.record(manager, {
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

function refusal(action: OrganizationAction): string {
  switch (action) {
    case 'read_organization':
      return 'Only members of the organization and superusers may view it';
    case 'delete_organization':
      return 'Only superusers may delete organizations';
    default:
      return 'Only admins of the organization and superusers may change it';
  }
}
