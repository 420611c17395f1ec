import 'reflect-metadata';
import cluster from 'node:cluster';
import { loadAppConfig } from './config/app-config';
import { lowerHelperThreadPriority } from './crypto/helper-thread-priority';
import { assertDataDirFree } from './database/data-dir-lock';

/** The primary of cluster mode serves no HTTP, so it never loads the application's modules. */
async function main(): Promise<void> {
  const config = loadAppConfig(process.env);
  if (config.database.kind === 'pglite-file') assertDataDirFree(config.dataDir);
  if (config.workers > 1 && cluster.isPrimary) {
    const { runClusterPrimary } = await import('./cluster/cluster-primary');
    return runClusterPrimary(config);
  }
  // Before the app starts threads of its own that must keep the normal priority (the PGlite worker).
  await lowerHelperThreadPriority(config.helperThreadNice);
  const { createApp } = await import('./app.setup');
  const { logListening } = await import('./system/lifecycle-log');
  const app = await createApp();
  await app.listen(config.port, config.host);
  await logListening(app);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
