import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * URI SANs (SPIFFE IDs, for example) of issued certificates, beside the DNS, IP and email SANs. Rows
 * issued before carry none: URI SANs were not issued (and were dropped from CSRs) until now.
 */
export class CertificateUriSans1733000200000 implements MigrationInterface {
  name = 'CertificateUriSans1733000200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE certificates ADD COLUMN san_uris text[] NOT NULL DEFAULT '{}'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE certificates DROP COLUMN san_uris`);
  }
}
