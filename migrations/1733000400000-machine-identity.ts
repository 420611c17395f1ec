import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Machine identity (issue 17). A service account is a principal row in `users` (kind
 * 'service_account': no email, no password, its name unique within its organisation), so the
 * certificates it creates and its audit rows reference it like a person's. Its own facts (the
 * profiles it may issue with) live in `service_accounts`. API keys belong to a principal (a service
 * account, or a person's personal key narrowed to capabilities) and are stored as SHA-256 hashes of
 * 256-bit secrets. Audit rows name the credential an action came through.
 */
export class MachineIdentity1733000400000 implements MigrationInterface {
  name = 'MachineIdentity1733000400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users ADD COLUMN kind text NOT NULL DEFAULT 'person'
      CHECK (kind IN ('person', 'service_account'))`);
    await queryRunner.query(`ALTER TABLE users ALTER COLUMN email DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE users ALTER COLUMN hashed_password DROP NOT NULL`);
    await queryRunner.query(`ALTER TABLE users ADD CONSTRAINT users_person_credentials_check
      CHECK (kind <> 'person' OR (email IS NOT NULL AND hashed_password IS NOT NULL))`);
    await queryRunner.query(`ALTER TABLE users ADD CONSTRAINT users_service_account_check
      CHECK (kind <> 'service_account' OR (email IS NULL AND hashed_password IS NULL
             AND organization_id IS NOT NULL AND role = 'user'))`);
    await queryRunner.query(`DROP INDEX users_username_key`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX users_username_key ON users (username) WHERE kind = 'person'`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX users_service_account_name_key
      ON users (organization_id, username) WHERE kind = 'service_account'`);

    await queryRunner.query(`
      CREATE TABLE service_accounts (
        user_id integer PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        description text,
        profile_ids integer[] NOT NULL CHECK (cardinality(profile_ids) > 0),
        created_by_user_id integer REFERENCES users (id) ON DELETE SET NULL
      )`);

    await queryRunner.query(`
      CREATE TABLE api_keys (
        id text PRIMARY KEY,
        user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        name text NOT NULL CHECK (length(btrim(name)) > 0),
        secret_hash bytea NOT NULL,
        capabilities text[],
        expires_at timestamptz NOT NULL,
        last_used_at timestamptz,
        revoked_at timestamptz,
        created_by_user_id integer REFERENCES users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX api_keys_user_id_idx ON api_keys (user_id)`);

    await queryRunner.query(`ALTER TABLE audit_logs ADD COLUMN credential text`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE audit_logs DROP COLUMN credential`);
    await queryRunner.query(`DROP TABLE api_keys`);
    await queryRunner.query(`DROP TABLE service_accounts`);
    await queryRunner.query(`DELETE FROM users WHERE kind = 'service_account'`);
    await queryRunner.query(`DROP INDEX users_service_account_name_key`);
    await queryRunner.query(`DROP INDEX users_username_key`);
    await queryRunner.query(`CREATE UNIQUE INDEX users_username_key ON users (username)`);
    await queryRunner.query(`ALTER TABLE users DROP CONSTRAINT users_service_account_check`);
    await queryRunner.query(`ALTER TABLE users DROP CONSTRAINT users_person_credentials_check`);
    await queryRunner.query(`ALTER TABLE users ALTER COLUMN hashed_password SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE users ALTER COLUMN email SET NOT NULL`);
    await queryRunner.query(`ALTER TABLE users DROP COLUMN kind`);
  }
}
