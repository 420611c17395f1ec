import { createCipheriv, createDecipheriv, randomBytes, scrypt } from 'node:crypto';

/** The KEK sealed under a passphrase, as written into a backup made with --include-kek. */
export interface KekEnvelope {
  kdf: 'scrypt';
  /** scrypt cost parameters, kept so a later release may raise them and still open old backups. */
  n: number;
  r: number;
  p: number;
  salt: string;
  cipher: 'aes-256-gcm';
  nonce: string;
  ciphertext: string;
  tag: string;
}

export class WrongPassphraseError extends Error {
  constructor() {
    super('The passphrase (CA_BACKUP_PASSPHRASE) does not open the KEK sealed in this backup');
    this.name = 'WrongPassphraseError';
  }
}

export const MIN_PASSPHRASE_LENGTH = 12;
/** RFC 7914 §2 parameters for interactive use; 2^15 × 8 × 128 bytes = 32 MiB of memory per derivation. */
const SCRYPT_COST = { N: 2 ** 15, r: 8, p: 1 };
const SCRYPT_MAX_MEMORY = 64 * 1024 * 1024;
const ASSOCIATED_DATA = Buffer.from('private-ca-backup-kek-v1');

function deriveKey(
  passphrase: string,
  salt: Buffer,
  cost: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(passphrase.normalize('NFC'), salt, 32, { ...cost, maxmem: SCRYPT_MAX_MEMORY }, (error, key) =>
      error ? reject(error) : resolve(key),
    ),
  );
}

export async function sealKek(kek: Buffer, passphrase: string): Promise<KekEnvelope> {
  if (passphrase.length < MIN_PASSPHRASE_LENGTH) {
    throw new Error(`The backup passphrase must be at least ${MIN_PASSPHRASE_LENGTH} characters`);
  }
  const salt = randomBytes(16);
  const nonce = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', await deriveKey(passphrase, salt, SCRYPT_COST), nonce);
  cipher.setAAD(ASSOCIATED_DATA);
  const ciphertext = Buffer.concat([cipher.update(kek), cipher.final()]);
  return {
    kdf: 'scrypt',
    n: SCRYPT_COST.N,
    r: SCRYPT_COST.r,
    p: SCRYPT_COST.p,
    salt: salt.toString('base64'),
    cipher: 'aes-256-gcm',
    nonce: nonce.toString('base64'),
    ciphertext: ciphertext.toString('base64'),
    tag: cipher.getAuthTag().toString('base64'),
  };
}

/** Throws WrongPassphraseError when the passphrase is wrong or the envelope was altered (GCM tag). */
export async function openKek(envelope: KekEnvelope, passphrase: string): Promise<Buffer> {
  if (envelope.kdf !== 'scrypt' || envelope.cipher !== 'aes-256-gcm') {
    throw new Error(`Unknown KEK envelope (${String(envelope.kdf)}, ${String(envelope.cipher)})`);
  }
  const key = await deriveKey(passphrase, Buffer.from(envelope.salt, 'base64'), {
    N: envelope.n,
    r: envelope.r,
    p: envelope.p,
  });
  try {
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(envelope.nonce, 'base64'), {
      authTagLength: 16,
    });
    decipher.setAAD(ASSOCIATED_DATA);
    decipher.setAuthTag(Buffer.from(envelope.tag, 'base64'));
    const kek = Buffer.concat([
      decipher.update(Buffer.from(envelope.ciphertext, 'base64')),
      decipher.final(),
    ]);
    if (kek.length !== 32) throw new WrongPassphraseError();
    return kek;
  } catch {
    throw new WrongPassphraseError();
  }
}
