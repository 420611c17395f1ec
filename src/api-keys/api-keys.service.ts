import { Injectable } from '@nestjs/common';
import { Capability, heldCapability } from '../access/credential';
import { AuditAction } from '../audit/audit-action';
import { AuditService } from '../audit/audit.service';
import { ForbiddenError, InvalidAccessTokenError, InvalidInputError, NotFoundError } from '../common/errors';
import { AuthContext } from '../common/request-context';
import { AppConfig } from '../config/app-config';
import { Transaction, Transactions } from '../database/transactions';
import { ServiceAccountsService } from '../service-accounts/service-accounts.service';
import type { User } from '../users/user.entity';
import { UsersService } from '../users/users.service';
import { ApiKey } from './api-key.entity';
import { mintApiKey, parseApiKey, secretMatches } from './api-key-format';
import { ApiKeyRepository } from './api-key.repository';
import {
  ApiKeyResponseDto,
  CreateApiKeyDto,
  CreatedApiKeyResponseDto,
  CreatePersonalApiKeyDto,
  toApiKeyResponse,
} from './dto/api-key.dto';

const DEFAULT_LIFETIME_DAYS = 90;
const DAY_MS = 86_400_000;
const REFUSED_KEY = 'Invalid, expired or revoked API key';

/**
 * API keys: a service account's (its own rights) and a person's personal keys (narrowed to some of
 * the person's capabilities). Shown once, stored as hashes, refused once revoked or expired.
 */
@Injectable()
export class ApiKeysService {
  constructor(
    private readonly transactions: Transactions,
    private readonly repository: ApiKeyRepository,
    private readonly accounts: ServiceAccountsService,
    private readonly users: UsersService,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async createForServiceAccount(
    auth: AuthContext,
    accountId: number,
    dto: CreateApiKeyDto,
  ): Promise<CreatedApiKeyResponseDto> {
    const expiresAt = this.expiryOf(dto);
    return this.transactions.run(async (tx) => {
      const { principal } = await this.accounts.findManaged(auth.user, accountId, tx, { lock: true });
      return this.mint(tx, auth, principal, 'service_account', {
        name: dto.name,
        expiresAt,
        capabilities: null,
      });
    });
  }

  async listForServiceAccount(auth: AuthContext, accountId: number): Promise<ApiKeyResponseDto[]> {
    await this.accounts.findManaged(auth.user, accountId, this.transactions.none);
    return (await this.repository.listOf(accountId)).map(toApiKeyResponse);
  }

  async revokeForServiceAccount(auth: AuthContext, accountId: number, keyId: string): Promise<void> {
    await this.transactions.run(async (tx) => {
      const { principal } = await this.accounts.findManaged(auth.user, accountId, tx, { lock: true });
      await this.revoke(tx, auth, principal, 'service_account', keyId);
    });
  }

  async createPersonal(auth: AuthContext, dto: CreatePersonalApiKeyDto): Promise<CreatedApiKeyResponseDto> {
    assertPerson(auth);
    assertSignedIn(auth);
    const missing = dto.capabilities.filter((capability) => !heldCapability(auth.user, capability));
    if (missing.length > 0) {
      throw new ForbiddenError(
        `A personal key carries only capabilities you hold; you lack ${missing.join(', ')}`,
      );
    }
    const expiresAt = this.expiryOf(dto);
    return this.transactions.run((tx) =>
      this.mint(tx, auth, auth.user, 'user', { name: dto.name, expiresAt, capabilities: dto.capabilities }),
    );
  }

  async listPersonal(auth: AuthContext): Promise<ApiKeyResponseDto[]> {
    assertPerson(auth);
    return (await this.repository.listOf(auth.user.id)).map(toApiKeyResponse);
  }

  async revokePersonal(auth: AuthContext, keyId: string): Promise<void> {
    assertPerson(auth);
    await this.transactions.run((tx) => this.revoke(tx, auth, auth.user, 'user', keyId));
  }

  /**
   * The principal an `Authorization: Bearer pkca_…` value authenticates, with its credential set.
   * Unknown, wrong, revoked and expired keys, and keys of a disabled principal, are one 401.
   */
  async authenticate(value: string): Promise<User> {
    const parsed = parseApiKey(value);
    const key = parsed ? await this.repository.findWithSecret(parsed.id) : null;
    const now = new Date();
    if (!parsed || !key || !secretMatches(parsed.secret, key.secretHash))
      throw new InvalidAccessTokenError(REFUSED_KEY);
    if (key.revokedAt !== null || key.expiresAt.getTime() <= now.getTime())
      throw new InvalidAccessTokenError(REFUSED_KEY);
    const principal = await this.users.findPrincipal(key.userId);
    if (!principal || !principal.isActive) throw new InvalidAccessTokenError(REFUSED_KEY);
    principal.credential = {
      kind: 'api_key',
      keyId: key.id,
      capabilities: principal.kind === 'person' ? (key.capabilities ?? []) : null,
    };
    if (principal.kind === 'service_account')
      principal.profileIds = await this.accounts.profileIdsOf(principal.id);
    await this.repository.touch(key, now);
    return principal;
  }

  private async mint(
    tx: Transaction,
    auth: AuthContext,
    principal: User,
    resourceType: 'service_account' | 'user',
    fields: { name: string; expiresAt: Date; capabilities: Capability[] | null },
  ): Promise<CreatedApiKeyResponseDto> {
    const minted = mintApiKey();
    const key = await this.repository.insert(tx, {
      id: minted.id,
      userId: principal.id,
      name: fields.name,
      secretHash: minted.secretHash,
      capabilities: fields.capabilities,
      expiresAt: fields.expiresAt,
      createdByUserId: auth.user.id,
    });
    await this.record(tx, auth, 'api_key_create', principal, resourceType, key);
    return { ...toApiKeyResponse(key), key: minted.value };
  }

  private async revoke(
    tx: Transaction,
    auth: AuthContext,
    principal: User,
    resourceType: 'service_account' | 'user',
    keyId: string,
  ): Promise<void> {
    const key = await this.repository.findOf(tx, principal.id, keyId);
    if (!key) throw new NotFoundError(`API key ${keyId} not found`);
    if (key.revokedAt !== null) return;
    await this.repository.revoke(tx, key.id, new Date());
    await this.record(tx, auth, 'api_key_revoke', principal, resourceType, key);
  }

  private record(
    tx: Transaction,
    auth: AuthContext,
    action: AuditAction,
    principal: User,
    resourceType: 'service_account' | 'user',
    key: ApiKey,
  ): Promise<void> {
    return this.audit.record(tx, {
      action,
      actor: auth.user,
      organizationId: principal.organizationId,
      resourceType,
      resourceId: principal.id,
      clientAddress: auth.clientAddress,
      detail: { key_id: key.id, name: key.name, expires_at: key.expiresAt.toISOString() },
    });
  }

  private expiryOf(dto: CreateApiKeyDto): Date {
    if (dto.expires_at !== undefined && dto.expires_in_days !== undefined) {
      throw new InvalidInputError('Give expires_at or expires_in_days, not both');
    }
    const now = Date.now();
    const maxDays = this.config.apiKeyMaxDays;
    const expiresAt =
      dto.expires_at !== undefined
        ? new Date(dto.expires_at)
        : new Date(now + (dto.expires_in_days ?? Math.min(DEFAULT_LIFETIME_DAYS, maxDays)) * DAY_MS);
    if (expiresAt.getTime() <= now) throw new InvalidInputError('expires_at must be in the future');
    if (expiresAt.getTime() > now + maxDays * DAY_MS) {
      throw new InvalidInputError(`An API key lives at most ${maxDays} days (API_KEY_MAX_DAYS)`);
    }
    return expiresAt;
  }
}

/** Keys are made by a person who signed in, not with another key: a leaked key cannot mint more. */
function assertSignedIn(auth: AuthContext): void {
  if (auth.user.credential?.kind !== 'session') {
    throw new ForbiddenError(
      'API keys are created after signing in with a password, not with a key or token',
    );
  }
}

/** Personal keys are a person's: a service account's keys are its admins' to manage, on its own route. */
function assertPerson(auth: AuthContext): void {
  if (auth.user.kind !== 'person') {
    throw new ForbiddenError(
      "A service account has no personal keys; its organization's admins manage its keys",
    );
  }
}
