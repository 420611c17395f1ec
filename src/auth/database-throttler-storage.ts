import { Injectable, Logger, OnApplicationBootstrap, OnModuleDestroy } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PreparedStatement, queryPrepared } from '../database/prepared-statement';

/** Not exported by @nestjs/throttler's index; the shape its storage returns. */
type ThrottlerStorageRecord = Awaited<ReturnType<ThrottlerStorage['increment']>>;

interface WindowRow {
  hits: number;
  seconds_left: number;
}

/** How often expired windows are deleted; a window is reset in place when hit again, so this only bounds the table. */
const SWEEP_INTERVAL_MS = 60_000;

/**
 * One hit: a fixed window per key, counted by one atomic upsert. A window that has expired starts
 * over in the same statement, so concurrent hits from any instance never lose a count. Times are
 * the database's, so instances whose clocks disagree still share one window. $2 is the window in
 * milliseconds, $3 the limit (the count stops one past it).
 */
const NEW_WINDOW_EXPIRY = `now() + make_interval(secs => $2::integer / 1000.0)`;
const COUNT_HIT = `
  ON CONFLICT (key) DO UPDATE SET
       hits = CASE WHEN w.expires_at <= now() THEN 1 ELSE LEAST(w.hits + 1, $3::integer + 1) END,
       expires_at = CASE WHEN w.expires_at <= now() THEN excluded.expires_at ELSE w.expires_at END
  RETURNING hits, ceil(extract(epoch FROM w.expires_at - now()))::integer AS seconds_left`;

const HIT: PreparedStatement = {
  name: 'auth_rate_limit_hit',
  text: `INSERT INTO auth_rate_limits AS w (key, hits, expires_at) VALUES ($1, 1, ${NEW_WINDOW_EXPIRY}) ${COUNT_HIT}`,
};

/** A hit on the window of the family of the refresh token whose hash is $1, found in the same statement. */
const FAMILY_HIT: PreparedStatement = {
  name: 'auth_rate_limit_family_hit',
  text: `INSERT INTO auth_rate_limits AS w (key, hits, expires_at)
         SELECT 'family:' || f.family_id, 1, ${NEW_WINDOW_EXPIRY} FROM refresh_tokens f WHERE f.token_hash = $1
         ${COUNT_HIT}`,
};

const SWEEP: PreparedStatement = {
  name: 'auth_rate_limit_sweep',
  text: `DELETE FROM auth_rate_limits WHERE expires_at <= now()`,
};

/**
 * The sign-in and refresh counters in the database (table auth_rate_limits), so every instance
 * behind a load balancer, and every worker of cluster mode, counts against one limit.
 * A blocked key stays blocked until its window ends (blockDuration is the window itself).
 */
@Injectable()
export class DatabaseThrottlerStorage implements ThrottlerStorage, OnApplicationBootstrap, OnModuleDestroy {
  private readonly logger = new Logger(DatabaseThrottlerStorage.name);
  private sweeper: NodeJS.Timeout | null = null;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const [row] = await this.hit(HIT, key, ttl, limit);
    return windowRecord(row, limit);
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
    const [row] = await this.hit(FAMILY_HIT, tokenHash, ttl, limit);
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
      await queryPrepared(this.dataSource.manager, SWEEP, []);
    } catch (error) {
      this.logger.warn(`rate-limit sweep failed: ${(error as Error).message}`);
    }
  }

  private hit(statement: PreparedStatement, key: string, ttl: number, limit: number): Promise<WindowRow[]> {
    return queryPrepared<WindowRow>(this.dataSource.manager, statement, [key, Math.ceil(ttl), limit]);
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
