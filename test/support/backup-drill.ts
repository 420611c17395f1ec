import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataSource } from 'typeorm';
import { NOT_BACKED_UP } from '../../src/backup/database-tables';
import { CaBody, createCa, issueCertificate, revokeCertificate } from './pki';
import { bearer, createOrganization, createUser, TestApp, TestUser } from './test-app';

/** A service with what a CA's backup must carry: root and intermediate CAs, certificates, a revocation, audit rows. */
export interface PopulatedService {
  superuser: TestUser;
  root: CaBody;
  intermediate: CaBody;
  revokedCertificateId: number;
  /** A service account's API key: its hash (bytea) must survive the round trip. */
  apiKey: string;
}

export async function populate(service: TestApp): Promise<PopulatedService> {
  const superuser = await createUser(service, null, { username: 'drill-admin', role: 'superuser' });
  const organizationId = await createOrganization(service, superuser, 'Drill Org');
  await createUser(service, superuser, {
    username: 'drill-member',
    role: 'user',
    organization_id: organizationId,
  });
  const root = await createCa(service, superuser, {
    name: 'Drill Root',
    key_type: 'ec',
    key_size: 256,
    allow_leaf_certs: true,
  });
  const intermediate = await createCa(service, superuser, {
    name: 'Drill Intermediate',
    key_type: 'ec',
    key_size: 256,
    parent_ca_id: root.id,
  });
  await issueCertificate(service, superuser, root.id, {
    common_name: 'root-leaf.example',
    certificate_type: 'server',
    key_type: 'ec',
    key_size: 256,
  });
  const revoked = await issueCertificate(service, superuser, intermediate.id, {
    common_name: 'revoked.example',
    certificate_type: 'server',
    key_type: 'ec',
    key_size: 256,
  });
  await issueCertificate(service, superuser, intermediate.id, {
    common_name: 'kept.example',
    certificate_type: 'server',
    key_type: 'ec',
    key_size: 256,
  });
  await revokeCertificate(service, superuser, revoked.id, { reason: 'keyCompromise' });
  const apiKey = await serviceAccountKey(service, superuser, organizationId);
  return { superuser, root, intermediate, revokedCertificateId: revoked.id, apiKey };
}

async function serviceAccountKey(
  service: TestApp,
  superuser: TestUser,
  organizationId: number,
): Promise<string> {
  const post = (path: string, body: object) =>
    service
      .http()
      .post(`/api/v1${path}`)
      .set(...bearer(superuser))
      .send(body)
      .expect(201);
  const profile = await post('/profiles', { name: 'drill', organization_id: organizationId });
  const account = await post('/service-accounts', {
    name: 'drill-pipeline',
    organization_id: organizationId,
    profile_ids: [profile.body.id],
  });
  const key = await post(`/service-accounts/${account.body.id}/keys`, { name: 'drill' });
  return key.body.key as string;
}

/** Row counts of every table but TypeORM's migrations. */
export async function rowCounts(dataSource: DataSource): Promise<Record<string, number>> {
  const tables: { name: string }[] = await dataSource.query(
    `SELECT tablename AS name FROM pg_tables WHERE schemaname = current_schema() ORDER BY 1`,
  );
  const counts: Record<string, number> = {};
  for (const { name } of tables.filter((table) => !NOT_BACKED_UP.has(table.name))) {
    const [{ count }] = await dataSource.query(`SELECT count(*) AS count FROM "${name}"`);
    counts[name] = Number(count);
  }
  return counts;
}

/** The service's URL once it listens on a free port (the CLI runs as another process). */
export async function listen(service: TestApp): Promise<string> {
  await service.app.listen(0, '127.0.0.1');
  const { port } = service.app.getHttpServer().address() as AddressInfo;
  return `http://127.0.0.1:${port}`;
}

export function scratchDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function backupLines(path: string): Record<string, unknown>[] {
  return readFileSync(path, 'utf8')
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);
}

/** Writes a backup with the given lines and a trailer that matches them (for a header edited on purpose). */
export function writeBackup(path: string, lines: Record<string, unknown>[]): void {
  const body = lines.map((line) => JSON.stringify(line) + '\n').join('');
  const trailer = {
    end: true,
    rows: lines.length - 1,
    sha256: createHash('sha256').update(body).digest('hex'),
  };
  writeFileSync(path, body + JSON.stringify(trailer) + '\n');
}
