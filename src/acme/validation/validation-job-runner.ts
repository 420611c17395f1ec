import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { databaseUnavailableReason } from '../../common/database-errors';
import { AppConfig } from '../../config/app-config';
import { DatabaseOutageMonitor } from '../../database/database-outage.monitor';
import { Transaction, Transactions } from '../../database/transactions';
import { DomainMetrics } from '../../system/domain-metrics';
import { AcmeAccountRepository } from '../accounts/acme-account.repository';
import { AcmeErrorType, AcmeProblem } from '../acme-problem';
import {
  AcmeChallengeValidationRepository,
  ChallengeUnderValidation,
} from './acme-challenge-validation.repository';
import { AcmeValidationJobRepository, ClaimedValidationJob } from './acme-validation-job.repository';
import { validateChallenge } from './challenge-validator';
import { keyAuthorization } from './key-authorization';
import { validationOptionsOf, type ValidationOptions } from './validation-options';

const POLL_INTERVAL_MS = 1000;
const JOBS_PER_PASS = 10;
/** Waits before the 2nd, 3rd, 4th... attempt; the last one repeats. */
const BACK_OFF_MS = [2000, 5000, 15_000];

/** `isRetryable` false: retrying cannot help (the authorization expired, the account is gone). */
type Outcome = { valid: true } | { valid: false; type: AcmeErrorType; detail: string; isRetryable: boolean };

/**
 * Validates the challenges clients asked for (RFC 8555 §7.5.1), off the request path: jobs are rows
 * any instance may claim; a failed attempt is retried with back-off until ACME_VALIDATION_ATTEMPTS,
 * then the challenge, its authorization and the orders needing it are invalid (§7.1.6).
 */
@Injectable()
export class ValidationJobRunner implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(ValidationJobRunner.name);
  private readonly options: ValidationOptions;
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<number> | null = null;

  constructor(
    private readonly config: AppConfig,
    private readonly transactions: Transactions,
    private readonly jobs: AcmeValidationJobRepository,
    private readonly challenges: AcmeChallengeValidationRepository,
    private readonly accounts: AcmeAccountRepository,
    private readonly metrics: DomainMetrics,
    private readonly outages: DatabaseOutageMonitor,
    private readonly adapterHost: HttpAdapterHost,
  ) {
    this.options = validationOptionsOf(config.acme);
  }

  /** Only a serving application validates: the CLI's application context has no HTTP adapter. */
  onApplicationBootstrap(): void {
    if (!this.adapterHost.httpAdapter) return;
    this.timer = setInterval(() => void this.scheduledPass(), POLL_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }

  /** Called in the transaction that moves the challenge to processing (the challenge POST). */
  enqueue(tx: Transaction, challengeId: number, now = new Date()): Promise<void> {
    return this.jobs.enqueue(tx, challengeId, now);
  }

  /** The timer's pass. Never rejects: an unhandled rejection would end the process. */
  async scheduledPass(): Promise<void> {
    try {
      await this.runDueJobs();
    } catch (error) {
      const unavailable = databaseUnavailableReason(error);
      if (unavailable) this.outages.failed(unavailable);
      else this.logger.error({ err: error }, 'ACME validation pass failed');
    }
  }

  /** Claims the due jobs and runs them; returns how many were claimed (0 while a pass is running). */
  async runDueJobs(now = new Date()): Promise<number> {
    if (this.running) return 0;
    const pass = (async () => {
      // A claim outlives an attempt, so an instance that dies mid-attempt loses its jobs to another.
      const claimedUntil = new Date(now.getTime() + this.options.timeoutMs * 2);
      const claimed = await this.transactions.run((tx) =>
        this.jobs.claimDue(tx, now, claimedUntil, JOBS_PER_PASS),
      );
      const runs = await Promise.allSettled(claimed.map((job) => this.runJob(job)));
      const failure = runs.find((run) => run.status === 'rejected');
      if (failure) throw failure.reason;
      return claimed.length;
    })();
    this.running = pass;
    try {
      return await pass;
    } finally {
      this.running = null;
    }
  }

  private async runJob(job: ClaimedValidationJob): Promise<void> {
    const challenge = await this.challenges.findForValidation(this.transactions.none, job.challengeId);
    if (!challenge?.isOpen) {
      await this.transactions.run(async (tx) => {
        await this.jobs.remove(tx, job.challengeId);
        // Left processing, a client would poll it for ever.
        if (challenge) {
          const problem = new AcmeProblem(
            'unauthorized',
            `Authorization ${challenge.authorizationId} was no longer pending: this challenge was not validated`,
            { identifier: challenge.identifier },
          );
          await this.challenges.closeUnvalidated(tx, challenge, problem.toDocument(), new Date());
        }
      });
      return;
    }
    const outcome = await this.attempt(challenge);
    const finishedAt = new Date();
    const attempts = job.attempts + 1;
    const isFinal = outcome.valid || !outcome.isRetryable || attempts >= this.config.acme.validationAttempts;
    await this.transactions.run(async (tx) => {
      if (!(await this.jobs.lockClaimed(tx, job))) return;
      if (outcome.valid) {
        await this.challenges.recordValid(tx, challenge, finishedAt);
      } else if (isFinal) {
        const problem = new AcmeProblem(outcome.type, outcome.detail, { identifier: challenge.identifier });
        await this.challenges.recordInvalid(tx, challenge, problem.toDocument(), finishedAt);
      } else {
        const wait = BACK_OFF_MS[Math.min(job.attempts, BACK_OFF_MS.length - 1)];
        const detail = `${outcome.type}: ${outcome.detail}`;
        await this.jobs.retryLater(
          tx,
          job.challengeId,
          attempts,
          new Date(finishedAt.getTime() + wait),
          detail,
        );
        return;
      }
      await this.jobs.remove(tx, job.challengeId);
    });
    const result = outcome.valid ? 'valid' : isFinal ? 'invalid' : 'retry';
    this.metrics.acmeChallengeValidations.inc({ type: challenge.type, result });
  }

  private async attempt(challenge: ChallengeUnderValidation): Promise<Outcome> {
    if (challenge.authorizationExpiresAt.getTime() <= Date.now()) {
      return {
        valid: false,
        type: 'unauthorized',
        detail: 'The authorization expired before the challenge was validated',
        isRetryable: false,
      };
    }
    const account = await this.accounts.findById(challenge.accountId);
    if (account?.status !== 'valid') {
      return {
        valid: false,
        type: 'unauthorized',
        detail: `The account is ${account?.status ?? 'gone'}`,
        isRetryable: false,
      };
    }
    try {
      const proof = await keyAuthorization(challenge.token, account.jwk);
      const result = await validateChallenge(challenge, proof, this.options);
      return result.valid ? result : { valid: false, ...result.error, isRetryable: true };
    } catch (error) {
      this.logger.error(
        { err: error, challengeId: challenge.challengeId },
        'ACME challenge validation failed unexpectedly',
      );
      return {
        valid: false,
        type: 'serverInternal',
        detail: 'The validation failed on the server',
        isRetryable: true,
      };
    }
  }
}
