export { binaryBody } from './openssl';
import { OpensslWorkspace } from './openssl';
import { bearer, TestApp, TestUser } from './test-app';

/** The fields of a CA object the PKI specs read (OBJECTS.md). */
export interface CaBody {
  id: number;
  name: string;
  description: string | null;
  subject_dn: string;
  key_type: string;
  key_size: number;
  valid_days: number;
  status: string;
  certificate: string;
  serial_number: string;
  not_before: string;
  not_after: string;
  organization_id: number | null;
  created_by_user_id: number | null;
  parent_ca_id: number | null;
  path_length: number | null;
  allow_leaf_certs: boolean;
  is_root: boolean;
  crl_url: string;
  certificate_url: string;
  private_key?: string;
}

/** The fields of a certificate object the PKI specs read (OBJECTS.md). */
export interface CertificateBody {
  id: number;
  common_name: string;
  subject_dn: string;
  certificate_type: string;
  key_type: string;
  key_size: number;
  valid_days: number;
  status: string;
  certificate: string;
  serial_number: string;
  not_before: string;
  not_after: string;
  revoked_at: string | null;
  revocation_reason: string | null;
  revocation_reason_code: number | null;
  issuer_id: number;
  organization_id: number | null;
  created_by_user_id: number | null;
  san_dns_names: string[];
  san_ip_addresses: string[];
  san_email_addresses: string[];
  private_key?: string | null;
}

export interface AuditRow {
  action: string;
  user_id: number | null;
  organization_id: number | null;
  resource_type: string | null;
  resource_id: number | null;
  detail: Record<string, unknown> | null;
}

/** Creates a CA through the API and fails loudly (with the response) unless it answers 201. */
export async function createCa(
  testApp: TestApp,
  user: TestUser,
  fields: Record<string, unknown>,
): Promise<CaBody> {
  const name = String(fields.name);
  const response = await testApp
    .http()
    .post('/api/v1/cas/')
    .set(...bearer(user))
    .send({ subject_dn: `CN=${name},O=Acme`, ...fields });
  if (response.status !== 201) throw new Error(`POST /cas/ answered ${response.status}: ${response.text}`);
  return response.body;
}

/** Issues a certificate with a server-generated key and fails loudly unless it answers 201. */
export async function issueCertificate(
  testApp: TestApp,
  user: TestUser,
  caId: number,
  fields: Record<string, unknown>,
): Promise<CertificateBody> {
  const response = await testApp
    .http()
    .post(`/api/v1/certificates/?ca_id=${caId}`)
    .set(...bearer(user))
    .send({ subject_dn: 'O=Acme', ...fields });
  if (response.status !== 201)
    throw new Error(`POST /certificates/ answered ${response.status}: ${response.text}`);
  return response.body;
}

/** Signs a CSR and fails loudly unless it answers 201. */
export async function signCsr(
  testApp: TestApp,
  user: TestUser,
  fields: Record<string, unknown>,
): Promise<CertificateBody> {
  const response = await testApp
    .http()
    .post('/api/v1/certificates/sign-csr')
    .set(...bearer(user))
    .send(fields);
  if (response.status !== 201)
    throw new Error(`POST /certificates/sign-csr answered ${response.status}: ${response.text}`);
  return response.body;
}

/** Revokes a certificate and fails loudly unless it answers 200. */
export async function revokeCertificate(
  testApp: TestApp,
  user: TestUser,
  certificateId: number,
  fields: Record<string, unknown> = {},
): Promise<CertificateBody> {
  const response = await testApp
    .http()
    .post(`/api/v1/certificates/${certificateId}/revoke`)
    .set(...bearer(user))
    .send(fields);
  if (response.status !== 200) throw new Error(`revoke answered ${response.status}: ${response.text}`);
  return response.body;
}

/** The CA's current CRL, PEM. */
export async function fetchCrl(testApp: TestApp, user: TestUser, caId: number): Promise<string> {
  const response = await testApp
    .http()
    .get(`/api/v1/cas/${caId}/crl`)
    .set(...bearer(user))
    .expect(200);
  return response.text;
}

/** The audit rows of one action, optionally for one resource, oldest first. */
export async function auditRows(testApp: TestApp, action: string, resourceId?: number): Promise<AuditRow[]> {
  const rows: AuditRow[] = await testApp.dataSource.query(
    `SELECT action, user_id, organization_id, resource_type, resource_id, detail
       FROM audit_logs
      WHERE action = $1 AND ($2::integer IS NULL OR resource_id = $2)
      ORDER BY id`,
    [action, resourceId ?? null],
  );
  return rows.map((row) => ({
    ...row,
    detail: typeof row.detail === 'string' ? (JSON.parse(row.detail) as Record<string, unknown>) : row.detail,
  }));
}

/** The PEM blocks of a bundle, in order. */
export function pemBlocks(text: string): string[] {
  return text.match(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]+?-----END \1-----\n?/g) ?? [];
}

/** `openssl x509 -noout -text` of a PEM certificate. */
export function x509Text(ssl: OpensslWorkspace, pem: string): string {
  const file = ssl.write(`text-${Date.now()}-${Math.random().toString(36).slice(2)}.pem`, pem);
  const result = ssl.run(['x509', '-in', file, '-noout', '-text']);
  if (!result.ok) throw new Error(result.output);
  return result.output;
}

/** One field of `openssl x509 -noout -<field>` (subject, issuer, pubkey, enddate, …) with a name option. */
export function x509Field(ssl: OpensslWorkspace, pem: string, field: string, extra: string[] = []): string {
  const file = ssl.write(`field-${Date.now()}-${Math.random().toString(36).slice(2)}.pem`, pem);
  const result = ssl.run(['x509', '-in', file, '-noout', `-${field}`, ...extra]);
  if (!result.ok) throw new Error(result.output);
  return result.output.trim();
}

/** The SubjectPublicKeyInfo PEM of a private key, a certificate or a CSR, as openssl prints it. */
export function publicKeyOf(ssl: OpensslWorkspace, pem: string): string {
  const file = ssl.write(`key-${Date.now()}-${Math.random().toString(36).slice(2)}.pem`, pem);
  const args = pem.includes('PRIVATE KEY')
    ? ['pkey', '-in', file, '-pubout']
    : pem.includes('CERTIFICATE REQUEST')
      ? ['req', '-in', file, '-noout', '-pubkey']
      : ['x509', '-in', file, '-noout', '-pubkey'];
  const result = ssl.run(args);
  if (!result.ok) throw new Error(result.output);
  return result.output.trim();
}

/** The text of a CRL as `openssl crl -text` prints it. */
export function crlText(ssl: OpensslWorkspace, crlPem: string): string {
  const file = ssl.write(`crl-${Date.now()}-${Math.random().toString(36).slice(2)}.pem`, crlPem);
  const result = ssl.run(['crl', '-in', file, '-noout', '-text']);
  if (!result.ok) throw new Error(result.output);
  return result.output;
}

/** The CRL number printed by openssl. */
export function crlNumber(ssl: OpensslWorkspace, crlPem: string): bigint {
  const match = /CRL Number:\s*\n\s*(?:0x)?([0-9A-Fa-f]+)/.exec(crlText(ssl, crlPem));
  if (!match) throw new Error('The CRL has no CRL number');
  return BigInt(match[1]);
}

export interface X509Extension {
  critical: boolean;
  /** The lines under the extension's header, trimmed and joined with newlines. */
  value: string;
}

/** One extension from `openssl x509 -text` output, by the header openssl prints; null when absent. */
export function x509Extension(text: string, header: string): X509Extension | null {
  const lines = text.split('\n');
  const index = lines.findIndex((line) => line.trim().startsWith(`${header}:`));
  if (index < 0) return null;
  const indent = lines[index].search(/\S/);
  const body: string[] = [];
  for (const line of lines.slice(index + 1)) {
    if (line.trim() === '' || line.search(/\S/) <= indent) break;
    body.push(line.trim());
  }
  return { critical: /:\s*critical/.test(lines[index]), value: body.join('\n') };
}

/** An issuing answer as the read endpoints return it: no private key, no `chain_pem`. */
export function asReadBack<T extends object>(body: T): Omit<T, 'private_key' | 'chain_pem'> {
  const copy = { ...body } as Record<string, unknown>;
  delete copy.private_key;
  delete copy.chain_pem;
  return copy as Omit<T, 'private_key' | 'chain_pem'>;
}

/** A response body without its private key, as the read endpoints return it. */
export function withoutPrivateKey<T extends { private_key?: unknown }>(body: T): Omit<T, 'private_key'> {
  const copy: Partial<T> = { ...body };
  delete copy.private_key;
  return copy as Omit<T, 'private_key'>;
}
