import { Injectable, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AppConfig } from '../../config/app-config';
import { AcmeProblem } from '../acme-problem';
import { AcmeNonceRepository } from './acme-nonce.repository';

const SWEEP_INTERVAL_MS = 60_000;

/**
 * Replay nonces (RFC 8555 6.5): 128 random bits, stored so that any instance accepts any instance's
 * nonce, each accepted once and until it expires.
 */
@Injectable()
export class AcmeNonces implements OnModuleInit, OnModuleDestroy {
  private sweeper: NodeJS.Timeout | null = null;

  constructor(
    private readonly repository: AcmeNonceRepository,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.sweeper = setInterval(() => {
      this.repository.deleteExpired(new Date()).catch(() => undefined);
    }, SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    if (this.sweeper) clearInterval(this.sweeper);
  }

  async issue(): Promise<string> {
    const nonce = randomBytes(16).toString('base64url');
    await this.repository.insert(nonce, new Date(Date.now() + this.config.acme.nonceLifetimeSeconds * 1000));
    return nonce;
  }

  /** badNonce (which clients answer by retrying with the fresh nonce of the error) unless it is new. */
  async consume(nonce: string | undefined): Promise<void> {
    if (nonce === undefined) {
      throw new AcmeProblem('badNonce', 'The JWS protected header has no "nonce": get one from newNonce');
    }
    if (!/^[A-Za-z0-9_-]{1,64}$/.test(nonce) || !(await this.repository.consume(nonce, new Date()))) {
      throw new AcmeProblem(
        'badNonce',
        'The nonce was already used, has expired, or was never issued: retry with the one in this response',
      );
    }
  }
}
