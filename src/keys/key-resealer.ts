import { Inject, Injectable } from '@nestjs/common';
import { CaService } from '../ca/ca.service';
import { CertificateRecordsService } from '../cert/certificate-records.service';
import { KEY_SEALER, KeySealer } from '../crypto/key-sealer';
import { Transaction, Transactions } from '../database/transactions';

/** A module holding sealed keys: CAs' and certificates' private keys, ACME EAB keys. */
export interface SealedKeyHolder {
  sealedKeysForResealing(tx: Transaction): Promise<{ id: number; sealed: string }[]>;
  replaceSealedKey(tx: Transaction, id: number, sealed: string): Promise<void>;
}

/**
 * KEK rotation: every sealed key is unsealed with the current sealer and sealed again with the
 * new one, in one transaction, so the database never holds a mix the running config cannot read.
 */
@Injectable()
export class KeyResealer {
  private readonly holders: SealedKeyHolder[];

  constructor(
    private readonly transactions: Transactions,
    @Inject(KEY_SEALER) private readonly current: KeySealer,
    cas: CaService,
    certificates: CertificateRecordsService,
  ) {
    this.holders = [cas, certificates];
  }

  /** For a module that cannot be imported here (it imports the modules this one does). */
  register(holder: SealedKeyHolder): void {
    this.holders.push(holder);
  }

  async resealAll(next: KeySealer): Promise<number> {
    return this.transactions.run(async (tx) => {
      let count = 0;
      for (const holder of this.holders) {
        for (const row of await holder.sealedKeysForResealing(tx)) {
          const resealed = await next.seal(await this.current.unseal(row.sealed));
          await holder.replaceSealedKey(tx, row.id, resealed);
          count += 1;
        }
      }
      return count;
    });
  }
}
