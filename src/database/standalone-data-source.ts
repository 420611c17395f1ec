import { DataSource } from 'typeorm';
import { DatabaseTarget } from '../config/app-config';
import { buildDataSourceOptions } from './data-source-options';

/**
 * A connection of its own for a process that runs no Nest application (the CLI's backup and
 * restore, cluster mode's primary): opened for `work`, closed after it, whatever happens.
 * `migrate` runs the pending migrations first.
 */
export async function withDataSource<T>(
  target: DatabaseTarget,
  migrate: boolean,
  work: (dataSource: DataSource) => Promise<T>,
): Promise<T> {
  const dataSource = new DataSource({ ...(await buildDataSourceOptions(target)), migrationsRun: migrate });
  try {
    await dataSource.initialize();
  } catch (error) {
    await dataSource.destroy().catch(() => undefined);
    throw error;
  }
  try {
    return await work(dataSource);
  } finally {
    await dataSource.destroy();
  }
}

/** Brings the schema up to date and closes the connection. */
export async function runMigrations(target: DatabaseTarget): Promise<void> {
  await withDataSource(target, true, async () => undefined);
}
