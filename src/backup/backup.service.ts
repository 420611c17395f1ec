import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { can } from '../access/policy';
import { AuditService } from '../audit/audit.service';
import { ForbiddenError, InvalidInputError } from '../common/errors';
import { AuthContext } from '../common/request-context';
import { AppConfig } from '../config/app-config';
import { RuntimeSecrets } from '../config/secret-files';
import { LocalKeySealer } from '../crypto/key-sealer';
import { BackupHeader } from './backup-format';
import { exportDatabase } from './database-export';
import { CreateBackupDto } from './dto/create-backup.dto';
import { sealKek } from './kek-envelope';

/** Backups of the running service: the way to back up the embedded database, which no other process may open. */
@Injectable()
export class BackupService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
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
    if (!can(auth.user, 'back_up_system'))
      throw new ForbiddenError('Only superusers may back up the service');
    if (dto.include_kek && !dto.passphrase) {
      throw new InvalidInputError('include_kek needs a passphrase to seal the KEK with');
    }
    const kekEnvelope =
      dto.include_kek && dto.passphrase ? await sealKek(this.secrets.keyEncryptionKey, dto.passphrase) : null;
    await this.dataSource.transaction((manager) =>
      this.audit.record(manager, {
        action: 'system_backup',
        actor: { id: auth.user.id, username: auth.user.username },
        organizationId: null,
        resourceType: 'system',
        resourceId: null,
        clientAddress: auth.clientAddress,
        detail: { kek_included: kekEnvelope !== null },
      }),
    );
    return exportDatabase(
      this.dataSource,
      {
        database: this.config.database.kind === 'postgres' ? 'postgres' : 'pglite',
        kekId: new LocalKeySealer(this.secrets.keyEncryptionKey).kekId,
        kekEnvelope,
      },
      sink,
    );
  }
}
