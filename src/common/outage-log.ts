import { Logger, LoggerService } from '@nestjs/common';

interface Outage {
  reason: string;
  startedAt: number;
  suppressed: number;
}

/**
 * Logs an outage of a dependency once when it starts and once when it ends, with the number of
 * failures in between: during an outage every request fails the same way, and a line (or a stack)
 * per request buries the log (10 s of PostgreSQL downtime once wrote 67 MB).
 */
export class OutageLog {
  private outage: Outage | null = null;

  constructor(
    private readonly dependency: string,
    private readonly logger: LoggerService = new Logger('Outage'),
    private readonly now: () => number = Date.now,
  ) {}

  get isOngoing(): boolean {
    return this.outage !== null;
  }

  /** Records one failure; returns true when it started the outage. */
  failed(reason: string): boolean {
    if (this.outage) {
      this.outage.suppressed += 1;
      return false;
    }
    this.outage = { reason, startedAt: this.now(), suppressed: 0 };
    this.logger.warn(
      `${this.dependency} unavailable (${reason}); answering 503 until it is back, further failures are counted, not logged`,
    );
    return true;
  }

  recovered(): void {
    if (!this.outage) return;
    const seconds = ((this.now() - this.outage.startedAt) / 1000).toFixed(1);
    this.logger.log(
      `${this.dependency} available again after ${seconds} s (outage began with ${this.outage.reason}); ` +
        `${this.outage.suppressed} further failures were not logged`,
    );
    this.outage = null;
  }
}
