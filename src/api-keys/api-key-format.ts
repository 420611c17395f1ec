import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * `pkca_<key id>_<secret>`: the prefix lets secret scanners (GitHub's, gitleaks, trufflehog) find a
 * leaked key; the id is public (audit rows name it); the secret is 256 random bits, base64url.
 */
const PREFIX = 'pkca_';
const ID_BYTES = 8;
const SECRET_BYTES = 32;
const FORMAT = /^pkca_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface MintedKey {
  id: string;
  secretHash: Buffer;
  /** The whole key, shown once. */
  value: string;
}

export function mintApiKey(): MintedKey {
  const id = randomBytes(ID_BYTES).toString('hex');
  const secret = randomBytes(SECRET_BYTES).toString('base64url');
  return { id, secretHash: hashSecret(secret), value: `${PREFIX}${id}_${secret}` };
}

/** The key's id and secret, or null when the value is not shaped like one of our keys. */
export function parseApiKey(value: string): { id: string; secret: string } | null {
  const match = FORMAT.exec(value);
  return match ? { id: match[1], secret: match[2] } : null;
}

/** Whether a bearer value claims to be an API key (and is to be judged as one, not as a JWT). */
export function looksLikeApiKey(value: string): boolean {
  return value.startsWith(PREFIX);
}

export function secretMatches(secret: string, storedHash: Buffer): boolean {
  const presented = hashSecret(secret);
  return presented.length === storedHash.length && timingSafeEqual(presented, storedHash);
}

function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret).digest();
}
