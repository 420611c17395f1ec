import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { DatabaseOutageMonitor } from './database-outage.monitor';
import { buildDataSourceOptions } from './data-source-options';

/** Global, like the DataSource it provides: every module may report a database outage. */
@Global()
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
