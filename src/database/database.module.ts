import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { DatabaseOutageMonitor } from './database-outage.monitor';
import { buildDataSourceOptions } from './data-source-options';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => buildDataSourceOptions(config.database),
    }),
  ],
  providers: [DatabaseOutageMonitor],
  exports: [DatabaseOutageMonitor],
})
export class DatabaseModule {}
