import { Global, Module } from '@nestjs/common';
import { RuntimeSecrets } from '../config/secret-files';
import { CryptoModule } from '../crypto/crypto.module';
import { KEY_SEALER, LocalKeySealer } from '../crypto/key-sealer';
import { KeyResealer } from './key-resealer';
import { PrivateKeyVault } from './private-key-vault';

/** The key-sealing backend: a local KEK today; an external KMS or HSM can provide KEY_SEALER instead. */
@Global()
@Module({
  imports: [CryptoModule],
  providers: [
    {
      provide: KEY_SEALER,
      inject: [RuntimeSecrets],
      useFactory: (secrets: RuntimeSecrets) => new LocalKeySealer(secrets.keyEncryptionKey),
    },
    PrivateKeyVault,
    KeyResealer,
  ],
  exports: [PrivateKeyVault, KeyResealer, CryptoModule],
})
export class KeysModule {}
