import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { OpensslWorkspace } from './openssl';
import { binaryBody, CaBody } from './pki';
import { bearer, TestApp, TestUser } from './test-app';

/** The fields of a certificate request object (docs: issue 6 API). */
export interface CertificateRequestBody {
  id: number;
  status: 'outstanding' | 'active' | 'rejected' | 'revoked';
  csr: string;
  subject_dn: string;
  common_name: string | null;
  san_dns_names: string[];
  san_ip_addresses: string[];
  san_email_addresses: string[];
  key_type: string;
  key_size: number;
  certificate_type: string;
  comment: string | null;
  organization_id: number | null;
  submitted_by_user_id: number;
  handled_by_user_id: number | null;
  rejection_reason: string | null;
  certificate_id: number | null;
  issuer_id: number | null;
  signed_externally: boolean;
  certificate: string | null;
  certificate_chain: string | null;
  serial_number: string | null;
  not_before: string | null;
  not_after: string | null;
  revoked_at: string | null;
  created_at: string;
  updated_at: string;
}

/** A CA object with the lifecycle fields of issue 6 (pending CAs have no certificate yet). */
export interface LifecycleCaBody extends Omit<
  CaBody,
  'certificate' | 'serial_number' | 'not_before' | 'not_after'
> {
  certificate: string | null;
  serial_number: string | null;
  not_before: string | null;
  not_after: string | null;
  fingerprint_sha256: string | null;
  revoked_at: string | null;
  csr?: string | null;
  signed_externally?: boolean;
  issuer_chain?: string | null;
}

export const EC_P256 = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];
export const RSA_2048 = ['-newkey', 'rsa:2048'];

/** Submits a certificate request and fails loudly (with the response) unless it answers 201. */
export async function submitRequest(
  testApp: TestApp,
  user: TestUser,
  fields: Record<string, unknown>,
): Promise<CertificateRequestBody> {
  const response = await testApp
    .http()
    .post('/api/v1/certificate-requests/')
    .set(...bearer(user))
    .send(fields);
  if (response.status !== 201)
    throw new Error(`POST /certificate-requests/ answered ${response.status}: ${response.text}`);
  return response.body;
}

/** Calls one certificate-request action and fails loudly unless it answers `status`. */
export async function requestAction(
  testApp: TestApp,
  user: TestUser,
  method: 'post' | 'delete',
  path: string,
  body: Record<string, unknown> = {},
  status = 200,
): Promise<CertificateRequestBody> {
  const call =
    method === 'post'
      ? testApp.http().post(`/api/v1/certificate-requests/${path}`)
      : testApp.http().delete(`/api/v1/certificate-requests/${path}`);
  const response = await call.set(...bearer(user)).send(body);
  if (response.status !== status)
    throw new Error(`${method.toUpperCase()} ${path} answered ${response.status}: ${response.text}`);
  return response.body;
}

/** Creates a pending CA (POST /cas/ with pending: true) and fails loudly unless it answers 201. */
export async function createPendingCa(
  testApp: TestApp,
  user: TestUser,
  fields: Record<string, unknown>,
): Promise<LifecycleCaBody> {
  const name = String(fields.name);
  const response = await testApp
    .http()
    .post('/api/v1/cas/')
    .set(...bearer(user))
    .send({ subject_dn: `CN=${name},O=Acme`, key_type: 'ec', pending: true, ...fields });
  if (response.status !== 201) throw new Error(`POST /cas/ answered ${response.status}: ${response.text}`);
  return response.body;
}

/** PATCH /cas/{id}; fails loudly unless it answers 200. */
export async function patchCa(
  testApp: TestApp,
  user: TestUser,
  caId: number,
  fields: Record<string, unknown>,
): Promise<LifecycleCaBody> {
  const response = await testApp
    .http()
    .patch(`/api/v1/cas/${caId}`)
    .set(...bearer(user))
    .send(fields);
  if (response.status !== 200)
    throw new Error(`PATCH /cas/${caId} answered ${response.status}: ${response.text}`);
  return response.body;
}

/** A GET whose body is kept as text whatever its content type (PEM as application/pkcs10, DER…). */
export async function getText(
  testApp: TestApp,
  path: string,
  user?: TestUser,
): Promise<{ status: number; contentType: string; text: string }> {
  const call = testApp.http().get(path);
  if (user) call.set(...bearer(user));
  const response = await call.buffer(true).parse(binaryBody);
  return {
    status: response.status,
    contentType: String(response.headers['content-type'] ?? ''),
    text: (response.body as Buffer).toString('utf8'),
  };
}

/** Flips one bit near the end of a DER CSR (inside its signature) and re-encodes it as PEM. */
export function corruptCsrSignature(csrPem: string): string {
  const base64 = csrPem.replace(/-----[A-Z ]+-----/g, '').replace(/\s+/g, '');
  const der = Buffer.from(base64, 'base64');
  der[der.length - 5] ^= 0x01;
  const lines = der.toString('base64').match(/.{1,64}/g) ?? [];
  return `-----BEGIN CERTIFICATE REQUEST-----\n${lines.join('\n')}\n-----END CERTIFICATE REQUEST-----\n`;
}

/** A serial number written by openssl or the API, compared without case or leading zeros. */
export function normalSerial(serial: string): string {
  return serial
    .replace(/^serial=/, '')
    .replace(/:/g, '')
    .trim()
    .toLowerCase()
    .replace(/^0+/, '');
}

/** The serial numbers listed on a CRL, as `openssl crl -text` prints them, normalised. */
export function crlSerials(ssl: OpensslWorkspace, crlPem: string): string[] {
  const file = ssl.write(`crl-${uniqueName()}.pem`, crlPem);
  const result = ssl.run(['crl', '-in', file, '-noout', '-text']);
  if (!result.ok) throw new Error(result.output);
  return [...result.output.matchAll(/Serial Number: ([0-9A-Fa-f]+)/g)].map((match) => normalSerial(match[1]));
}

export function uniqueName(): string {
  return `${Date.now()}-${randomBytes(4).toString('hex')}`;
}

/** A certificate authority made with the openssl CLI, entirely outside the service. */
export interface OutsideCa {
  certificate: string;
  certPath: string;
  keyPath: string;
}

const CA_EXTENSIONS = [
  'basicConstraints=critical,CA:TRUE',
  'keyUsage=critical,keyCertSign,cRLSign',
  'subjectKeyIdentifier=hash',
];

/** A self-signed root made by `openssl req -x509`, valid for `days` (365 unless told). */
export function outsideRoot(
  ssl: OpensslWorkspace,
  subject: string,
  keyArgs: string[] = EC_P256,
  days = 365,
): OutsideCa {
  const name = `outside-root-${uniqueName()}`;
  const keyPath = ssl.path(`${name}.key`);
  const certPath = ssl.path(`${name}.pem`);
  const result = ssl.run([
    'req',
    '-x509',
    ...keyArgs,
    '-nodes',
    '-keyout',
    keyPath,
    '-subj',
    subject,
    '-days',
    String(days),
    ...CA_EXTENSIONS.flatMap((extension) => ['-addext', extension]),
    '-out',
    certPath,
  ]);
  if (!result.ok) throw new Error(result.output);
  return { certificate: readFileSync(certPath, 'utf8'), certPath, keyPath };
}

/** Extensions for `openssl x509 -req -extfile`: a TLS server leaf, a CA, or a CA with a path length. */
export function leafExtensions(dnsName: string): string[] {
  return [
    'basicConstraints=critical,CA:FALSE',
    'keyUsage=critical,digitalSignature,keyEncipherment',
    'extendedKeyUsage=serverAuth',
    `subjectAltName=DNS:${dnsName}`,
  ];
}

export function caExtensions(pathLength?: number): string[] {
  return [
    `basicConstraints=critical,CA:TRUE${pathLength === undefined ? '' : `,pathlen:${pathLength}`}`,
    'keyUsage=critical,keyCertSign,cRLSign',
    'subjectKeyIdentifier=hash',
    'authorityKeyIdentifier=keyid',
  ];
}

/**
 * Signs a CSR with an outside CA by `openssl x509 -req` (the CSR's own extensions are not copied;
 * only `extensions` go in). `days` may be negative for a certificate already expired.
 */
export function signOutside(
  ssl: OpensslWorkspace,
  issuer: OutsideCa,
  csrPem: string,
  extensions: string[],
  days = 90,
): { certificate: string; certPath: string } {
  const name = `outside-signed-${uniqueName()}`;
  const csrPath = ssl.write(`${name}.csr`, csrPem);
  const extPath = ssl.write(`${name}.ext`, `${extensions.join('\n')}\n`);
  const certPath = ssl.path(`${name}.pem`);
  const result = ssl.run([
    'x509',
    '-req',
    '-in',
    csrPath,
    '-CA',
    issuer.certPath,
    '-CAkey',
    issuer.keyPath,
    '-set_serial',
    `0x${randomBytes(12).toString('hex')}`,
    '-days',
    String(days),
    '-extfile',
    extPath,
    '-out',
    certPath,
  ]);
  if (!result.ok) throw new Error(result.output);
  return { certificate: readFileSync(certPath, 'utf8'), certPath };
}

/**
 * Signs a CSR with an outside CA for a given period, by `openssl ca` (`openssl x509 -req` of OpenSSL 3.0
 * cannot set notBefore). Dates are ASN.1 times, `20300101000000Z`; only `extensions` go in, and the
 * subject keeps just its CN and O.
 */
export function signOutsideBetween(
  ssl: OpensslWorkspace,
  issuer: OutsideCa,
  csrPem: string,
  extensions: string[],
  startDate: string,
  endDate: string,
): { certificate: string; certPath: string } {
  const name = `outside-dated-${uniqueName()}`;
  const database = ssl.write(`${name}.index`, '');
  const serial = ssl.write(`${name}.serial`, `${randomBytes(12).toString('hex')}\n`);
  const config = ssl.write(
    `${name}.cnf`,
    [
      '[ca]',
      'default_ca = outside',
      '[outside]',
      `database = ${database}`,
      `new_certs_dir = ${ssl.dir}`,
      `serial = ${serial}`,
      'default_md = sha256',
      'policy = any',
      'unique_subject = no',
      '[any]',
      'commonName = optional',
      'organizationName = optional',
      '',
    ].join('\n'),
  );
  const csrPath = ssl.write(`${name}.csr`, csrPem);
  const extPath = ssl.write(`${name}.ext`, `${extensions.join('\n')}\n`);
  const certPath = ssl.path(`${name}.pem`);
  const result = ssl.run([
    'ca',
    '-batch',
    '-config',
    config,
    '-cert',
    issuer.certPath,
    '-keyfile',
    issuer.keyPath,
    '-in',
    csrPath,
    '-startdate',
    startDate,
    '-enddate',
    endDate,
    '-extfile',
    extPath,
    '-preserveDN',
    '-notext',
    '-out',
    certPath,
  ]);
  if (!result.ok) throw new Error(result.output);
  return { certificate: readFileSync(certPath, 'utf8'), certPath };
}

/**
 * A certificate made outside for a fresh key, signed by `issuer` with `extensions`, usable in turn
 * as an issuer by `signOutside` (an outside intermediate, or a CA:FALSE certificate posing as one).
 */
export function outsideIssuer(
  ssl: OpensslWorkspace,
  issuer: OutsideCa,
  subject: string,
  extensions: string[],
  days = 90,
): OutsideCa {
  const { csr, keyPath } = ssl.csr(`outside-issuer-${uniqueName()}`, EC_P256, subject);
  return { ...signOutside(ssl, issuer, csr, extensions, days), keyPath };
}

/** A JSON value nested `depth` levels deep (objects and arrays alternating), built without recursion. */
export function nestedJson(depth: number, leaf: unknown = 'deep'): unknown {
  let value: unknown = leaf;
  for (let level = 0; level < depth; level++) value = level % 2 === 0 ? [value] : { level: value };
  return value;
}

/** Writes a PEM to a fresh file of the workspace and returns its path. */
export function writePem(ssl: OpensslWorkspace, pem: string, prefix = 'pem'): string {
  return ssl.write(`${prefix}-${uniqueName()}.pem`, pem);
}

/** `openssl verify -CAfile root [-untrusted chain] leaf`. */
export function opensslVerify(
  ssl: OpensslWorkspace,
  rootPem: string,
  leafPem: string,
  untrustedPem?: string,
  extra: string[] = [],
): { ok: boolean; output: string } {
  const args = ['verify', ...extra, '-CAfile', writePem(ssl, rootPem, 'root')];
  if (untrustedPem) args.push('-untrusted', writePem(ssl, untrustedPem, 'untrusted'));
  args.push(writePem(ssl, leafPem, 'leaf'));
  return ssl.run(args);
}

/** The value of one Prometheus sample line (`name{labels} value`); NaN when absent. */
export function metricValue(metrics: string, sample: string): number {
  const line = metrics.split('\n').find((item) => item.startsWith(`${sample} `));
  return line === undefined ? Number.NaN : Number(line.slice(sample.length + 1));
}

/** One audit row as GET /audit-logs returns it, without its id, time and detail. */
export interface AuditEntry {
  action: string;
  user_id: number | null;
  organization_id: number | null;
  resource_type: string | null;
  resource_id: number | null;
}

/** The audit rows of one action on one resource through GET /audit-logs (as `reader`), oldest first. */
export async function auditEntries(
  testApp: TestApp,
  reader: TestUser,
  action: string,
  resourceId?: number,
): Promise<AuditEntry[]> {
  const query = new URLSearchParams({ action, limit: '1000' });
  if (resourceId !== undefined) query.set('resource_id', String(resourceId));
  const response = await testApp
    .http()
    .get(`/api/v1/audit-logs/?${query.toString()}`)
    .set(...bearer(reader));
  if (response.status !== 200)
    throw new Error(`GET /audit-logs/?${query.toString()} answered ${response.status}: ${response.text}`);
  const rows: (AuditEntry & { id: number })[] = response.body;
  return [...rows]
    .sort((a, b) => a.id - b.id)
    .map((row) => ({
      action: row.action,
      user_id: row.user_id,
      organization_id: row.organization_id,
      resource_type: row.resource_type,
      resource_id: row.resource_id,
    }));
}

/**
 * The reason `openssl crl -text` prints for one serial; null when the entry has no reason code.
 * Fails when the serial is not on the CRL.
 */
export function crlReason(ssl: OpensslWorkspace, crlPem: string, serial: string): string | null {
  const file = ssl.write(`crl-${uniqueName()}.pem`, crlPem);
  const result = ssl.run(['crl', '-in', file, '-noout', '-text']);
  if (!result.ok) throw new Error(result.output);
  const wanted = normalSerial(serial);
  const entry = result.output
    .split(/\n\s*Serial Number: /)
    .slice(1)
    .find((item) => normalSerial(item.split('\n')[0]) === wanted);
  if (entry === undefined) throw new Error(`serial ${serial} is not on the CRL`);
  return /CRL Reason Code:\s*\n\s*(.+)/.exec(entry)?.[1].trim() ?? null;
}
