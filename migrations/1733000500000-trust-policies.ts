import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * OIDC workload identity federation (issue 17 item 3): the trust policies by which a service account
 * accepts the ID tokens of an issuer (GitHub Actions, GitLab CI) for an audience, bound by claims, and
 * on each certificate profile the SAN templates rendered from a workload's claims. Service accounts
 * are users rows, so a policy dies with its account.
 */
export class TrustPolicies1733000500000 implements MigrationInterface {
  name = 'TrustPolicies1733000500000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE trust_policies (
        id serial PRIMARY KEY,
        service_account_user_id integer NOT NULL REFERENCES users (id) ON DELETE CASCADE,
        description text,
        issuer text NOT NULL CHECK (length(issuer) BETWEEN 1 AND 2048),
        audience text NOT NULL CHECK (length(audience) BETWEEN 1 AND 1024),
        bound_claims jsonb NOT NULL,
        max_token_minutes integer CHECK (max_token_minutes IS NULL OR max_token_minutes BETWEEN 1 AND 1440),
        created_by_user_id integer REFERENCES users (id) ON DELETE SET NULL,
        created_at timestamptz NOT NULL DEFAULT now(),
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX trust_policies_issuer_idx ON trust_policies (issuer)`);
    await queryRunner.query(
      `CREATE INDEX trust_policies_service_account_idx ON trust_policies (service_account_user_id)`,
    );
    await queryRunner.query(`ALTER TABLE certificate_profiles ADD COLUMN san_templates jsonb`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE certificate_profiles DROP COLUMN san_templates`);
    await queryRunner.query(`DROP TABLE trust_policies`);
  }
}
