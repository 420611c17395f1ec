import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actor, can, canRegisterAnonymously, Role, UserAction } from '../access/policy';
import { AuditService } from '../audit/audit.service';
import { violatedConstraint } from '../common/database-errors';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../common/errors';
import { PaginationQueryDto } from '../common/pagination.dto';
import { AuthContext, RequestContext } from '../common/request-context';
import { AppConfig } from '../config/app-config';
import { CreateUserDto } from './dto/create-user.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { toUserResponse, UserResponseDto } from './dto/user-response.dto';
import { PasswordHasher } from './password-hasher';
import { User } from './user.entity';

const CAPABILITY_FIELDS = {
  can_create_ca: 'canCreateCa',
  can_create_cert: 'canCreateCert',
  can_revoke_cert: 'canRevokeCert',
  can_export_private_key: 'canExportPrivateKey',
  can_delete_ca: 'canDeleteCa',
  can_request_cert: 'canRequestCert',
} as const;

type CapabilityField = keyof typeof CAPABILITY_FIELDS;

const CAPABILITY_NAMES = Object.keys(CAPABILITY_FIELDS) as CapabilityField[];

/** Serialises first-user bootstrap so two anonymous sign-ups cannot both become the first. */
const FIRST_USER_LOCK = 7_240_001;

@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly passwords: PasswordHasher,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async create(context: RequestContext, dto: CreateUserDto): Promise<UserResponseDto> {
    const hashedPassword = await this.passwords.hash(dto.password);
    return this.dataSource.transaction(async (manager) => {
      await manager.query('SELECT pg_advisory_xact_lock($1)', [FIRST_USER_LOCK]);
      const isFirstUser = !(await manager.exists(User));
      const role: Role = dto.role ?? (isFirstUser ? 'superuser' : 'user');
      const organizationId = this.organizationForNewUser(context.user, dto, role, isFirstUser);
      const user = manager.create(User, {
        username: dto.username,
        email: dto.email,
        hashedPassword,
        role,
        isActive: true,
        organizationId,
        ...capabilitiesFrom(dto),
      });
      await this.saveUnique(manager, user);
      await this.audit.record(manager, {
        action: 'user_create',
        actor: context.user ?? { id: user.id, username: user.username },
        organizationId: user.organizationId,
        resourceType: 'user',
        resourceId: user.id,
        clientAddress: context.clientAddress,
        detail: { username: user.username, role: user.role, bootstrap: isFirstUser },
      });
      return toUserResponse(user);
    });
  }

  /** For operators at the shell (npm run cli -- create-superuser): no HTTP caller, audited as such. */
  async createSuperuserFromShell(
    username: string,
    email: string,
    password: string,
  ): Promise<UserResponseDto> {
    const hashedPassword = await this.passwords.hash(password);
    return this.dataSource.transaction(async (manager) => {
      const user = manager.create(User, {
        username,
        email,
        hashedPassword,
        role: 'superuser',
        isActive: true,
      });
      await this.saveUnique(manager, user);
      await this.audit.record(manager, {
        action: 'user_create',
        actor: null,
        organizationId: null,
        resourceType: 'user',
        resourceId: user.id,
        clientAddress: null,
        detail: { username, role: 'superuser', via: 'cli' },
      });
      return toUserResponse(user);
    });
  }

  /** Applies the creation rules of the contract; returns the organisation the new user joins. */
  private organizationForNewUser(
    creator: User | null,
    dto: CreateUserDto,
    role: Role,
    isFirstUser: boolean,
  ): number | null {
    const requestedOrganization = dto.organization_id ?? null;
    if (!creator) {
      const allowed = canRegisterAnonymously({
        isFirstUser,
        openRegistrationEnabled: this.config.allowUnauthenticatedRegistration,
        requestedRole: role,
      });
      if (!allowed) throw new ForbiddenError(anonymousRefusal(this.config.allowUnauthenticatedRegistration));
      if (!isFirstUser && (requestedOrganization !== null || CAPABILITY_NAMES.some((name) => dto[name]))) {
        throw new ForbiddenError('Self-registration cannot choose an organization or capabilities');
      }
      return requestedOrganization;
    }
    const organizationId =
      creator.role === 'superuser'
        ? requestedOrganization
        : (requestedOrganization ?? creator.organizationId);
    if (!can(creator, 'create_user', { id: 0, role, organizationId })) {
      throw new ForbiddenError(
        creator.role === 'admin'
          ? 'Admins may only create users with role "user" in their own organization'
          : 'Only admins and superusers may create users',
      );
    }
    return organizationId;
  }

  async list(actor: Actor, page: PaginationQueryDto): Promise<UserResponseDto[]> {
    if (!can(actor, 'list_all_users')) throw new ForbiddenError('Only superusers may list all users');
    const users = await this.dataSource
      .getRepository(User)
      .find({ order: { id: 'ASC' }, skip: page.skip, take: page.limit });
    return users.map(toUserResponse);
  }

  async get(actor: Actor, id: number): Promise<UserResponseDto> {
    const user = await this.findOrFail(this.dataSource.manager, id);
    if (!can(actor, 'read_user', user)) throw new ForbiddenError('You may not view this user');
    return toUserResponse(user);
  }

  async update(auth: AuthContext, id: number, dto: UpdateUserDto): Promise<UserResponseDto> {
    // Permissions first, so a refused caller cannot make the server spend bcrypt time.
    await this.assertMayUpdate(
      auth.user,
      await this.findOrFail(this.dataSource.manager, id, { withPassword: true }),
      dto,
    );
    const hashedPassword = dto.password === undefined ? undefined : await this.passwords.hash(dto.password);
    return this.dataSource.transaction(async (manager) => {
      const user = await this.findOrFail(manager, id, { lock: true, withPassword: true });
      await this.assertMayUpdate(auth.user, user, dto);
      const changed = applyUpdate(user, dto, hashedPassword);
      await this.saveUnique(manager, user);
      await this.audit.record(manager, {
        action: 'user_update',
        actor: auth.user,
        organizationId: user.organizationId,
        resourceType: 'user',
        resourceId: user.id,
        clientAddress: auth.clientAddress,
        detail: { fields: changed },
      });
      return toUserResponse(user);
    });
  }

  private async assertMayUpdate(actor: User, target: User, dto: UpdateUserDto): Promise<void> {
    // Even a request that changes nothing answers with the user, so it needs read access at least.
    if (!can(actor, 'read_user', target)) throw new ForbiddenError(updateRefusal('update_user_profile'));
    const wants = (field: keyof UpdateUserDto) => dto[field] !== undefined;
    const checks: [boolean, UserAction][] = [
      [wants('email') || wants('password'), 'update_user_profile'],
      [CAPABILITY_NAMES.some(wants), 'update_user_capabilities'],
      [wants('role') || wants('is_active') || wants('organization_id'), 'update_user_account'],
    ];
    for (const [requested, action] of checks) {
      if (requested && !can(actor, action, target)) {
        throw new ForbiddenError(updateRefusal(action));
      }
    }
    if (wants('password') && actor.id === target.id) {
      const current = dto.current_password;
      if (current === undefined || !(await this.passwords.matches(current, target.hashedPassword))) {
        throw new ForbiddenError('Changing your own password needs current_password');
      }
    }
  }

  async remove(auth: AuthContext, id: number): Promise<void> {
    if (id === auth.user.id) throw new InvalidInputError('You cannot delete yourself');
    await this.dataSource.transaction(async (manager) => {
      const user = await this.findOrFail(manager, id, { lock: true });
      if (!can(auth.user, 'delete_user', user)) throw new ForbiddenError('Only superusers may delete users');
      await manager.delete(User, { id });
      await this.audit.record(manager, {
        action: 'user_delete',
        actor: auth.user,
        organizationId: user.organizationId,
        resourceType: 'user',
        resourceId: id,
        clientAddress: auth.clientAddress,
        detail: { username: user.username },
      });
    });
  }

  /** For sign-in: the user with its password hash, or null. */
  findForLogin(username: string): Promise<User | null> {
    return this.dataSource
      .getRepository(User)
      .createQueryBuilder('user')
      .addSelect('user.hashedPassword')
      .where('user.username = :username', { username })
      .getOne();
  }

  findById(manager: EntityManager, id: number): Promise<User | null> {
    return manager.findOneBy(User, { id });
  }

  async findOrFail(
    manager: EntityManager,
    id: number,
    options: { lock?: boolean; withPassword?: boolean } = {},
  ): Promise<User> {
    const query = manager.createQueryBuilder(User, 'user').where('user.id = :id', { id });
    if (options.withPassword) query.addSelect('user.hashedPassword');
    if (options.lock) query.setLock('pessimistic_write');
    const user = await query.getOne();
    if (!user) throw new NotFoundError(`User ${id} not found`);
    return user;
  }

  listByOrganization(organizationId: number): Promise<User[]> {
    return this.dataSource.getRepository(User).find({ where: { organizationId }, order: { id: 'ASC' } });
  }

  countByOrganization(manager: EntityManager, organizationId: number): Promise<number> {
    return manager.countBy(User, { organizationId });
  }

  async setOrganization(manager: EntityManager, user: User, organizationId: number | null): Promise<User> {
    user.organizationId = organizationId;
    return manager.save(user);
  }

  async setTokensValidAfter(manager: EntityManager, userId: number, instant: Date): Promise<void> {
    await manager.update(User, { id: userId }, { tokensValidAfter: instant });
  }

  private async saveUnique(manager: EntityManager, user: User): Promise<void> {
    const clash = await manager
      .createQueryBuilder(User, 'user')
      .where('(user.username = :username OR lower(user.email) = lower(:email))', user)
      .andWhere(user.id ? 'user.id <> :id' : 'TRUE', { id: user.id })
      .getOne();
    if (clash) {
      throw new InvalidInputError(
        clash.username === user.username
          ? `Username "${user.username}" already exists`
          : `Email "${user.email}" already exists`,
      );
    }
    try {
      await manager.save(user);
    } catch (error) {
      const violation = violatedConstraint(error);
      if (violation?.kind === 'foreign_key') {
        throw new InvalidInputError(`Organization ${user.organizationId} does not exist`);
      }
      if (violation?.kind === 'unique') throw new InvalidInputError('Username or email already exists');
      throw error;
    }
  }
}

function capabilitiesFrom(dto: CreateUserDto): Pick<User, (typeof CAPABILITY_FIELDS)[CapabilityField]> {
  return {
    canCreateCa: dto.can_create_ca ?? false,
    canCreateCert: dto.can_create_cert ?? false,
    canRevokeCert: dto.can_revoke_cert ?? false,
    canExportPrivateKey: dto.can_export_private_key ?? false,
    canDeleteCa: dto.can_delete_ca ?? false,
    canRequestCert: dto.can_request_cert ?? false,
  };
}

/** Applies the permitted fields; returns the names of the fields that were given (never values). */
function applyUpdate(user: User, dto: UpdateUserDto, hashedPassword: string | undefined): string[] {
  if (dto.email !== undefined) user.email = dto.email;
  if (hashedPassword !== undefined) user.hashedPassword = hashedPassword;
  if (dto.role !== undefined) user.role = dto.role;
  if (dto.is_active !== undefined) user.isActive = dto.is_active;
  if (dto.organization_id !== undefined) user.organizationId = dto.organization_id;
  for (const name of CAPABILITY_NAMES) {
    const value = dto[name];
    if (value !== undefined) user[CAPABILITY_FIELDS[name]] = value;
  }
  return Object.keys(dto).filter(
    (key) => key !== 'current_password' && dto[key as keyof UpdateUserDto] !== undefined,
  );
}

function anonymousRefusal(openRegistration: boolean): string {
  return openRegistration
    ? 'Self-registration may only create users with role "user"'
    : 'Authentication is required to create users once the first user exists';
}

function updateRefusal(action: UserAction): string {
  switch (action) {
    case 'update_user_account':
      return 'Only superusers may change role, is_active or organization_id';
    case 'update_user_capabilities':
      return 'Only admins of the same organization and superusers may change capability flags';
    default:
      return 'You may not change this user';
  }
}
