import { Global, Module } from '@nestjs/common';
import { CaModule } from '../ca/ca.module';
import { CertModule } from '../cert/cert.module';
import { RuntimeSecrets } from '../config/secret-files';
import { CryptoModule } from '../crypto/crypto.module';
import { KEY_SEALER, LocalKeySealer } from '../crypto/key-sealer';
import { KeyResealer } from './key-resealer';
import { PrivateKeyVault } from './private-key-vault';

/**
 * The key-sealing backend: a local KEK today; an external KMS or HSM can provide KEY_SEALER instead.
 * KEK rotation reaches the sealed keys through the CA and certificate modules.
 */
@Global()
@Module({
  imports: [CryptoModule, CaModule, CertModule],
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
