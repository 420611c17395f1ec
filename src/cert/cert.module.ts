import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CaModule } from '../ca/ca.module';
import { CertController } from './cert.controller';
import { CertService } from './cert.service';
import { Certificate } from './certificate.entity';
import { ExportController } from './export.controller';

@Module({
  imports: [TypeOrmModule.forFeature([Certificate]), CaModule],
  controllers: [CertController, ExportController],
  providers: [CertService],
  exports: [CertService],
})
export class CertModule {}
