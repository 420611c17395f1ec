import { Injectable } from '@nestjs/common';
import { returningRows } from '../../database/returning-rows';
import { entityManagerOf, Transaction, Transactions } from '../../database/transactions';
import { ProblemDocument } from '../acme-problem';
import { AcmeChallenge, AcmeChallengeStatus, AcmeChallengeType } from './acme-order';

interface ChallengeRow {
  id: number;
  authorization_id: number;
  type: AcmeChallengeType;
  token: string;
  status: AcmeChallengeStatus;
  validated_at: Date | null;
  error: ProblemDocument | string | null;
}

const SELECT = `SELECT id, authorization_id, type, token, status, validated_at, error FROM acme_challenges`;

function toChallenge(row: ChallengeRow): AcmeChallenge {
  return {
    id: row.id,
    authorizationId: row.authorization_id,
    type: row.type,
    token: row.token,
    status: row.status,
    validatedAt: row.validated_at === null ? null : new Date(row.validated_at),
    error: typeof row.error === 'string' ? (JSON.parse(row.error) as ProblemDocument) : row.error,
  };
}

/** The only code that creates acme_challenges and starts their validation (the validator decides them). */
@Injectable()
export class AcmeChallengeRepository {
  constructor(private readonly transactions: Transactions) {}

  async findById(id: number, tx: Transaction = this.transactions.none): Promise<AcmeChallenge | null> {
    const rows: ChallengeRow[] = await entityManagerOf(tx).query(`${SELECT} WHERE id = $1`, [id]);
    return rows[0] ? toChallenge(rows[0]) : null;
  }

  async listFor(authorizationId: number, tx: Transaction = this.transactions.none): Promise<AcmeChallenge[]> {
    const rows: ChallengeRow[] = await entityManagerOf(tx).query(
      `${SELECT} WHERE authorization_id = $1 ORDER BY id`,
      [authorizationId],
    );
    return rows.map(toChallenge);
  }

  async insert(
    tx: Transaction,
    authorizationId: number,
    challenges: readonly { type: AcmeChallengeType; token: string }[],
  ): Promise<void> {
    for (const challenge of challenges) {
      await entityManagerOf(tx).query(
        `INSERT INTO acme_challenges (authorization_id, type, token, status) VALUES ($1, $2, $3, 'pending')`,
        [authorizationId, challenge.type, challenge.token],
      );
    }
  }

  /** pending → processing (RFC 8555 7.5.1); false when the challenge was not pending. */
  async startProcessing(tx: Transaction, id: number): Promise<boolean> {
    const rows = await returningRows<unknown>(
      tx,
      // One challenge of an authorization at a time: the validator makes one set of connections.
      `UPDATE acme_challenges SET status = 'processing', updated_at = now()
        WHERE id = $1 AND status = 'pending' AND NOT EXISTS (
          SELECT 1 FROM acme_challenges other
           WHERE other.authorization_id = acme_challenges.authorization_id AND other.status = 'processing')
        RETURNING id`,
      [id],
    );
    return rows.length > 0;
  }
}
