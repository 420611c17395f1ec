import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/** Encrypts private keys at rest. Failures to unseal are server faults, never the caller's input. */
export interface KeySealer {
  seal(plaintext: Buffer): Promise<string>;
  unseal(sealed: string): Promise<Buffer>;
}

export const KEY_SEALER = Symbol('KEY_SEALER');

const VERSION = 'v1';
const KEY_ID = /^[A-Za-z0-9_-]{1,32}$/;

/**
 * AES-256-GCM under a local 32-byte KEK. Sealed text: `v1.<kekId>.<nonce>.<ciphertext>.<tag>` (base64url
 * parts); the version and KEK id are authenticated as associated data, so a rotated KEK is told apart.
 */
export class LocalKeySealer implements KeySealer {
  readonly kekId: string;
  private readonly kek: Buffer;

  /** `kekId` defaults to a short fingerprint of the KEK. */
  constructor(kek: Buffer, kekId?: string) {
    if (!Buffer.isBuffer(kek) || kek.length !== 32)
      throw new Error('The key encryption key must be 32 bytes');
    this.kek = Buffer.from(kek);
    this.kekId =
      kekId ?? createHash('sha256').update('key-sealer-kek-id').update(kek).digest('hex').slice(0, 8);
    if (!KEY_ID.test(this.kekId)) throw new Error('The KEK id may only contain letters, digits, "-" and "_"');
  }

  seal(plaintext: Buffer): Promise<string> {
    const nonce = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.kek, nonce);
    cipher.setAAD(Buffer.from(`${VERSION}.${this.kekId}`));
    const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
    const tag = cipher.getAuthTag();
    return Promise.resolve(
      [
        VERSION,
        this.kekId,
        nonce.toString('base64url'),
        ciphertext.toString('base64url'),
        tag.toString('base64url'),
      ].join('.'),
    );
  }

  unseal(sealed: string): Promise<Buffer> {
    const parts = typeof sealed === 'string' ? sealed.split('.') : [];
    if (parts.length !== 5 || parts[0] !== VERSION) {
      return Promise.reject(new Error('Sealed key is not in the v1 sealed format'));
    }
    const [version, kekId, nonceText, ciphertextText, tagText] = parts;
    if (kekId !== this.kekId) {
      return Promise.reject(
        new Error(`Sealed key was sealed with KEK "${kekId}", but the configured KEK is "${this.kekId}"`),
      );
    }
    const nonce = Buffer.from(nonceText, 'base64url');
    const tag = Buffer.from(tagText, 'base64url');
    if (nonce.length !== 12 || tag.length !== 16) return Promise.reject(new Error('Sealed key is truncated'));
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.kek, nonce, { authTagLength: 16 });
      decipher.setAAD(Buffer.from(`${version}.${kekId}`));
      decipher.setAuthTag(tag);
      return Promise.resolve(
        Buffer.concat([decipher.update(Buffer.from(ciphertextText, 'base64url')), decipher.final()]),
      );
    } catch {
      return Promise.reject(new Error('Sealed key failed authentication: wrong KEK or tampered data'));
    }
  }
}
