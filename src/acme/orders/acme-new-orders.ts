import { randomBytes } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { CertificateIssuanceService, NameRefusal } from '../../cert/certificate-issuance.service';
import { AppConfig } from '../../config/app-config';
import { Transaction, Transactions } from '../../database/transactions';
import { acmePrincipal } from '../accounts/acme-account-principal';
import type { AcmeAccount } from '../accounts/acme-account';
import { AcmeIdentifier, AcmeProblem } from '../acme-problem';
import { AcmeResponse } from '../acme-response';
import { AccountRequest } from '../jws/acme-request-verifier';
import { AcmeRenewalInfoService } from '../renewal-info/acme-renewal-info.service';
import { AcmeAuthorizationRepository } from './acme-authorization.repository';
import { AcmeChallengeRepository } from './acme-challenge.repository';
import { authorizationIdentifier, namesOf, orderIdentifiers } from './acme-identifiers';
import { orderObject } from './acme-objects';
import { AcmeAuthorization, AcmeChallengeType } from './acme-order';
import { AcmeOrderRepository } from './acme-order.repository';
import { objectPayload } from '../acme-payloads';

const HOUR_MS = 3_600_000;

/** The CA an ACME server issues from: the profile's acme_ca_id, else its only CA (ProfilesService.checkAcmeCa). */
export function acmeCaIdOf(profile: {
  name: string;
  acmeCaId: number | null;
  caIds: readonly number[];
}): number {
  const caId = profile.acmeCaId ?? profile.caIds[0];
  if (caId === undefined) {
    throw new AcmeProblem(
      'serverInternal',
      `Profile "${profile.name}" names no CA for its ACME server to issue from`,
    );
  }
  return caId;
}

/**
 * RFC 8555 7.1.3 and 8.4: a wildcard is proven with dns-01 only; RFC 8738 7: an IP address has no
 * DNS name to prove it with.
 */
function challengeTypesFor(identifier: AcmeIdentifier, wildcard: boolean): AcmeChallengeType[] {
  if (wildcard) return ['dns-01'];
  return identifier.type === 'ip' ? ['http-01', 'tls-alpn-01'] : ['http-01', 'dns-01', 'tls-alpn-01'];
}

/** RFC 8555 8.1: at least 128 bits of entropy, base64url without padding. */
function challengeToken(): string {
  return randomBytes(32).toString('base64url');
}

/** newOrder (RFC 8555 7.4, RFC 8738): the identifiers checked against the profile before anything is stored. */
@Injectable()
export class AcmeNewOrders {
  constructor(
    private readonly transactions: Transactions,
    private readonly orders: AcmeOrderRepository,
    private readonly authorizations: AcmeAuthorizationRepository,
    private readonly challenges: AcmeChallengeRepository,
    private readonly issuance: CertificateIssuanceService,
    private readonly renewalInfos: AcmeRenewalInfoService,
    private readonly config: AppConfig,
  ) {}

  async newOrder(request: AccountRequest): Promise<AcmeResponse> {
    const payload = objectPayload(request.payload, 'newOrder');
    for (const field of ['notBefore', 'notAfter'] as const) {
      if (payload[field] !== undefined) {
        throw new AcmeProblem(
          'malformed',
          `"${field}" is not accepted: the validity of the certificate is decided by profile "${request.profile.name}"`,
        );
      }
    }
    const identifiers = orderIdentifiers(payload.identifiers, this.config.maxSansPerCertificate);
    const replaces = await this.renewalInfos.checkReplaces(request.account, payload.replaces, identifiers);
    const refusals = await this.issuance.checkAcmeIdentifiers(acmePrincipal(request.account), {
      caId: acmeCaIdOf(request.profile),
      profileId: request.profile.id,
      san: namesOf(identifiers),
    });
    if (refusals.length > 0) throw rejected(request.profile.name, refusals);
    const now = new Date();
    const id = await this.transactions.run(async (tx) => {
      const linked: AcmeAuthorization[] = [];
      for (const identifier of identifiers) {
        linked.push(await this.authorizationFor(tx, request.account, identifier, now));
      }
      return this.orders.insert(tx, {
        accountId: request.account.id,
        status: linked.every((authorization) => authorization.status === 'valid') ? 'ready' : 'pending',
        identifiers,
        expiresAt: new Date(now.getTime() + this.config.acme.orderLifetimeHours * HOUR_MS),
        replaces: replaces === null ? null : String(replaces),
        authorizationIds: linked.map((authorization) => authorization.id),
      });
    });
    const order = await this.orders.findById(id);
    if (!order) throw new AcmeProblem('serverInternal', `Order ${id} vanished after it was created`);
    return { status: 201, location: request.urls.order(id), body: orderObject(request.urls, order) };
  }

  /** The account's recent valid authorization of the identifier (ACME_AUTHZ_REUSE_HOURS), else a new pending one. */
  private async authorizationFor(
    tx: Transaction,
    account: AcmeAccount,
    ordered: AcmeIdentifier,
    now: Date,
  ): Promise<AcmeAuthorization> {
    const { identifier, wildcard } = authorizationIdentifier(ordered);
    const reuseHours = this.config.acme.authorizationReuseHours;
    if (reuseHours > 0) {
      const createdAfter = new Date(now.getTime() - reuseHours * HOUR_MS);
      const reusable = await this.authorizations.findReusable(
        tx,
        account.id,
        identifier,
        wildcard,
        createdAfter,
        now,
      );
      if (reusable) return reusable;
    }
    const created = await this.authorizations.insert(tx, {
      accountId: account.id,
      identifier,
      wildcard,
      expiresAt: new Date(now.getTime() + this.config.acme.authorizationLifetimeHours * HOUR_MS),
    });
    await this.challenges.insert(
      tx,
      created.id,
      challengeTypesFor(identifier, wildcard).map((type) => ({ type, token: challengeToken() })),
    );
    return created;
  }
}

/** RFC 8555 6.7.1: one subproblem per identifier the profile or the CA chain refuses. */
function rejected(profileName: string, refusals: readonly NameRefusal[]): AcmeProblem {
  return new AcmeProblem(
    'rejectedIdentifier',
    `Profile "${profileName}" does not issue for ${refusals.map(({ value }) => value).join(', ')}`,
    {
      subproblems: refusals.map(({ type, value, reason }) => ({
        type: 'rejectedIdentifier',
        detail: reason,
        identifier: { type, value },
      })),
    },
  );
}
