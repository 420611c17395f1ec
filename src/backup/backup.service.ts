import { Injectable } from '@nestjs/common';
import { authorize } from '../access/authorize';
import { AuditService } from '../audit/audit.service';
import { InvalidInputError } from '../common/errors';
import { AuthContext } from '../common/request-context';
import { AppConfig } from '../config/app-config';
import { RuntimeSecrets } from '../config/secret-files';
import { LocalKeySealer } from '../crypto/key-sealer';
import { Transactions } from '../database/transactions';
import { BackupHeader } from './backup-format';
import { DatabaseExporter } from './database-export';
import { CreateBackupDto } from './dto/create-backup.dto';
import { sealKek } from './kek-envelope';

/** Backups of the running service: the way to back up the embedded database, which no other process may open. */
@Injectable()
export class BackupService {
  constructor(
    private readonly transactions: Transactions,
    private readonly database: DatabaseExporter,
    private readonly config: AppConfig,
    private readonly secrets: RuntimeSecrets,
    private readonly audit: AuditService,
  ) {}

  /**
   * Refusals come before the first byte is written. The audit row commits before the snapshot is
   * taken, so the backup carries the record of its own making.
   */
  async backup(
    auth: AuthContext,
    dto: CreateBackupDto,
    sink: (text: string) => Promise<void>,
  ): Promise<BackupHeader> {
    authorize(auth.user, 'back_up_system');
    if (dto.include_kek && !dto.passphrase) {
      throw new InvalidInputError('include_kek needs a passphrase to seal the KEK with');
    }
    const kekEnvelope =
      dto.include_kek && dto.passphrase ? await sealKek(this.secrets.keyEncryptionKey, dto.passphrase) : null;
    await this.transactions.run((tx) =>
      this.audit.record(tx, {
        action: 'system_backup',
        actor: { id: auth.user.id, username: auth.user.username },
        organizationId: null,
        resourceType: 'system',
        resourceId: null,
        clientAddress: auth.clientAddress,
        detail: { kek_included: kekEnvelope !== null },
      }),
    );
    return this.database.export(
      {
        database: this.config.database.kind === 'postgres' ? 'postgres' : 'pglite',
        kekId: new LocalKeySealer(this.secrets.keyEncryptionKey).kekId,
        kekEnvelope,
      },
      sink,
    );
  }
}
