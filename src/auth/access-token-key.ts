import { createSecretKey, KeyObject } from 'node:crypto';
import { RuntimeSecrets } from '../config/secret-files';

/**
 * The HS256 key for signing and verifying access tokens. A KeyObject, not the string: given a string,
 * jsonwebtoken first tries (and fails) to parse it as a PEM public key on every verification, about
 * 0.5 ms of OpenSSL decoder work per request.
 */
export function accessTokenKey(secrets: RuntimeSecrets): KeyObject {
  return createSecretKey(Buffer.from(secrets.jwtSecret, 'utf8'));
}
