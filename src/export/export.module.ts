import { Module } from '@nestjs/common';
import { CaModule } from '../ca/ca.module';
import { CertModule } from '../cert/cert.module';
import { ExportController } from './export.controller';
import { ExportService } from './export.service';

@Module({
  imports: [CaModule, CertModule],
  controllers: [ExportController],
  providers: [ExportService],
})
export class ExportModule {}
