import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CertModule } from '../cert/cert.module';
import { CertificateRequest } from './certificate-request.entity';
import { CertificateRequestRepository } from './certificate-request.repository';
import { RequestsController } from './requests.controller';
import { RequestsService } from './requests.service';

@Module({
  imports: [TypeOrmModule.forFeature([CertificateRequest]), CertModule],
  controllers: [RequestsController],
  providers: [RequestsService, CertificateRequestRepository],
  exports: [RequestsService],
})
export class RequestsModule {}
