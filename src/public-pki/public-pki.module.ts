import { Module } from '@nestjs/common';
import { CaModule } from '../ca/ca.module';
import { PublicPkiController } from './public-pki.controller';
import { PublicPkiService } from './public-pki.service';

@Module({
  imports: [CaModule],
  controllers: [PublicPkiController],
  providers: [PublicPkiService],
})
export class PublicPkiModule {}
