import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { PreparedStatement, queryPrepared } from '../database/prepared-statement';

export interface WindowRow {
  hits: number;
  seconds_left: number;
}

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
 * The only code that reads and writes auth_rate_limits: the sign-in and refresh windows, each
 * statement outside any transaction (a hit counts even when the request then fails).
 */
@Injectable()
export class RateLimitRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Counts a hit on the window of `key`; the window after the hit. */
  async hit(key: string, windowMs: number, limit: number): Promise<WindowRow> {
    const [row] = await queryPrepared<WindowRow>(this.dataSource.manager, HIT, [key, windowMs, limit]);
    return row;
  }

  /** Counts a hit on the window of the refresh token's family, in one statement; null when no token has the hash. */
  async hitFamilyOf(tokenHash: string, windowMs: number, limit: number): Promise<WindowRow | null> {
    const [row] = await queryPrepared<WindowRow>(this.dataSource.manager, FAMILY_HIT, [
      tokenHash,
      windowMs,
      limit,
    ]);
    return row ?? null;
  }

  /** Deletes the windows that have ended. */
  async deleteEnded(): Promise<void> {
    await queryPrepared(this.dataSource.manager, SWEEP, []);
  }
}
