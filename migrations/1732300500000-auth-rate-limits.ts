import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The sign-in and refresh rate-limit windows, shared by every instance on the database. UNLOGGED:
 * counters are written on every attempt and worth nothing after a crash (PostgreSQL empties the table
 * then), so they skip the WAL; PGlite accepts the same statement.
 */
export class AuthRateLimits1732300500000 implements MigrationInterface {
  name = 'AuthRateLimits1732300500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE UNLOGGED TABLE auth_rate_limits (
        key text PRIMARY KEY,
        hits integer NOT NULL,
        expires_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX auth_rate_limits_expires_at ON auth_rate_limits (expires_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE auth_rate_limits`);
  }
}
