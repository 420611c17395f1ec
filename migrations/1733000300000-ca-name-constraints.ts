import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * A CA's own nameConstraints (RFC 5280 4.2.1.10) as { permitted, excluded } subtrees: those it was
 * created with (written into its certificate, or into its CSR while pending) or those read from the
 * certificate uploaded for it. NULL: the CA's certificate carries none.
 */
export class CaNameConstraints1733000300000 implements MigrationInterface {
  name = 'CaNameConstraints1733000300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE certificate_authorities ADD COLUMN name_constraints jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE certificate_authorities DROP COLUMN name_constraints`);
  }
}
