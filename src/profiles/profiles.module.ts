import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CertificateProfileEntity } from './certificate-profile.entity';
import { ProfileRepository } from './profile.repository';
import { ProfilesController } from './profiles.controller';
import { ProfilesService } from './profiles.service';

/** Certificate profiles. Imported by the modules that issue (CA, certificates); imports none of them. */
@Module({
  imports: [TypeOrmModule.forFeature([CertificateProfileEntity])],
  controllers: [ProfilesController],
  providers: [ProfileRepository, ProfilesService],
  exports: [ProfilesService],
})
export class ProfilesModule {}
