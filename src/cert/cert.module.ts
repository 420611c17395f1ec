import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CaModule } from '../ca/ca.module';
import { CertController } from './cert.controller';
import { CertificateIssuanceService } from './certificate-issuance.service';
import { CertificateRecordsService } from './certificate-records.service';
import { Certificate } from './certificate.entity';
import { CertificateRepository } from './certificate.repository';

@Module({
  imports: [TypeOrmModule.forFeature([Certificate]), CaModule],
  controllers: [CertController],
  providers: [CertificateRepository, CertificateIssuanceService, CertificateRecordsService],
  exports: [CertificateIssuanceService, CertificateRecordsService],
})
export class CertModule {}
