import { Injectable } from '@nestjs/common';
import { allows, authorize } from '../access/authorize';
import { CAPABILITIES, Capability, CAPABILITY_FIELDS } from '../access/credential';
import { Actor, canRegisterAnonymously, Role, UserAction } from '../access/policy';
import { refusalFor } from '../access/refusals';
import { resource } from '../access/resources';
import { AuditService } from '../audit/audit.service';
import { ForbiddenError, InvalidInputError } from '../common/errors';
import { PaginationQueryDto } from '../common/pagination.dto';
import { AuthContext, RequestContext } from '../common/request-context';
import { AppConfig } from '../config/app-config';
import { Transaction, Transactions } from '../database/transactions';
import { CreateUserDto } from './dto/create-user.dto';
import { UpdateUserDto } from './dto/update-user.dto';
import { toUserResponse, UserResponseDto } from './dto/user-response.dto';
import { PasswordHasher } from './password-hasher';
import { User } from './user.entity';
import { FindUserOptions, SqlFlag, UserRepository } from './user.repository';

export type { SqlFlag } from './user.repository';

@Injectable()
export class UsersService {
  constructor(
    private readonly transactions: Transactions,
    private readonly usersTable: UserRepository,
    private readonly passwords: PasswordHasher,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async create(context: RequestContext, dto: CreateUserDto): Promise<UserResponseDto> {
    const hashedPassword = await this.passwords.hash(dto.password);
    return this.transactions.run(async (tx) => {
      await this.usersTable.lockFirstUserBootstrap(tx);
      const isFirstUser = !(await this.usersTable.hasAny(tx));
      const role: Role = dto.role ?? (isFirstUser ? 'superuser' : 'user');
      const organizationId = this.organizationForNewUser(context.user, dto, role, isFirstUser);
      const user = await this.usersTable.create(tx, {
        kind: 'person',
        username: dto.username,
        email: dto.email,
        hashedPassword,
        role,
        isActive: true,
        organizationId,
        ...capabilitiesFrom(dto),
      });
      await this.audit.record(tx, {
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
    return this.transactions.run(async (tx) => {
      const user = await this.usersTable.create(tx, {
        kind: 'person',
        username,
        email,
        hashedPassword,
        role: 'superuser',
        isActive: true,
        organizationId: null,
        ...capabilitiesFrom({}),
      });
      await this.audit.record(tx, {
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
    creator: Actor | null,
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
      if (!isFirstUser && (requestedOrganization !== null || CAPABILITIES.some((name) => dto[name]))) {
        throw new ForbiddenError('Self-registration cannot choose an organization or capabilities');
      }
      return requestedOrganization;
    }
    const organizationId =
      creator.role === 'superuser'
        ? requestedOrganization
        : (requestedOrganization ?? creator.organizationId);
    authorize(creator, 'create_user', resource.user({ id: 0, role, organizationId }));
    return organizationId;
  }

  /** Whether any account exists yet (the service is initialised once one does). */
  anyUserExists(): Promise<boolean> {
    return this.usersTable.hasAny(this.transactions.none);
  }

  async list(actor: Actor, page: PaginationQueryDto): Promise<UserResponseDto[]> {
    authorize(actor, 'list_all_users');
    const users = await this.usersTable.list(page);
    return users.map(toUserResponse);
  }

  /** The caller itself; a service account is no user (it is described at /service-accounts). */
  me(user: User): UserResponseDto {
    authorize(user, 'read_user', resource.user(user));
    return toUserResponse(user);
  }

  async get(actor: Actor, id: number): Promise<UserResponseDto> {
    const user = await this.usersTable.findOrFail(this.transactions.none, id);
    authorize(actor, 'read_user', resource.user(user));
    return toUserResponse(user);
  }

  async update(auth: AuthContext, id: number, dto: UpdateUserDto): Promise<UserResponseDto> {
    // Permissions first, so a refused caller cannot make the server spend bcrypt time.
    await this.assertMayUpdate(
      auth.user,
      await this.usersTable.findOrFail(this.transactions.none, id, { withPassword: true }),
      dto,
    );
    const hashedPassword = dto.password === undefined ? undefined : await this.passwords.hash(dto.password);
    return this.transactions.run(async (tx) => {
      const user = await this.usersTable.findOrFail(tx, id, { lock: true, withPassword: true });
      await this.assertMayUpdate(auth.user, user, dto);
      const changed = applyUpdate(user, dto, hashedPassword);
      await this.usersTable.update(tx, user);
      await this.audit.record(tx, {
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

  private async assertMayUpdate(actor: Actor, target: User, dto: UpdateUserDto): Promise<void> {
    const user = resource.user(target);
    // Even a request that changes nothing answers with the user, so it needs read access at least;
    // refused in the words of an update, which is what was asked for.
    if (!allows(actor, 'read_user', user)) {
      throw new ForbiddenError(refusalFor(actor, 'user', 'update_user_profile'));
    }
    const wants = (field: keyof UpdateUserDto) => dto[field] !== undefined;
    const checks: [boolean, UserAction][] = [
      [wants('email') || wants('password'), 'update_user_profile'],
      [CAPABILITIES.some(wants), 'update_user_capabilities'],
      [wants('role') || wants('is_active') || wants('organization_id'), 'update_user_account'],
    ];
    for (const [requested, action] of checks) {
      if (requested) authorize(actor, action, user);
    }
    if (wants('password') && actor.id === target.id) {
      const current = dto.current_password;
      if (
        current === undefined ||
        target.hashedPassword === null ||
        !(await this.passwords.matches(current, target.hashedPassword))
      ) {
        throw new ForbiddenError('Changing your own password needs current_password');
      }
    }
  }

  async remove(auth: AuthContext, id: number): Promise<void> {
    if (id === auth.user.id) throw new InvalidInputError('You cannot delete yourself');
    await this.transactions.run(async (tx) => {
      const user = await this.usersTable.findOrFail(tx, id, { lock: true });
      authorize(auth.user, 'delete_user', resource.user(user));
      await this.usersTable.delete(tx, id);
      await this.audit.record(tx, {
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
    return this.usersTable.findByUsernameWithPassword(username);
  }

  /**
   * For the access-token strategy: the user and the auth module's revocation flag, in one
   * statement (see UserRepository.findWithFlag). Null when no user has the id.
   */
  findWithFlag(userId: number, flag: SqlFlag): Promise<{ user: User; flag: boolean } | null> {
    return this.usersTable.findWithFlag(userId, flag);
  }

  /** A person or a service account, for authentication (which then checks it is active). */
  findPrincipal(id: number): Promise<User | null> {
    return this.usersTable.findPrincipal(id);
  }

  findById(tx: Transaction, id: number): Promise<User | null> {
    return this.usersTable.findById(tx, id);
  }

  findOrFail(tx: Transaction, id: number, options: FindUserOptions = {}): Promise<User> {
    return this.usersTable.findOrFail(tx, id, options);
  }

  listByOrganization(organizationId: number): Promise<User[]> {
    return this.usersTable.listByOrganization(organizationId);
  }

  countByOrganization(tx: Transaction, organizationId: number): Promise<number> {
    return this.usersTable.countByOrganization(tx, organizationId);
  }

  setOrganization(tx: Transaction, user: User, organizationId: number | null): Promise<User> {
    return this.usersTable.setOrganization(tx, user, organizationId);
  }

  setTokensValidAfter(tx: Transaction, userId: number, instant: Date): Promise<void> {
    return this.usersTable.setTokensValidAfter(tx, userId, instant);
  }

  /**
   * The principal row of a new service account (src/service-accounts owns its other facts): no
   * email, no password, role "user" (the policy rules on its kind, not on role or flags).
   */
  createServiceAccountPrincipal(
    tx: Transaction,
    fields: { name: string; organizationId: number; isActive: boolean },
  ): Promise<User> {
    return this.usersTable.create(tx, {
      kind: 'service_account',
      username: fields.name,
      email: null,
      hashedPassword: null,
      role: 'user',
      isActive: fields.isActive,
      organizationId: fields.organizationId,
      ...capabilitiesFrom({}),
    });
  }

  findServiceAccountPrincipal(
    tx: Transaction,
    id: number,
    options: { lock?: boolean } = {},
  ): Promise<User | null> {
    return this.usersTable.findServiceAccount(tx, id, options);
  }

  listServiceAccountPrincipals(organizationId: number | null): Promise<User[]> {
    return this.usersTable.listServiceAccounts(organizationId);
  }

  /** Writes a service account's renamed or enabled/disabled principal row. */
  saveServiceAccountPrincipal(tx: Transaction, principal: User): Promise<User> {
    return this.usersTable.update(tx, principal);
  }

  deleteServiceAccountPrincipal(tx: Transaction, id: number): Promise<void> {
    return this.usersTable.delete(tx, id);
  }
}

function capabilitiesFrom(
  dto: Partial<Pick<CreateUserDto, Capability>>,
): Pick<User, (typeof CAPABILITY_FIELDS)[Capability]> {
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
  for (const name of CAPABILITIES) {
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
