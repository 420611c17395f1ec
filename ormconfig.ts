import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { loadAppConfig } from './src/config/app-config';
import { buildDataSourceOptions } from './src/database/data-source-options';

/** For the TypeORM CLI (npm run migration:generate|run|revert): the same options as the app. */
export default buildDataSourceOptions(loadAppConfig(process.env).database).then(
  (options) => new DataSource({ ...options, migrationsRun: false }),
);
