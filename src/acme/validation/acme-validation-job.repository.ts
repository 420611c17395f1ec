import { Injectable } from '@nestjs/common';
import { entityManagerOf, Transaction } from '../../database/transactions';

/** The only code that reads and writes acme_validation_jobs (challenges waiting for validation). */
@Injectable()
export class AcmeValidationJobRepository {
  /** A job for the challenge, due now; a challenge already waiting keeps its job. */
  async enqueue(tx: Transaction, challengeId: number, now: Date): Promise<void> {
    await entityManagerOf(tx).query(
      `INSERT INTO acme_validation_jobs (challenge_id, attempts, run_after) VALUES ($1, 0, $2)
       ON CONFLICT (challenge_id) DO NOTHING`,
      [challengeId, now],
    );
  }
}
