import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { RateLimitRepository, WindowRow } from './rate-limit.repository';

/** Not exported by @nestjs/throttler's index; the shape its storage returns. */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

/** How often expired windows are deleted; a window is reset in place when hit again, so this only bounds the table. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * The sign-in and refresh counters in the database (table auth_rate_limits), so every instance
 * behind a load balancer, and every worker of cluster mode, counts against one limit.
 * A blocked key stays blocked until its window ends (blockDuration is the window itself).
 */
@Injectable()
export class DatabaseThrottlerStorage implements ThrottlerStorage, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DatabaseThrottlerStorage.name);
  private sweeper: NodeJS.Timeout | null = null;

  constructor(private readonly windows: RateLimitRepository) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    return windowRecord(await this.windows.hit(key, Math.ceil(ttl), limit), limit);
  }

  /**
   * A hit on the window of the refresh token's family (sign-in session), without a round trip to
   * find the family first; null when no token has that hash (nothing to count).
   */
  async incrementFamilyOf(
    tokenHash: string,
    ttl: number,
    limit: number,
  ): Promise<ThrottlerStorageRecord | null> {
    const row = await this.windows.hitFamilyOf(tokenHash, Math.ceil(ttl), limit);
    return row ? windowRecord(row, limit) : null;
  }

  onApplicationBootstrap(): void {
    this.sweeper = setInterval(() => void this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  onModuleDestroy(): void {
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = null;
  }

  /** Deletes the windows that have ended; a failure (database away) is retried at the next tick. */
  async sweep(): Promise<void> {
    try {
      await this.windows.deleteEnded();
    } catch (error) {
      this.logger.warn(`rate-limit sweep failed: ${(error as Error).message}`);
    }
  }
}

function windowRecord(row: WindowRow, limit: number): ThrottlerStorageRecord {
  const secondsLeft = Math.max(1, row.seconds_left);
  const isBlocked = row.hits > limit;
  return {
    totalHits: row.hits,
    timeToExpire: secondsLeft,
    isBlocked,
    timeToBlockExpire: isBlocked ? secondsLeft : 0,
  };
}
