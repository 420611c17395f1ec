import { MigrationInterface, QueryRunner } from 'typeorm';

export class Identity1732300000000 implements MigrationInterface {
  name = 'Identity1732300000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE organizations (
        id serial PRIMARY KEY,
        name text NOT NULL CHECK (length(btrim(name)) > 0),
        description text,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX organizations_name_key ON organizations (name)`);

    await queryRunner.query(`
      CREATE TABLE users (
        id serial PRIMARY KEY,
        username text NOT NULL,
        email text NOT NULL,
        hashed_password text NOT NULL,
        role text NOT NULL CHECK (role IN ('superuser', 'admin', 'user')),
        is_active boolean NOT NULL DEFAULT true,
        organization_id integer REFERENCES organizations (id) ON DELETE RESTRICT,
        can_create_ca boolean NOT NULL DEFAULT false,
        can_create_cert boolean NOT NULL DEFAULT false,
        can_revoke_cert boolean NOT NULL DEFAULT false,
        can_export_private_key boolean NOT NULL DEFAULT false,
        can_delete_ca boolean NOT NULL DEFAULT false,
        tokens_valid_after timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX users_username_key ON users (username)`);
    await queryRunner.query(`CREATE UNIQUE INDEX users_email_key ON users (lower(email))`);
    await queryRunner.query(`CREATE INDEX users_organization_id_idx ON users (organization_id)`);

    await queryRunner.query(`
      CREATE TABLE refresh_tokens (
        id bigserial PRIMARY KEY,
        user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        token_hash text NOT NULL,
        family_id uuid NOT NULL,
        expires_at timestamptz NOT NULL,
        used_at timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX refresh_tokens_token_hash_key ON refresh_tokens (token_hash)`,
    );
    await queryRunner.query(`CREATE INDEX refresh_tokens_family_id_idx ON refresh_tokens (family_id)`);
    await queryRunner.query(`CREATE INDEX refresh_tokens_user_id_idx ON refresh_tokens (user_id)`);

    await queryRunner.query(`
      CREATE TABLE revoked_access_tokens (
        jti uuid PRIMARY KEY,
        user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        expires_at timestamptz NOT NULL
      )`);
    await queryRunner.query(
      `CREATE INDEX revoked_access_tokens_expires_at_idx ON revoked_access_tokens (expires_at)`,
    );

    // No foreign keys: the audit trail outlives the users and resources it mentions.
    await queryRunner.query(`
      CREATE TABLE audit_logs (
        id bigserial PRIMARY KEY,
        created_at timestamptz NOT NULL DEFAULT now(),
        action text NOT NULL,
        user_id integer,
        username text,
        organization_id integer,
        resource_type text,
        resource_id integer,
        client_address text,
        detail jsonb
      )`);
    await queryRunner.query(
      `CREATE INDEX audit_logs_created_at_idx ON audit_logs (created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX audit_logs_action_idx ON audit_logs (action, created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX audit_logs_user_id_idx ON audit_logs (user_id, created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX audit_logs_organization_id_idx ON audit_logs (organization_id, created_at DESC, id DESC)`,
    );
    await queryRunner.query(
      `CREATE INDEX audit_logs_resource_idx ON audit_logs (resource_type, resource_id, created_at DESC, id DESC)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE audit_logs`);
    await queryRunner.query(`DROP TABLE revoked_access_tokens`);
    await queryRunner.query(`DROP TABLE refresh_tokens`);
    await queryRunner.query(`DROP TABLE users`);
    await queryRunner.query(`DROP TABLE organizations`);
  }
}
