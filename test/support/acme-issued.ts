import * as acme from 'acme-client';
import { createPrivateKey, createPublicKey, X509Certificate } from 'node:crypto';
import { exportJWK, FlattenedSign } from 'jose';
import { OpensslWorkspace } from './openssl';
import { AcmeProfileBody, AcmeTestApp, acmeFixture, createAcmeProfile, startListeningTestApp } from './acme';
import { CaBody, pemBlocks } from './pki';
import { TestApp, TestUser } from './test-app';

/** A listening app with an ACME profile (no EAB) under an unowned root, and two accounts. */
export interface AcmeServerFixture {
  testApp: AcmeTestApp;
  superuser: TestUser;
  root: CaBody;
  profile: AcmeProfileBody;
  directoryUrl: string;
  directory: Record<string, string>;
  accounts: [AcmeTestAccount, AcmeTestAccount];
}

export async function startAcmeServer(): Promise<AcmeServerFixture> {
  const testApp = await startListeningTestApp();
  const { superuser, root } = await acmeFixture(testApp);
  const profile = await createAcmeProfile(testApp, superuser, root, { acme_eab_required: false });
  const directoryUrl = profile.acme_directory_url ?? '';
  return {
    testApp,
    superuser,
    root,
    profile,
    directoryUrl,
    directory: await directoryOf(directoryUrl),
    accounts: [await createAcmeAccount(directoryUrl), await createAcmeAccount(directoryUrl)],
  };
}

export interface AcmeTestAccount {
  client: acme.Client;
  id: number;
  url: string;
  keyPem: string;
}

/** A new account at `directoryUrl` (the profile needs no EAB), with acme-client. */
export async function createAcmeAccount(directoryUrl: string): Promise<AcmeTestAccount> {
  const accountKey = await acme.crypto.createPrivateEcdsaKey();
  const client = new acme.Client({ directoryUrl, accountKey, backoffAttempts: 1 });
  await client.createAccount({ termsOfServiceAgreed: true });
  const url = client.getAccountUrl();
  return { client, url, id: Number(url.split('/').pop()), keyPem: accountKey.toString() };
}

export interface AcmeIssued {
  id: number;
  pem: string;
  keyPem: string;
  serialNumber: string;
}

/**
 * A certificate ordered by `account` through newOrder and finalize, its authorizations made valid in
 * the database as the validator would leave them once the challenges passed.
 */
export async function orderCertificate(
  testApp: TestApp,
  account: AcmeTestAccount,
  names: string[],
): Promise<AcmeIssued> {
  const order = await account.client.createOrder({
    identifiers: names.map((value) => ({ type: 'dns', value })),
  });
  const authorizationIds = order.authorizations.map((url) => Number(url.split('/').pop()));
  await testApp.dataSource.query(
    `UPDATE acme_authorizations SET status = 'valid' WHERE id = ANY ($1::integer[])`,
    [authorizationIds],
  );
  const [key, csr] = await acme.crypto.createCsr({ commonName: names[0], altNames: names });
  const finalized = await account.client.finalizeOrder(order, csr);
  const [pem] = pemBlocks(await account.client.getCertificate(finalized));
  const id = Number((finalized.certificate ?? '').split('/').pop());
  const [row] = (await testApp.dataSource.query(`SELECT serial_number FROM certificates WHERE id = $1`, [
    id,
  ])) as { serial_number: string }[];
  return { id, pem, keyPem: key.toString(), serialNumber: row.serial_number };
}

/**
 * The ARI certificate identifier (RFC 9773 4.1), computed apart from the server: the AKI keyIdentifier
 * as openssl prints it, and the serial's DER INTEGER content bytes.
 */
export function ariCertificateId(ssl: OpensslWorkspace, pem: string): string {
  const file = ssl.write(`ari-${Date.now()}-${Math.random().toString(36).slice(2)}.pem`, pem);
  const result = ssl.run(['x509', '-in', file, '-noout', '-ext', 'authorityKeyIdentifier']);
  if (!result.ok) throw new Error(result.output);
  const hex = /((?:[0-9A-F]{2}:)+[0-9A-F]{2})/.exec(result.output)?.[1];
  if (!hex) throw new Error(`No AKI keyIdentifier in: ${result.output}`);
  const keyId = Buffer.from(hex.replace(/:/g, ''), 'hex');
  let serial = new X509Certificate(pem).serialNumber.replace(/^(00)+/, '');
  if (serial.length % 2) serial = `0${serial}`;
  const content = Buffer.from(serial, 'hex');
  const integer = content[0] & 0x80 ? Buffer.concat([Buffer.from([0]), content]) : content;
  return `${keyId.toString('base64url')}.${integer.toString('base64url')}`;
}

export interface AcmeAnswer {
  status: number;
  headers: Headers;
  body: Record<string, unknown> | null;
}

/**
 * A request signed by hand (RFC 8555 6.2), for what acme-client does not send: the certificate's own
 * key (`jwk`), or an account's (`kid`) with a payload of the spec's choosing.
 */
export async function postJws(
  directoryUrl: string,
  url: string,
  payload: unknown,
  signer: { keyPem: string; kid?: string },
): Promise<AcmeAnswer> {
  const key = createPrivateKey(signer.keyPem);
  const alg = key.asymmetricKeyType === 'ec' ? 'ES256' : 'RS256';
  const nonceUrl = (await directoryOf(directoryUrl)).newNonce;
  const nonce = (await fetch(nonceUrl, { method: 'HEAD' })).headers.get('replay-nonce') ?? '';
  const header = signer.kid
    ? { alg, kid: signer.kid, nonce, url }
    : { alg, jwk: await exportJWK(createPublicKey(key)), nonce, url };
  const jws = await new FlattenedSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header)
    .sign(key);
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/jose+json' },
    body: JSON.stringify(jws),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    body: text ? (JSON.parse(text) as Record<string, unknown>) : null,
  };
}

export async function directoryOf(directoryUrl: string): Promise<Record<string, string>> {
  return (await (await fetch(directoryUrl)).json()) as Record<string, string>;
}

/** The DER of a PEM certificate, base64url: revokeCert's "certificate". */
export function certificateField(pem: string): string {
  return new X509Certificate(pem).raw.toString('base64url');
}
