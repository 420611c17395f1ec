import { Injectable } from '@nestjs/common';
import type { ProblemDocument } from '../acme-problem';
import { AcmeOrderRepository } from '../orders/acme-order.repository';
import { returningRows } from '../../database/returning-rows';
import { entityManagerOf, Transaction } from '../../database/transactions';
import type { ChallengeType } from './challenge-validator';
import type { ValidationIdentifier } from './validation-result';

export interface ChallengeUnderValidation {
  challengeId: number;
  type: ChallengeType;
  token: string;
  /** Still pending or processing: a challenge already valid or invalid is not validated again. */
  isOpen: boolean;
  authorizationId: number;
  accountId: number;
  identifier: ValidationIdentifier;
  authorizationExpiresAt: Date;
}

interface ChallengeRow {
  id: number;
  type: ChallengeType;
  token: string;
  status: string;
  authorization_id: number;
  account_id: number;
  authorization_status: string;
  identifier_type: 'dns' | 'ip';
  identifier_value: string;
  expires_at: Date;
}

/**
 * What the validation job runner reads of a challenge and writes when it is decided: the
 * challenge and its authorization; the orders waiting on it change through the orders repository
 * (RFC 8555 §7.1.6 status changes).
 */
@Injectable()
export class AcmeChallengeValidationRepository {
  constructor(private readonly orders: AcmeOrderRepository) {}

  async findForValidation(tx: Transaction, challengeId: number): Promise<ChallengeUnderValidation | null> {
    const rows: ChallengeRow[] = await entityManagerOf(tx).query(
      `SELECT c.id, c.type, c.token, c.status, c.authorization_id, a.account_id, a.status AS authorization_status,
              a.identifier_type, a.identifier_value, a.expires_at
       FROM acme_challenges c JOIN acme_authorizations a ON a.id = c.authorization_id
       WHERE c.id = $1`,
      [challengeId],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      challengeId: row.id,
      type: row.type,
      token: row.token,
      isOpen: ['pending', 'processing'].includes(row.status) && row.authorization_status === 'pending',
      authorizationId: row.authorization_id,
      accountId: row.account_id,
      identifier: { type: row.identifier_type, value: row.identifier_value },
      authorizationExpiresAt: new Date(row.expires_at),
    };
  }

  /** The challenge and its authorization are valid; its orders whose authorizations all are become ready. */
  async recordValid(tx: Transaction, challenge: ChallengeUnderValidation, now: Date): Promise<void> {
    const manager = entityManagerOf(tx);
    const updated = await returningRows<unknown>(
      tx,
      `UPDATE acme_challenges SET status = 'valid', validated_at = $2, error = NULL, updated_at = $2
       WHERE id = $1 AND status IN ('pending', 'processing') RETURNING 1`,
      [challenge.challengeId, now],
    );
    if (updated.length === 0) return;
    await manager.query(
      `UPDATE acme_authorizations SET status = 'valid', updated_at = $2 WHERE id = $1 AND status = 'pending'`,
      [challenge.authorizationId, now],
    );
    await this.orders.markReadyWhereAuthorized(tx, challenge.authorizationId, now);
  }

  /** The challenge fails with its problem; its authorization is invalid and so are the pending orders needing it. */
  async recordInvalid(
    tx: Transaction,
    challenge: ChallengeUnderValidation,
    problem: ProblemDocument,
    now: Date,
  ): Promise<void> {
    const manager = entityManagerOf(tx);
    const error = JSON.stringify(problem);
    const updated = await returningRows<unknown>(
      tx,
      `UPDATE acme_challenges SET status = 'invalid', error = $3, updated_at = $2
       WHERE id = $1 AND status IN ('pending', 'processing') RETURNING 1`,
      [challenge.challengeId, now, error],
    );
    if (updated.length === 0) return;
    await manager.query(
      `UPDATE acme_authorizations SET status = 'invalid', updated_at = $2 WHERE id = $1 AND status = 'pending'`,
      [challenge.authorizationId, now],
    );
    await this.orders.invalidateForAuthorization(tx, challenge.authorizationId, now, problem);
  }

  /** A challenge whose authorization was decided otherwise (expired, deactivated…): closed unvalidated. */
  async closeUnvalidated(
    tx: Transaction,
    challenge: ChallengeUnderValidation,
    problem: ProblemDocument,
    now: Date,
  ): Promise<void> {
    await entityManagerOf(tx).query(
      `UPDATE acme_challenges SET status = 'invalid', error = $3, updated_at = $2
        WHERE id = $1 AND status IN ('pending', 'processing')`,
      [challenge.challengeId, now, JSON.stringify(problem)],
    );
  }
}
