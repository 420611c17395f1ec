import { MigrationInterface, QueryRunner } from 'typeorm';

export class Pki1732300100000 implements MigrationInterface {
  name = 'Pki1732300100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE certificate_authorities (
        id serial PRIMARY KEY,
        name text NOT NULL CHECK (length(btrim(name)) > 0),
        description text,
        subject_dn text NOT NULL,
        key_type text NOT NULL CHECK (key_type IN ('rsa', 'ec', 'ed25519')),
        key_size integer NOT NULL,
        valid_days integer NOT NULL,
        status text NOT NULL CHECK (status IN ('pending', 'active', 'disabled', 'revoked')),
        certificate_pem text,
        csr_pem text,
        serial_number text,
        not_before timestamptz,
        not_after timestamptz,
        fingerprint_sha256 text,
        sealed_private_key text NOT NULL,
        organization_id integer REFERENCES organizations (id) ON DELETE RESTRICT,
        created_by_user_id integer REFERENCES users (id) ON DELETE SET NULL,
        parent_ca_id integer REFERENCES certificate_authorities (id) ON DELETE RESTRICT,
        path_length integer CHECK (path_length IS NULL OR path_length >= 0),
        allow_leaf_certs boolean NOT NULL,
        allow_leaf_certs_explicit boolean NOT NULL DEFAULT false,
        revoked_at timestamptz,
        revocation_reason text,
        revocation_reason_code integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX certificate_authorities_org_name_key ON certificate_authorities (COALESCE(organization_id, 0), name)`,
    );
    await queryRunner.query(
      `CREATE INDEX certificate_authorities_organization_id_idx ON certificate_authorities (organization_id, id)`,
    );
    await queryRunner.query(
      `CREATE INDEX certificate_authorities_parent_ca_id_idx ON certificate_authorities (parent_ca_id)`,
    );

    await queryRunner.query(`
      CREATE TABLE certificates (
        id serial PRIMARY KEY,
        common_name text NOT NULL,
        subject_dn text NOT NULL,
        certificate_type text NOT NULL CHECK (certificate_type IN ('server', 'client', 'dual_purpose', 'ca')),
        key_type text NOT NULL,
        key_size integer NOT NULL,
        valid_days integer NOT NULL,
        status text NOT NULL CHECK (status IN ('valid', 'revoked')),
        certificate_pem text NOT NULL,
        serial_number text NOT NULL,
        not_before timestamptz NOT NULL,
        not_after timestamptz NOT NULL,
        fingerprint_sha256 text NOT NULL,
        san_dns_names text[] NOT NULL DEFAULT '{}',
        san_ip_addresses text[] NOT NULL DEFAULT '{}',
        san_email_addresses text[] NOT NULL DEFAULT '{}',
        path_length integer,
        sealed_private_key text,
        issuer_id integer NOT NULL REFERENCES certificate_authorities (id) ON DELETE CASCADE,
        organization_id integer REFERENCES organizations (id) ON DELETE RESTRICT,
        created_by_user_id integer REFERENCES users (id) ON DELETE SET NULL,
        revoked_at timestamptz,
        revocation_reason text,
        revocation_reason_code integer,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX certificates_issuer_serial_key ON certificates (issuer_id, serial_number)`,
    );
    await queryRunner.query(`CREATE INDEX certificates_issuer_id_idx ON certificates (issuer_id, id)`);
    await queryRunner.query(
      `CREATE INDEX certificates_organization_id_idx ON certificates (organization_id, id)`,
    );
    await queryRunner.query(`CREATE INDEX certificates_status_idx ON certificates (status, id)`);
    await queryRunner.query(`CREATE INDEX certificates_not_after_idx ON certificates (not_after)`);
    await queryRunner.query(
      `CREATE INDEX certificates_revoked_by_issuer_idx ON certificates (issuer_id) WHERE status = 'revoked'`,
    );

    // One row per CA: the current signed CRL and whether a revocation has made it stale.
    await queryRunner.query(`
      CREATE TABLE crl_state (
        ca_id integer PRIMARY KEY REFERENCES certificate_authorities (id) ON DELETE CASCADE,
        crl_number bigint NOT NULL DEFAULT 0,
        crl_der_base64 text,
        this_update timestamptz,
        next_update timestamptz,
        is_stale boolean NOT NULL DEFAULT true,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE crl_state`);
    await queryRunner.query(`DROP TABLE certificates`);
    await queryRunner.query(`DROP TABLE certificate_authorities`);
  }
}
