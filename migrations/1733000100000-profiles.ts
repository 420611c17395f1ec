import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Certificate profiles (what may be issued, per organisation; unowned ones, like unowned CAs, are
 * superuser-only), the CA's require_profile, and on each
 * certificate the profile it was issued under (its name kept when the profile is deleted) and whether
 * its notAfter was clamped to the issuer's. CAs record the clamp of their own certificate too, and a
 * request the clamp of the certificate we signed for it.
 */
export class Profiles1733000100000 implements MigrationInterface {
  name = 'Profiles1733000100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE certificate_profiles (
        id serial PRIMARY KEY,
        name text NOT NULL CHECK (length(btrim(name)) > 0),
        description text,
        enabled boolean NOT NULL DEFAULT true,
        organization_id integer REFERENCES organizations (id) ON DELETE CASCADE,
        ca_ids integer[] NOT NULL DEFAULT '{}',
        certificate_types text[] NOT NULL DEFAULT '{}',
        key_types text[] NOT NULL DEFAULT '{}',
        min_rsa_bits integer CHECK (min_rsa_bits IS NULL OR min_rsa_bits BETWEEN 2048 AND 16384),
        allowed_dns text[],
        allow_wildcard_certificates boolean NOT NULL DEFAULT false,
        allowed_ip_ranges text[],
        allowed_emails text[],
        allowed_uris text[],
        allowed_subject_attributes text[] NOT NULL DEFAULT '{CN}',
        subject jsonb NOT NULL DEFAULT '{}',
        default_validity_days integer CHECK (default_validity_days IS NULL OR default_validity_days BETWEEN 1 AND 36500),
        max_validity_days integer CHECK (max_validity_days IS NULL OR max_validity_days BETWEEN 1 AND 36500),
        backdate_seconds integer NOT NULL DEFAULT 60 CHECK (backdate_seconds BETWEEN 0 AND 86400),
        issuer_lifetime text NOT NULL DEFAULT 'clamp' CHECK (issuer_lifetime IN ('clamp', 'refuse')),
        created_by_user_id integer REFERENCES users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(
      `CREATE UNIQUE INDEX certificate_profiles_org_name_key ON certificate_profiles (COALESCE(organization_id, 0), name)`,
    );
    await queryRunner.query(
      `ALTER TABLE certificate_authorities
         ADD COLUMN require_profile boolean NOT NULL DEFAULT false,
         ADD COLUMN validity_clamped boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(
      `ALTER TABLE certificates
         ADD COLUMN profile_id integer REFERENCES certificate_profiles (id) ON DELETE SET NULL,
         ADD COLUMN profile_name text,
         ADD COLUMN validity_clamped boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(
      `ALTER TABLE certificate_requests ADD COLUMN validity_clamped boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(
      `CREATE INDEX certificates_profile_id_idx ON certificates (profile_id) WHERE profile_id IS NOT NULL`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE certificate_requests DROP COLUMN validity_clamped`);
    await queryRunner.query(
      `ALTER TABLE certificates DROP COLUMN validity_clamped, DROP COLUMN profile_name, DROP COLUMN profile_id`,
    );
    await queryRunner.query(
      `ALTER TABLE certificate_authorities DROP COLUMN validity_clamped, DROP COLUMN require_profile`,
    );
    await queryRunner.query(`DROP TABLE certificate_profiles`);
  }
}
