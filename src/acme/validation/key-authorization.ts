import { createHash } from 'node:crypto';
import { calculateJwkThumbprint, type JWK } from 'jose';

/** RFC 8555 §8.1: token "." base64url(SHA-256 JWK thumbprint of the account key, RFC 7638). */
export async function keyAuthorization(token: string, accountJwk: JWK): Promise<string> {
  return `${token}.${await calculateJwkThumbprint(accountJwk, 'sha256')}`;
}

/** SHA-256 of the key authorization: the dns-01 TXT value (base64url) and the tls-alpn-01 extension value. */
export function keyAuthorizationDigest(keyAuthorization: string): Buffer {
  return createHash('sha256').update(keyAuthorization, 'utf8').digest();
}
