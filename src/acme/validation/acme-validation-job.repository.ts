import { Injectable } from '@nestjs/common';
import { returningRows } from '../../database/returning-rows';
import { entityManagerOf, Transaction } from '../../database/transactions';

export interface ClaimedValidationJob {
  challengeId: number;
  /** Attempts made before this one. */
  attempts: number;
  /** The claim's end; the claim is this instance's while the row still carries it. */
  claimedUntil: Date;
}

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

  /**
   * Claims up to `limit` due jobs that no instance holds (or whose claim ran out: that instance
   * died). SKIP LOCKED lets every instance claim at once without two claiming one job.
   */
  async claimDue(
    tx: Transaction,
    now: Date,
    claimedUntil: Date,
    limit: number,
  ): Promise<ClaimedValidationJob[]> {
    const rows = await returningRows<{ challenge_id: number; attempts: number }>(
      tx,
      `UPDATE acme_validation_jobs SET claimed_until = $2
       WHERE challenge_id IN (
         SELECT challenge_id FROM acme_validation_jobs
         WHERE run_after <= $1 AND (claimed_until IS NULL OR claimed_until <= $1)
         ORDER BY run_after LIMIT $3
         FOR UPDATE SKIP LOCKED)
       RETURNING challenge_id, attempts`,
      [now, claimedUntil, limit],
    );
    return rows.map((row) => ({ challengeId: row.challenge_id, attempts: row.attempts, claimedUntil }));
  }

  /** Locks the job for recording its outcome; false when the claim ran out and another instance took it. */
  async lockClaimed(tx: Transaction, job: ClaimedValidationJob): Promise<boolean> {
    const rows: unknown[] = await entityManagerOf(tx).query(
      `SELECT 1 FROM acme_validation_jobs WHERE challenge_id = $1 AND claimed_until = $2 FOR UPDATE`,
      [job.challengeId, job.claimedUntil],
    );
    return rows.length > 0;
  }

  async retryLater(
    tx: Transaction,
    challengeId: number,
    attempts: number,
    runAfter: Date,
    lastError: string,
  ): Promise<void> {
    await entityManagerOf(tx).query(
      `UPDATE acme_validation_jobs SET attempts = $2, run_after = $3, claimed_until = NULL, last_error = $4
       WHERE challenge_id = $1`,
      [challengeId, attempts, runAfter, lastError],
    );
  }

  async remove(tx: Transaction, challengeId: number): Promise<void> {
    await entityManagerOf(tx).query(`DELETE FROM acme_validation_jobs WHERE challenge_id = $1`, [
      challengeId,
    ]);
  }
}
