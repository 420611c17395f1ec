import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The ACME server (RFC 8555). A profile may serve an ACME directory, issuing from one CA, with
 * external account binding required by default. An ACME account is a principal (users.kind
 * 'acme_account', sharing its id with acme_accounts), so the certificates it obtains and their audit
 * rows name it like any principal. EAB keys are HMAC secrets the server must read back to verify a
 * binding: sealed with the KEK like private keys, never hashed. Nonces are rows, so any instance
 * accepts any instance's nonce; validation jobs are rows any instance may claim. Nonces and jobs are
 * minutes of state: backups leave them out (src/backup/database-tables.ts).
 */
export class Acme1733000700000 implements MigrationInterface {
  name = 'Acme1733000700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE certificate_profiles
      ADD COLUMN acme_enabled boolean NOT NULL DEFAULT false,
      ADD COLUMN acme_eab_required boolean NOT NULL DEFAULT true,
      ADD COLUMN acme_ca_id integer REFERENCES certificate_authorities (id) ON DELETE SET NULL`);

    await queryRunner.query(`ALTER TABLE users DROP CONSTRAINT users_kind_check`);
    await queryRunner.query(`ALTER TABLE users ADD CONSTRAINT users_kind_check
      CHECK (kind IN ('person', 'service_account', 'acme_account'))`);
    await queryRunner.query(`ALTER TABLE users ADD CONSTRAINT users_acme_account_check
      CHECK (kind <> 'acme_account' OR (email IS NULL AND hashed_password IS NULL AND role = 'user'))`);

    await queryRunner.query(`
      CREATE TABLE acme_nonces (
        nonce text PRIMARY KEY,
        expires_at timestamptz NOT NULL
      )`);
    await queryRunner.query(`CREATE INDEX acme_nonces_expires_at_idx ON acme_nonces (expires_at)`);

    await queryRunner.query(`
      CREATE TABLE acme_accounts (
        id integer PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
        profile_id integer NOT NULL REFERENCES certificate_profiles (id) ON DELETE CASCADE,
        jwk jsonb NOT NULL,
        jwk_thumbprint text NOT NULL,
        status text NOT NULL DEFAULT 'valid' CHECK (status IN ('valid', 'deactivated', 'revoked')),
        contact text[] NOT NULL DEFAULT '{}',
        terms_of_service_agreed boolean NOT NULL DEFAULT false,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX acme_accounts_profile_key_key ON acme_accounts (profile_id, jwk_thumbprint)`,
    );

    await queryRunner.query(`
      CREATE TABLE acme_eab_keys (
        id serial PRIMARY KEY,
        kid text NOT NULL UNIQUE,
        profile_id integer NOT NULL REFERENCES certificate_profiles (id) ON DELETE CASCADE,
        sealed_hmac_key text NOT NULL,
        description text,
        created_by_user_id integer REFERENCES users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        revoked_at timestamptz,
        account_id integer UNIQUE REFERENCES acme_accounts (id) ON DELETE SET NULL,
        bound_at timestamptz
      )`);
    await queryRunner.query(`CREATE INDEX acme_eab_keys_profile_id_idx ON acme_eab_keys (profile_id)`);

    await queryRunner.query(`
      CREATE TABLE acme_orders (
        id serial PRIMARY KEY,
        account_id integer NOT NULL REFERENCES acme_accounts (id) ON DELETE CASCADE,
        status text NOT NULL CHECK (status IN ('pending', 'ready', 'processing', 'valid', 'invalid')),
        identifiers jsonb NOT NULL,
        not_before timestamptz,
        not_after timestamptz,
        expires_at timestamptz NOT NULL,
        error jsonb,
        certificate_id integer REFERENCES certificates (id) ON DELETE SET NULL,
        replaces text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX acme_orders_account_id_idx ON acme_orders (account_id)`);

    await queryRunner.query(`
      CREATE TABLE acme_authorizations (
        id serial PRIMARY KEY,
        account_id integer NOT NULL REFERENCES acme_accounts (id) ON DELETE CASCADE,
        identifier_type text NOT NULL CHECK (identifier_type IN ('dns', 'ip')),
        identifier_value text NOT NULL,
        wildcard boolean NOT NULL DEFAULT false,
        status text NOT NULL
          CHECK (status IN ('pending', 'valid', 'invalid', 'deactivated', 'expired', 'revoked')),
        expires_at timestamptz NOT NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX acme_authorizations_reuse_idx
      ON acme_authorizations (account_id, identifier_type, identifier_value, wildcard)`);

    await queryRunner.query(`
      CREATE TABLE acme_order_authorizations (
        order_id integer NOT NULL REFERENCES acme_orders (id) ON DELETE CASCADE,
        authorization_id integer NOT NULL REFERENCES acme_authorizations (id) ON DELETE CASCADE,
        PRIMARY KEY (order_id, authorization_id)
      )`);
    await queryRunner.query(
      `CREATE INDEX acme_order_authorizations_authorization_id_idx ON acme_order_authorizations (authorization_id)`,
    );

    await queryRunner.query(`
      CREATE TABLE acme_challenges (
        id serial PRIMARY KEY,
        authorization_id integer NOT NULL REFERENCES acme_authorizations (id) ON DELETE CASCADE,
        type text NOT NULL CHECK (type IN ('http-01', 'dns-01', 'tls-alpn-01')),
        token text NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'processing', 'valid', 'invalid')),
        validated_at timestamptz,
        error jsonb,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE INDEX acme_challenges_authorization_id_idx ON acme_challenges (authorization_id)`,
    );

    await queryRunner.query(`
      CREATE TABLE acme_validation_jobs (
        challenge_id integer PRIMARY KEY REFERENCES acme_challenges (id) ON DELETE CASCADE,
        attempts integer NOT NULL DEFAULT 0,
        run_after timestamptz NOT NULL DEFAULT now(),
        claimed_until timestamptz,
        last_error text
      )`);
    await queryRunner.query(
      `CREATE INDEX acme_validation_jobs_run_after_idx ON acme_validation_jobs (run_after)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of [
      'acme_validation_jobs',
      'acme_challenges',
      'acme_order_authorizations',
      'acme_authorizations',
      'acme_orders',
      'acme_eab_keys',
      'acme_accounts',
      'acme_nonces',
    ]) {
      await queryRunner.query(`DROP TABLE ${table}`);
    }
    await queryRunner.query(`DELETE FROM users WHERE kind = 'acme_account'`);
    await queryRunner.query(`ALTER TABLE users DROP CONSTRAINT users_acme_account_check`);
    await queryRunner.query(`ALTER TABLE users DROP CONSTRAINT users_kind_check`);
    await queryRunner.query(`ALTER TABLE users ADD CONSTRAINT users_kind_check
      CHECK (kind IN ('person', 'service_account'))`);
    await queryRunner.query(`ALTER TABLE certificate_profiles
      DROP COLUMN acme_ca_id, DROP COLUMN acme_eab_required, DROP COLUMN acme_enabled`);
  }
}
