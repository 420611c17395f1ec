import { MigrationInterface, QueryRunner } from 'typeorm';

/** TLS_SELF_ISSUED: the root the service made for its own TLS certificate, and the certificates it served. */
export class ServiceTls1732300400000 implements MigrationInterface {
  name = 'ServiceTls1732300400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE service_tls_roots (
        ca_id integer PRIMARY KEY REFERENCES certificate_authorities (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`
      CREATE TABLE service_tls_certificates (
        certificate_id integer PRIMARY KEY REFERENCES certificates (id) ON DELETE CASCADE,
        created_at timestamptz NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE service_tls_certificates`);
    await queryRunner.query(`DROP TABLE service_tls_roots`);
  }
}
