import { Injectable } from '@nestjs/common';
import { AuditAction } from '../../audit/audit-action';
import { AuditService } from '../../audit/audit.service';
import { JsonObject } from '../../common/json';
import { AppConfig } from '../../config/app-config';
import { Transaction, Transactions } from '../../database/transactions';
import { PrivateKeyVault } from '../../keys/private-key-vault';
import { objectPayload } from '../acme-payloads';
import { AcmeProblem } from '../acme-problem';
import { AcmeResponse } from '../acme-response';
import { AcmeEabKeyRepository } from '../eab/acme-eab-key.repository';
import { parseExternalAccountBinding, verifyExternalAccountBinding } from '../eab/external-account-binding';
import {
  jwkThumbprint,
  parseFlattenedJws,
  parseProtectedHeader,
  publicKeyOf,
  publicMembers,
  thumbprintOf,
  verifiedPayload,
} from '../jws/acme-jws';
import { AccountRequest, VerifiedAcmeRequest } from '../jws/acme-request-verifier';
import { AcmeAccount, accountNotValid } from './acme-account';
import { acmePrincipal } from './acme-account-principal';
import { AcmeAccountDeactivation } from './acme-account-deactivation';
import { AcmeAccountRepository } from './acme-account.repository';
import { checkedContacts } from './contacts';

/** RFC 8555 7.3: newAccount, account update and deactivation, key rollover. */
@Injectable()
export class AcmeAccountsService {
  constructor(
    private readonly transactions: Transactions,
    private readonly accounts: AcmeAccountRepository,
    private readonly eabKeys: AcmeEabKeyRepository,
    private readonly audit: AuditService,
    private readonly vault: PrivateKeyVault,
    private readonly config: AppConfig,
    private readonly deactivation: AcmeAccountDeactivation,
  ) {}

  async newAccount(request: VerifiedAcmeRequest, clientAddress: string | null): Promise<AcmeResponse> {
    const payload = objectPayload(request.payload, 'newAccount');
    const existing = await this.accounts.findByKey(request.profile.id, request.jwkThumbprint);
    if (existing) return this.existingAccount(request, existing);
    if (payload.onlyReturnExisting === true) {
      throw new AcmeProblem('accountDoesNotExist', 'No account has this key (onlyReturnExisting)');
    }
    if (payload.onlyReturnExisting !== undefined && typeof payload.onlyReturnExisting !== 'boolean') {
      throw new AcmeProblem('malformed', 'onlyReturnExisting must be a boolean');
    }
    const contact = checkedContacts(payload.contact);
    const agreed = payload.termsOfServiceAgreed;
    if (agreed !== undefined && typeof agreed !== 'boolean') {
      throw new AcmeProblem('malformed', 'termsOfServiceAgreed must be a boolean');
    }
    const terms = this.config.acme.termsOfServiceUrl;
    if (terms !== null && agreed !== true) {
      throw new AcmeProblem(
        'userActionRequired',
        `Agree to the terms of service (${terms}) with "termsOfServiceAgreed": true`,
        { links: [{ url: terms, rel: 'terms-of-service' }] },
      );
    }
    const binding = await this.checkedBinding(request, payload.externalAccountBinding);
    const account = await this.transactions.run(async (tx) => {
      const created = await this.accounts.insert(tx, {
        profileId: request.profile.id,
        organizationId: request.profile.organizationId,
        jwk: request.jwk,
        jwkThumbprint: request.jwkThumbprint,
        contact,
        termsOfServiceAgreed: agreed === true,
      });
      if (!created) return null;
      if (binding && !(await this.eabKeys.bind(tx, binding, created.id))) {
        throw new AcmeProblem(
          'unauthorized',
          `EAB key "${binding}" is already bound to an account or was revoked`,
        );
      }
      await this.record(tx, 'acme_account_create', created, clientAddress, {
        profile_id: request.profile.id,
        ...(binding && { eab_kid: binding }),
      });
      return this.accounts.findById(created.id, tx);
    });
    if (!account) {
      const raced = await this.accounts.findByKey(request.profile.id, request.jwkThumbprint);
      if (raced) return this.existingAccount(request, raced);
      throw new AcmeProblem('serverInternal', 'The account could not be created; retry');
    }
    return this.accountResponse(request, account, 201);
  }

  /** POST to the account URL: POST-as-GET, a contact update, or deactivation (RFC 8555 7.3.2, 7.3.6). */
  async update(
    request: AccountRequest,
    accountId: number,
    clientAddress: string | null,
  ): Promise<AcmeResponse> {
    if (request.account.id !== accountId) {
      throw new AcmeProblem('unauthorized', 'The JWS "kid" is not the account this URL names');
    }
    if (request.payload === null) return this.accountResponse(request, request.account, 200);
    const payload = objectPayload(request.payload, 'the account update');
    if (payload.status !== undefined && payload.status !== 'deactivated') {
      throw new AcmeProblem('malformed', 'An account\'s "status" may only be set to "deactivated"');
    }
    const contact = payload.contact === undefined ? null : checkedContacts(payload.contact);
    const account = await this.transactions.run(async (tx) => {
      const locked = await this.accounts.lock(tx, accountId);
      if (!locked) throw new AcmeProblem('accountDoesNotExist', `No account ${accountId}`);
      if (locked.status !== 'valid') throw accountNotValid(locked);
      if (contact !== null) {
        await this.accounts.updateContact(tx, accountId, contact);
        await this.record(tx, 'acme_account_update', locked, clientAddress, { contact });
      }
      if (payload.status === 'deactivated') {
        await this.deactivation.deactivate(tx, accountId);
        await this.record(tx, 'acme_account_deactivate', locked, clientAddress, { by: 'account' });
      }
      return this.accounts.findById(accountId, tx);
    });
    return this.accountResponse(request, account ?? request.account, 200);
  }

  /** RFC 8555 7.3.5: the payload is a JWS by the new key over the account URL and the old key. */
  async keyChange(request: AccountRequest, clientAddress: string | null): Promise<AcmeResponse> {
    const inner = parseFlattenedJws(request.payload);
    const header = parseProtectedHeader(inner);
    if (!header.jwk)
      throw new AcmeProblem('malformed', 'keyChange: the inner JWS must carry the new key as "jwk"');
    if (header.url !== request.header.url) {
      throw new AcmeProblem('malformed', 'keyChange: the inner JWS "url" must equal the outer one');
    }
    if (header.nonce !== undefined) {
      throw new AcmeProblem('malformed', 'keyChange: the inner JWS must not have a nonce (RFC 8555 7.3.5)');
    }
    const payload = objectPayload(
      await verifiedPayload(inner, publicKeyOf(header.jwk, header.alg), header.alg),
      'keyChange',
    );
    if (payload.account !== request.urls.account(request.account.id)) {
      throw new AcmeProblem(
        'malformed',
        'keyChange: "account" must be the URL of the account signing the request',
      );
    }
    if ((await thumbprintOf(payload.oldKey)) !== request.account.jwkThumbprint) {
      throw new AcmeProblem('malformed', 'keyChange: "oldKey" is not the account\'s current key');
    }
    const newKey = publicMembers(header.jwk);
    const thumbprint = await jwkThumbprint(newKey);
    const taken = await this.accounts.findByKey(request.profile.id, thumbprint);
    if (taken) throw keyTaken(request, taken);
    const changed = await this.transactions.run(async (tx) => {
      const change = { oldThumbprint: request.account.jwkThumbprint, jwk: newKey, jwkThumbprint: thumbprint };
      if (!(await this.accounts.changeKey(tx, request.account.id, change))) return false;
      await this.record(tx, 'acme_account_key_change', request.account, clientAddress, {
        old_key_thumbprint: request.account.jwkThumbprint,
        new_key_thumbprint: thumbprint,
      });
      return true;
    });
    if (!changed) {
      const winner = await this.accounts.findByKey(request.profile.id, thumbprint);
      if (winner) throw keyTaken(request, winner);
      throw new AcmeProblem(
        'unauthorized',
        `keyChange: account ${request.account.id} changed meanwhile (its key was rolled over or it was deactivated)`,
      );
    }
    const account = (await this.accounts.findById(request.account.id)) ?? request.account;
    return this.accountResponse(request, account, 200);
  }

  /** The EAB key id the request binds, checked; null when none is given and none is required. */
  private async checkedBinding(request: VerifiedAcmeRequest, value: unknown): Promise<string | null> {
    if (value === undefined || value === null) {
      if (request.profile.acmeEabRequired) {
        throw new AcmeProblem(
          'externalAccountRequired',
          `Profile "${request.profile.name}" requires an external account binding: ask its administrators for an EAB key id and HMAC key`,
        );
      }
      return null;
    }
    const binding = parseExternalAccountBinding(value, request.urls.newAccount, request.jwk);
    const key = await this.eabKeys.findByKid(binding.kid);
    if (!key || key.profileId !== request.profile.id) {
      throw new AcmeProblem('unauthorized', `EAB key "${binding.kid}" is not a key of this ACME server`);
    }
    if (key.revokedAt !== null) throw new AcmeProblem('unauthorized', `EAB key "${binding.kid}" was revoked`);
    if (key.accountId !== null || key.boundAt !== null) {
      throw new AcmeProblem('unauthorized', `EAB key "${binding.kid}" is already bound to an account`);
    }
    if (!(await verifyExternalAccountBinding(binding, await this.vault.unsealSecret(key.sealedHmacKey)))) {
      throw new AcmeProblem(
        'unauthorized',
        `The external account binding's MAC does not verify with EAB key "${binding.kid}"`,
      );
    }
    return binding.kid;
  }

  /** newAccount with the key of an account that exists: 200 and its URL, unless it is deactivated (7.3.6). */
  private existingAccount(request: VerifiedAcmeRequest, account: AcmeAccount): AcmeResponse {
    if (account.status !== 'valid') throw accountNotValid(account);
    return this.accountResponse(request, account, 200);
  }

  private accountResponse(request: VerifiedAcmeRequest, account: AcmeAccount, status: number): AcmeResponse {
    return {
      status,
      location: request.urls.account(account.id),
      body: accountObject(request, account),
    };
  }

  private record(
    tx: Transaction,
    action: AuditAction,
    account: AcmeAccount,
    clientAddress: string | null,
    detail: JsonObject,
  ): Promise<void> {
    return this.audit.record(tx, {
      action,
      actor: acmePrincipal(account),
      organizationId: account.organizationId,
      resourceType: 'acme_account',
      resourceId: account.id,
      clientAddress,
      detail,
    });
  }
}

/** The account object (RFC 8555 7.1.2). */
export function accountObject(request: Pick<VerifiedAcmeRequest, 'urls'>, account: AcmeAccount): JsonObject {
  return {
    status: account.status,
    contact: account.contact,
    termsOfServiceAgreed: account.termsOfServiceAgreed,
    orders: `${request.urls.account(account.id)}/orders`,
    createdAt: account.createdAt.toISOString(),
  };
}

/** RFC 8555 7.3.5: 409 with the Location of the account that has the key. */
function keyTaken(request: AccountRequest, holder: AcmeAccount | null): AcmeProblem {
  return new AcmeProblem('malformed', 'keyChange: another account already has the new key', {
    status: 409,
    location: holder ? request.urls.account(holder.id) : undefined,
  });
}
