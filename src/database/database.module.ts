import { Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AppConfig } from '../config/app-config';
import { DatabaseOutageMonitor } from './database-outage.monitor';
import { buildDataSourceOptions } from './data-source-options';
import { DatabaseServer } from './database-server';
import { Transactions } from './transactions';

/** Global, like the DataSource it provides: every module runs transactions and may report an outage. */
@Global()
@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => buildDataSourceOptions(config.database),
    }),
  ],
  providers: [DatabaseOutageMonitor, DatabaseServer, Transactions],
  exports: [DatabaseOutageMonitor, DatabaseServer, Transactions],
})
export class DatabaseModule {}
