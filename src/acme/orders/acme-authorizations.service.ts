import { Injectable } from '@nestjs/common';
import { Transactions } from '../../database/transactions';
import { acmeNotFound, AcmeProblem } from '../acme-problem';
import { AcmeResponse } from '../acme-response';
import { AccountRequest } from '../jws/acme-request-verifier';
import { AcmeValidationJobRepository } from '../validation/acme-validation-job.repository';
import { AcmeAuthorizationRepository } from './acme-authorization.repository';
import { AcmeChallengeRepository } from './acme-challenge.repository';
import { authorizationObject, challengeObject } from './acme-objects';
import { AcmeAuthorization } from './acme-order';
import { AcmeOrderRepository } from './acme-order.repository';
import { AcmeOrderStates } from './acme-order-states';
import { objectPayload } from '../acme-payloads';

/** Authorizations and challenges (RFC 8555 7.5): reading them, deactivation, starting a validation. */
@Injectable()
export class AcmeAuthorizationsService {
  constructor(
    private readonly transactions: Transactions,
    private readonly states: AcmeOrderStates,
    private readonly authorizations: AcmeAuthorizationRepository,
    private readonly challenges: AcmeChallengeRepository,
    private readonly orders: AcmeOrderRepository,
    private readonly jobs: AcmeValidationJobRepository,
  ) {}

  /** POST-as-GET, or `{"status": "deactivated"}` (RFC 8555 7.5.2). */
  async authorization(request: AccountRequest, id: number): Promise<AcmeResponse> {
    let authorization = await this.owned(request, id);
    if (request.payload !== null) {
      const payload = objectPayload(request.payload, 'an authorization update');
      if (payload.status !== 'deactivated') {
        throw new AcmeProblem('malformed', 'An authorization\'s "status" may only be set to "deactivated"');
      }
      authorization = await this.transactions.run(async (tx) => {
        if (!(await this.authorizations.deactivate(tx, id))) {
          throw new AcmeProblem(
            'malformed',
            `Authorization ${id} is ${authorization.status}: only a pending or valid one can be deactivated`,
            { status: 403 },
          );
        }
        await this.orders.invalidateForAuthorization(tx, id);
        return (await this.authorizations.findById(id, tx)) ?? authorization;
      });
    }
    return {
      status: 200,
      location: request.urls.authorization(id),
      body: authorizationObject(request.urls, authorization, await this.challenges.listFor(id)),
    };
  }

  /**
   * POST `{}` asks for validation (RFC 8555 7.5.1): the challenge becomes processing and a validation
   * job is queued in the same transaction. A challenge of an authorization that is no longer pending,
   * or one already started, is answered as it is.
   */
  async challenge(request: AccountRequest, id: number): Promise<AcmeResponse> {
    const found = await this.challenges.findById(id);
    const authorization = found ? await this.states.authorization(found.authorizationId) : null;
    if (!found || !authorization || authorization.accountId !== request.account.id) {
      throw acmeNotFound(`Challenge ${id}`);
    }
    if (request.payload !== null) {
      objectPayload(request.payload, 'a challenge response');
      if (authorization.status === 'pending' && found.status === 'pending') {
        await this.transactions.run(async (tx) => {
          if (await this.challenges.startProcessing(tx, id)) await this.jobs.enqueue(tx, id, new Date());
        });
      }
    }
    const challenge = (await this.challenges.findById(id)) ?? found;
    return {
      status: 200,
      links: [{ url: request.urls.authorization(authorization.id), rel: 'up' }],
      body: challengeObject(request.urls, challenge),
    };
  }

  /** The authorization as of now, when the request's account owns it. */
  private async owned(request: AccountRequest, id: number): Promise<AcmeAuthorization> {
    const authorization = await this.states.authorization(id);
    if (!authorization || authorization.accountId !== request.account.id) {
      throw acmeNotFound(`Authorization ${id}`);
    }
    return authorization;
  }
}
