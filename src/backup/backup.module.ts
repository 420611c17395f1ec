import { Module } from '@nestjs/common';
import { BackupController } from './backup.controller';
import { BackupService } from './backup.service';
import { DatabaseExporter } from './database-export';

@Module({
  controllers: [BackupController],
  providers: [BackupService, DatabaseExporter],
})
export class BackupModule {}
