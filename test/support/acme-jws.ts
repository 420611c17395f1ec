import { createSecretKey, generateKeyPairSync, KeyObject, randomBytes } from 'node:crypto';
import { exportJWK, FlattenedJWSInput, FlattenedSign, JWK } from 'jose';

/**
 * ACME requests written by hand (RFC 8555 6.2): any protected header, any payload, any signing key,
 * for the refusals a well-behaved client such as acme-client never provokes.
 */

export interface FlattenedJws {
  protected: string;
  payload: string;
  signature: string;
}

/** An account key: the private key signs, `jwk` is the public half, `pem` what acme-client takes. */
export interface AccountKey {
  privateKey: KeyObject;
  jwk: JWK;
  pem: string;
}

export async function accountKey(): Promise<AccountKey> {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return {
    privateKey,
    jwk: await exportJWK(publicKey),
    pem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

const b64 = (text: string): string => Buffer.from(text, 'utf8').toString('base64url');

/** `payload`: an object (JSON), '' (POST-as-GET), or raw text sent as it is. */
function encodedPayload(payload: unknown): string {
  if (payload === '') return '';
  return b64(typeof payload === 'string' ? payload : JSON.stringify(payload));
}

/** A JWS signed with `key` (ES256 for an EC P-256 key, HS* for a secret) over any protected header. */
export async function signJws(
  key: KeyObject,
  header: Record<string, unknown> & { alg: string },
  payload: unknown,
): Promise<FlattenedJws> {
  const signed = await new FlattenedSign(Buffer.from(encodedPayload(payload), 'base64url'))
    .setProtectedHeader(header as Parameters<FlattenedSign['setProtectedHeader']>[0])
    .sign(key);
  return { protected: signed.protected ?? '', payload: signed.payload, signature: signed.signature };
}

/** `alg: none`: no signature at all. */
export function unsignedJws(header: Record<string, unknown>, payload: unknown): FlattenedJws {
  return { protected: b64(JSON.stringify(header)), payload: encodedPayload(payload), signature: '' };
}

export type EabAlgorithm = 'HS256' | 'HS384' | 'HS512';

/** The externalAccountBinding of newAccount (RFC 8555 7.3.4): the account key, MACed with the EAB key. */
export function eabBinding(
  kid: string,
  hmacKey: string,
  newAccountUrl: string,
  jwk: JWK,
  alg: EabAlgorithm = 'HS256',
): Promise<FlattenedJws> {
  return signJws(createSecretKey(Buffer.from(hmacKey, 'base64url')), { alg, kid, url: newAccountUrl }, jwk);
}

/** An HMAC key no server issued. */
export function randomHmacKey(): string {
  return randomBytes(32).toString('base64url');
}

export interface AcmeReply {
  status: number;
  headers: Headers;
  text: string;
  body: Record<string, unknown>;
}

/** One profile's ACME server, spoken to with fetch. */
export class RawAcme {
  constructor(readonly directoryUrl: string) {}

  get base(): string {
    return this.directoryUrl.replace(/\/directory$/, '');
  }

  url(path: string): string {
    return `${this.base}/${path}`;
  }

  async nonce(): Promise<string> {
    const response = await fetch(this.url('new-nonce'), { method: 'HEAD' });
    const nonce = response.headers.get('replay-nonce');
    if (response.status !== 200 || !nonce) throw new Error(`new-nonce: ${response.status}`);
    return nonce;
  }

  /** POSTs `body` (a JWS, or raw text) to `url`. */
  async post(
    url: string,
    body: FlattenedJws | FlattenedJWSInput | string,
    contentType = 'application/jose+json',
  ): Promise<AcmeReply> {
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': contentType },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return replyOf(response);
  }

  async get(url: string, method: 'GET' | 'HEAD' = 'GET'): Promise<AcmeReply> {
    return replyOf(await fetch(url, { method }));
  }

  /** A request signed by `key` with a fresh nonce: `jwk` (newAccount) unless `kid` (an account URL) is given. */
  async signed(
    url: string,
    key: AccountKey,
    payload: unknown,
    options: { kid?: string; header?: Record<string, unknown> } = {},
  ): Promise<FlattenedJws> {
    const identity = options.kid === undefined ? { jwk: key.jwk } : { kid: options.kid };
    return signJws(
      key.privateKey,
      { alg: 'ES256', nonce: await this.nonce(), url, ...identity, ...options.header },
      payload,
    );
  }

  /** newAccount with `key`, bound with an EAB key when one is given. */
  async newAccount(
    key: AccountKey,
    payload: Record<string, unknown> = {},
    eab?: { kid: string; hmacKey: string; alg?: EabAlgorithm },
  ): Promise<AcmeReply> {
    const url = this.url('new-account');
    const binding = eab && (await eabBinding(eab.kid, eab.hmacKey, url, key.jwk, eab.alg));
    const body = {
      termsOfServiceAgreed: true,
      ...payload,
      ...(binding && { externalAccountBinding: binding }),
    };
    return this.post(url, await this.signed(url, key, body));
  }
}

async function replyOf(response: Response): Promise<AcmeReply> {
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    body = {};
  }
  return { status: response.status, headers: response.headers, text, body };
}
