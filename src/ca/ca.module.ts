import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { ProfilesModule } from '../profiles/profiles.module';
import { CaLifecycleService } from './ca-lifecycle.service';
import { CaController } from './ca.controller';
import { CaService } from './ca.service';
import { CertificateAuthority } from './certificate-authority.entity';
import { CertificateAuthorityRepository } from './certificate-authority.repository';
import { CrlRefresher } from './crl-refresher';
import { CrlState } from './crl-state.entity';
import { CrlRepository } from './crl.repository';
import { CrlService } from './crl.service';
import { IssuerCache } from './issuer-cache';

@Module({
  imports: [TypeOrmModule.forFeature([CertificateAuthority, CrlState]), ProfilesModule],
  controllers: [CaController],
  providers: [
    CertificateAuthorityRepository,
    CrlRepository,
    CaService,
    CaLifecycleService,
    CrlService,
    CrlRefresher,
    IssuerCache,
  ],
  exports: [CaService, CrlService, CrlRefresher, ProfilesModule],
})
export class CaModule {}
