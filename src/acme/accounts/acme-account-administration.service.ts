import { Injectable } from '@nestjs/common';
import { authorize } from '../../access/authorize';
import { Actor, listScope } from '../../access/policy';
import { resource } from '../../access/resources';
import { AuditService } from '../../audit/audit.service';
import { NotFoundError } from '../../common/errors';
import { AuthContext } from '../../common/request-context';
import { Transactions } from '../../database/transactions';
import { ManagedAcmeProfiles } from '../managed-acme-profiles';
import { AcmeAccount } from './acme-account';
import { AcmeAccountDeactivation } from './acme-account-deactivation';
import { AcmeAccountFilter, AcmeAccountRepository } from './acme-account.repository';
import { AcmeAccountQueryDto, AcmeAccountResponseDto, toAcmeAccountResponse } from './dto/acme-account.dto';

/**
 * ACME accounts as their profiles' administrators see them (organisation admins, superusers):
 * listed, read, and deactivated (final: RFC 8555 7.3.6), the administrator the audit row's actor.
 */
@Injectable()
export class AcmeAccountAdministrationService {
  constructor(
    private readonly transactions: Transactions,
    private readonly accounts: AcmeAccountRepository,
    private readonly profiles: ManagedAcmeProfiles,
    private readonly audit: AuditService,
    private readonly deactivation: AcmeAccountDeactivation,
  ) {}

  async list(actor: Actor, query: AcmeAccountQueryDto): Promise<AcmeAccountResponseDto[]> {
    const filter = await this.filterFor(actor, query.profile_id);
    return (await this.accounts.list(filter, query.limit, query.skip)).map(toAcmeAccountResponse);
  }

  async get(actor: Actor, id: number): Promise<AcmeAccountResponseDto> {
    return toAcmeAccountResponse(await this.findManaged(actor, id));
  }

  /** A deactivated (or revoked) account stays as it is: deactivation is final and done once. */
  async deactivate(auth: AuthContext, id: number): Promise<AcmeAccountResponseDto> {
    await this.findManaged(auth.user, id);
    const account = await this.transactions.run(async (tx) => {
      const locked = await this.accounts.lock(tx, id);
      if (!locked) throw new NotFoundError(`ACME account ${id} not found`);
      if (locked.status !== 'valid') return locked;
      await this.deactivation.deactivate(tx, id);
      await this.audit.record(tx, {
        action: 'acme_account_deactivate',
        actor: auth.user,
        organizationId: locked.organizationId,
        resourceType: 'acme_account',
        resourceId: id,
        clientAddress: auth.clientAddress,
        detail: { by: 'administrator', profile_id: locked.profileId },
      });
      return (await this.accounts.findById(id, tx)) ?? locked;
    });
    return toAcmeAccountResponse(account);
  }

  /** Without a profile: every account for superusers, the caller's organisation's for its admins. */
  private async filterFor(actor: Actor, profileId: number | undefined): Promise<AcmeAccountFilter> {
    if (profileId !== undefined) return { profileId: (await this.profiles.find(actor, profileId)).id };
    const scope = listScope(actor);
    if (scope.everything) return {};
    authorize(actor, 'manage_acme', resource.newProfile(scope.organizationId));
    return { organizationId: scope.organizationId ?? -1 };
  }

  private async findManaged(actor: Actor, id: number): Promise<AcmeAccount> {
    const account = await this.accounts.findById(id);
    if (!account) throw new NotFoundError(`ACME account ${id} not found`);
    await this.profiles.find(actor, account.profileId);
    return account;
  }
}
