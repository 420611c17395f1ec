import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AuditAction } from '../../audit/audit-action';
import { AuditService } from '../../audit/audit.service';
import { NotFoundError } from '../../common/errors';
import { JsonObject } from '../../common/json';
import { AuthContext } from '../../common/request-context';
import { AppConfig } from '../../config/app-config';
import { Transaction, Transactions } from '../../database/transactions';
import { PrivateKeyVault } from '../../keys/private-key-vault';
import type { CertificateProfileEntity } from '../../profiles/certificate-profile.entity';
import { acmeDirectoryUrl } from '../acme-urls';
import { ManagedAcmeProfiles } from '../managed-acme-profiles';
import { AcmeEabKey, AcmeEabKeyRepository } from './acme-eab-key.repository';
import {
  AcmeEabKeyResponseDto,
  CreateAcmeEabKeyDto,
  CreatedAcmeEabKeyResponseDto,
  toAcmeEabKeyResponse,
} from './dto/acme-eab-key.dto';
import { EAB_KID_PREFIX } from './eab-kid.pipe';

const HMAC_KEY_BYTES = 32;

/**
 * External account binding keys (RFC 8555 7.3.4) of a profile's ACME server, made by its
 * administrators: the HMAC key is shown once and kept sealed by the KEK (verifying a MAC needs it).
 * A profile without acme_enabled gets keys too, so that they can be handed out before it is enabled.
 */
@Injectable()
export class AcmeEabKeysService {
  constructor(
    private readonly transactions: Transactions,
    private readonly profiles: ManagedAcmeProfiles,
    private readonly repository: AcmeEabKeyRepository,
    private readonly vault: PrivateKeyVault,
    private readonly audit: AuditService,
    private readonly config: AppConfig,
  ) {}

  async create(
    auth: AuthContext,
    profileId: number,
    dto: CreateAcmeEabKeyDto,
  ): Promise<CreatedAcmeEabKeyResponseDto> {
    const profile = await this.profiles.find(auth.user, profileId);
    const hmacKey = randomBytes(HMAC_KEY_BYTES);
    const sealedHmacKey = await this.vault.sealSecret(hmacKey);
    const key = await this.transactions.run(async (tx) => {
      const created = await this.repository.insert(tx, {
        kid: EAB_KID_PREFIX + randomBytes(12).toString('hex'),
        profileId: profile.id,
        sealedHmacKey,
        description: dto.description ?? null,
        createdByUserId: auth.user.id,
      });
      await this.record(tx, auth, 'acme_eab_key_create', profile, created, {
        kid: created.kid,
        profile_id: profile.id,
      });
      return created;
    });
    return {
      ...toAcmeEabKeyResponse(key),
      hmac_key: hmacKey.toString('base64url'),
      algorithm: 'HS256',
      directory_url: acmeDirectoryUrl(this.config.publicBaseUrl, profile),
    };
  }

  async list(auth: AuthContext, profileId: number): Promise<AcmeEabKeyResponseDto[]> {
    const profile = await this.profiles.find(auth.user, profileId);
    return (await this.repository.listByProfile(profile.id)).map(toAcmeEabKeyResponse);
  }

  /** Revoking a revoked key changes nothing (and records nothing); an unknown one is a 404. */
  async revoke(auth: AuthContext, profileId: number, kid: string): Promise<void> {
    const profile = await this.profiles.find(auth.user, profileId);
    await this.transactions.run(async (tx) => {
      const revoked = await this.repository.revoke(tx, profile.id, kid);
      if (revoked) {
        await this.record(tx, auth, 'acme_eab_key_revoke', profile, revoked, { kid, profile_id: profile.id });
        return;
      }
      const existing = await this.repository.findByKid(kid, tx);
      if (!existing || existing.profileId !== profile.id) {
        throw new NotFoundError(`Profile ${profile.id} has no EAB key ${kid}`);
      }
    });
  }

  private record(
    tx: Transaction,
    auth: AuthContext,
    action: AuditAction,
    profile: CertificateProfileEntity,
    key: AcmeEabKey,
    detail: JsonObject,
  ): Promise<void> {
    return this.audit.record(tx, {
      action,
      actor: auth.user,
      organizationId: profile.organizationId,
      resourceType: 'acme_eab_key',
      resourceId: key.id,
      clientAddress: auth.clientAddress,
      detail,
    });
  }
}
