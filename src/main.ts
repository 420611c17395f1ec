import 'reflect-metadata';
import { AppConfig } from './config/app-config';
import { createApp } from './app.setup';

async function main(): Promise<void> {
  const app = await createApp();
  const config = app.get(AppConfig);
  await app.listen(config.port, config.host);
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
