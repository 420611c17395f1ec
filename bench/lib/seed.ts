import type { SqlSession } from './database';

const BATCH = 100_000;

export interface SeedOwner {
  caId: number;
  userId: number;
  /** A real certificate PEM of the CA, so rows are as wide as real ones. */
  pem: string;
}

async function inBatches(
  count: number,
  label: string,
  insert: (from: number, to: number) => Promise<void>,
): Promise<void> {
  for (let from = 1; from <= count; from += BATCH) {
    const to = Math.min(count, from + BATCH - 1);
    await insert(from, to);
    process.stderr.write(`\r   seeding ${label}: ${to}/${count}`);
  }
  process.stderr.write('\n');
}

/**
 * Revoked certificates of one CA, straight into the table (100 000 API revocations would measure the
 * seeding). Serials: 16 bytes, lowercase hex, no leading zero, unique per row; reasons mixed as in life.
 */
export async function seedRevokedCertificates(
  session: SqlSession,
  owner: SeedOwner,
  count: number,
): Promise<void> {
  await inBatches(count, 'revoked certificates', async (from, to) => {
    await session.query(
      `INSERT INTO certificates (common_name, subject_dn, certificate_type, key_type, key_size, valid_days, status,
         certificate_pem, serial_number, not_before, not_after, fingerprint_sha256, issuer_id, created_by_user_id,
         revoked_at, revocation_reason, revocation_reason_code)
       SELECT 'revoked-' || g || '.bench.example', 'CN=revoked-' || g || '.bench.example', 'server', 'rsa', 2048, 365,
         'revoked', $1, '7' || lpad(to_hex(g), 8, '0') || substr(md5(g::text), 1, 23),
         now() - interval '30 days', now() + interval '335 days', md5(g::text) || md5('fp' || g), $2, $3,
         date_trunc('second', now() - make_interval(secs => g)),
         (ARRAY['keyCompromise', 'superseded', 'cessationOfOperation', NULL])[1 + g % 4],
         (ARRAY[1, 4, 5, NULL])[1 + g % 4]
       FROM generate_series($4::int, $5::int) AS g`,
      [owner.pem, owner.caId, owner.userId, from, to],
    );
  });
  await session.query('ANALYZE certificates');
}

/** Valid certificates of one CA, for the listing scenario. */
export async function seedCertificates(session: SqlSession, owner: SeedOwner, count: number): Promise<void> {
  await inBatches(count, 'certificates', async (from, to) => {
    await session.query(
      `INSERT INTO certificates (common_name, subject_dn, certificate_type, key_type, key_size, valid_days, status,
         certificate_pem, serial_number, not_before, not_after, fingerprint_sha256, san_dns_names, issuer_id,
         created_by_user_id, created_at, updated_at)
       SELECT 'seed-' || g || '.bench.example', 'CN=seed-' || g || '.bench.example', 'server', 'rsa', 2048, 365,
         'valid', $1, '5' || lpad(to_hex(g), 8, '0') || substr(md5(g::text), 1, 23),
         now() - interval '1 day', now() + interval '364 days', md5(g::text) || md5('fp' || g),
         ARRAY['seed-' || g || '.bench.example'], $2, $3,
         now() - make_interval(secs => $5::int - g), now() - make_interval(secs => $5::int - g)
       FROM generate_series($4::int, $5::int) AS g`,
      [owner.pem, owner.caId, owner.userId, from, to],
    );
  });
  await session.query('ANALYZE certificates');
}

/** Audit rows: half cert_sign_csr, half cert_create, 1 % cert_revoke. */
export async function seedAuditLogs(session: SqlSession, owner: SeedOwner, count: number): Promise<void> {
  await inBatches(count, 'audit rows', async (from, to) => {
    await session.query(
      `INSERT INTO audit_logs (created_at, action, user_id, username, resource_type, resource_id, client_address, detail)
       SELECT now() - interval '1 hour' - make_interval(secs => g),
         CASE WHEN g % 100 = 0 THEN 'cert_revoke' WHEN g % 2 = 0 THEN 'cert_sign_csr' ELSE 'cert_create' END,
         $1, 'bench', 'certificate', g, '127.0.0.1',
         jsonb_build_object('ca_id', $2::int, 'serial_number', md5(g::text), 'certificate_type', 'server',
           'key_type', 'rsa', 'validity_clamped', false)
       FROM generate_series($3::int, $4::int) AS g`,
      [owner.userId, owner.caId, from, to],
    );
  });
  await session.query('ANALYZE audit_logs');
}

/** EXPLAIN (ANALYZE, BUFFERS) as text. */
export async function explain(session: SqlSession, sql: string): Promise<string> {
  const rows = await session.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${sql}`);
  return rows.map((row) => row['QUERY PLAN']).join('\n');
}
