import { Inject, Injectable } from '@nestjs/common';
import { KeyObject } from 'node:crypto';
import { KEY_SEALER, KeySealer } from '../crypto/key-sealer';
import { CryptoService } from '../crypto/crypto.service';

/** Private keys go to the database only sealed, and come back only as KeyObjects or PEM on demand. */
@Injectable()
export class PrivateKeyVault {
  constructor(
    @Inject(KEY_SEALER) private readonly sealer: KeySealer,
    private readonly crypto: CryptoService,
  ) {}

  seal(key: KeyObject): Promise<string> {
    return this.sealPem(this.crypto.exportPrivateKeyPem(key));
  }

  /** For a caller that also returns the PEM, so the key is exported once. */
  sealPem(privateKeyPem: string): Promise<string> {
    return this.sealer.seal(Buffer.from(privateKeyPem, 'utf8'));
  }

  async unseal(sealed: string): Promise<KeyObject> {
    return this.crypto.importPrivateKeyPem((await this.sealer.unseal(sealed)).toString('utf8'));
  }

  /** A secret the service must read back (an ACME EAB HMAC key), sealed like a private key. */
  sealSecret(secret: Buffer): Promise<string> {
    return this.sealer.seal(secret);
  }

  unsealSecret(sealed: string): Promise<Buffer> {
    return this.sealer.unseal(sealed);
  }

  async unsealPem(sealed: string): Promise<string> {
    return (await this.sealer.unseal(sealed)).toString('utf8');
  }
}
