import { MigrationInterface, QueryRunner } from 'typeorm';

/** The certificate-request workflow, the CA lifecycle columns and the requester capability. */
export class Requests1732300200000 implements MigrationInterface {
  name = 'Requests1732300200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE users ADD COLUMN can_request_cert boolean NOT NULL DEFAULT false`);
    await queryRunner.query(`
      ALTER TABLE certificate_authorities
        ADD COLUMN signed_externally boolean NOT NULL DEFAULT false,
        ADD COLUMN issuer_chain_pem text,
        ADD COLUMN issuer_chain_not_after timestamptz`);

    await queryRunner.query(`
      CREATE TABLE certificate_requests (
        id serial PRIMARY KEY,
        status text NOT NULL CHECK (status IN ('outstanding', 'active', 'rejected', 'revoked')),
        csr_pem text NOT NULL,
        subject_dn text NOT NULL,
        common_name text,
        san_dns_names text[] NOT NULL DEFAULT '{}',
        san_ip_addresses text[] NOT NULL DEFAULT '{}',
        san_email_addresses text[] NOT NULL DEFAULT '{}',
        key_type text NOT NULL,
        key_size integer NOT NULL,
        certificate_type text NOT NULL CHECK (certificate_type IN ('server', 'client', 'dual_purpose')),
        comment text,
        organization_id integer REFERENCES organizations (id) ON DELETE RESTRICT,
        submitted_by_user_id integer REFERENCES users (id) ON DELETE SET NULL,
        handled_by_user_id integer REFERENCES users (id) ON DELETE SET NULL,
        rejection_reason text,
        certificate_id integer REFERENCES certificates (id) ON DELETE SET NULL,
        issuer_id integer REFERENCES certificate_authorities (id) ON DELETE SET NULL,
        signed_externally boolean NOT NULL DEFAULT false,
        certificate_pem text,
        certificate_chain_pem text,
        serial_number text,
        not_before timestamptz,
        not_after timestamptz,
        revoked_at timestamptz,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now(),
        CHECK (status NOT IN ('active', 'revoked') OR certificate_pem IS NOT NULL)
      )`);
    await queryRunner.query(
      `CREATE INDEX certificate_requests_organization_id_idx ON certificate_requests (organization_id, id)`,
    );
    await queryRunner.query(
      `CREATE INDEX certificate_requests_submitted_by_idx ON certificate_requests (submitted_by_user_id, id)`,
    );
    await queryRunner.query(
      `CREATE INDEX certificate_requests_status_idx ON certificate_requests (status, id)`,
    );
    await queryRunner.query(
      `CREATE INDEX certificate_requests_certificate_id_idx ON certificate_requests (certificate_id)`,
    );
    // Foreign keys with ON DELETE SET NULL: deleting a CA or a user must not scan the table.
    await queryRunner.query(
      `CREATE INDEX certificate_requests_issuer_id_idx ON certificate_requests (issuer_id)`,
    );
    await queryRunner.query(
      `CREATE INDEX certificate_requests_handled_by_idx ON certificate_requests (handled_by_user_id)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE certificate_requests`);
    await queryRunner.query(
      `ALTER TABLE certificate_authorities DROP COLUMN issuer_chain_not_after, DROP COLUMN issuer_chain_pem, DROP COLUMN signed_externally`,
    );
    await queryRunner.query(`ALTER TABLE users DROP COLUMN can_request_cert`);
  }
}
