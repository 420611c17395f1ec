import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Renewal by proof of the current certificate (POST /certificates/renew): each certificate names the
 * one it renewed; certificates are found by their SHA-256 fingerprint (the proof carries the
 * certificate itself); a profile may let a renewal keep the public key; and the renewal tokens already
 * used, as SHA-256 of their `jti` per certificate, until they expire (a replay is refused). That last
 * table is minutes of state: backups leave it out (src/backup/database-tables.ts).
 */
export class CertificateRenewal1733000600000 implements MigrationInterface {
  name = 'CertificateRenewal1733000600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `ALTER TABLE certificates ADD COLUMN renewed_from_id integer REFERENCES certificates (id) ON DELETE SET NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX certificates_renewed_from_id_idx ON certificates (renewed_from_id) WHERE renewed_from_id IS NOT NULL`,
    );
    await queryRunner.query(
      `CREATE INDEX certificates_fingerprint_sha256_idx ON certificates (fingerprint_sha256)`,
    );
    await queryRunner.query(
      `ALTER TABLE certificate_profiles ADD COLUMN renewal_reuses_key boolean NOT NULL DEFAULT false`,
    );
    await queryRunner.query(`
      CREATE TABLE renewal_token_uses (
        certificate_id integer NOT NULL REFERENCES certificates (id) ON DELETE CASCADE,
        jti_sha256 bytea NOT NULL CHECK (length(jti_sha256) = 32),
        expires_at timestamptz NOT NULL,
        PRIMARY KEY (certificate_id, jti_sha256)
      )`);
    await queryRunner.query(
      `CREATE INDEX renewal_token_uses_expires_at_idx ON renewal_token_uses (expires_at)`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE renewal_token_uses`);
    await queryRunner.query(`ALTER TABLE certificate_profiles DROP COLUMN renewal_reuses_key`);
    await queryRunner.query(`DROP INDEX certificates_fingerprint_sha256_idx`);
    await queryRunner.query(`ALTER TABLE certificates DROP COLUMN renewed_from_id`);
  }
}
