import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { UsersModule } from '../users/users.module';
import { Organization } from './organization.entity';
import { OrganizationRepository } from './organization.repository';
import { OrgsController } from './orgs.controller';
import { OrgsService } from './orgs.service';

@Module({
  imports: [TypeOrmModule.forFeature([Organization]), UsersModule],
  controllers: [OrgsController],
  providers: [OrgsService, OrganizationRepository],
})
export class OrgsModule {}
