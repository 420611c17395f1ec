import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import { parseArgs } from 'node:util';
import { AppModule } from './app.module';
import { AppConfig, loadAppConfig, parseEncryptionKey } from './config/app-config';
import { resolveRuntimeSecrets } from './config/secret-files';
import { secretVariable } from './config/secret-variable-files';
import { LocalKeySealer } from './crypto/key-sealer';
import { KeyResealer } from './keys/key-resealer';
import { UsersService } from './users/users.service';

const USAGE = `Usage:
  npm run cli -- create-superuser --username NAME --email EMAIL   (password from CA_ADMIN_PASSWORD or stdin)
  npm run cli -- reseal-keys --new-key HEX64                       (re-seal every private key under a new KEK)`;

async function readPassword(): Promise<string> {
  const fromEnvironment = secretVariable(process.env, 'CA_ADMIN_PASSWORD');
  if (fromEnvironment) return fromEnvironment;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function main(): Promise<void> {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { username: { type: 'string' }, email: { type: 'string' }, 'new-key': { type: 'string' } },
  });
  const command = positionals[0];
  const config = loadAppConfig({ LOG_LEVEL: 'warn', ...process.env });
  const app = await NestFactory.createApplicationContext(
    AppModule.register(config, resolveRuntimeSecrets(config)),
    {
      logger: ['error', 'warn'],
      abortOnError: false,
    },
  );
  try {
    if (command === 'create-superuser' && values.username && values.email) {
      const user = await app
        .get(UsersService)
        .createSuperuserFromShell(values.username, values.email, await readPassword());
      console.log(`Created superuser ${user.username} (id ${user.id})`);
    } else if (command === 'reseal-keys' && values['new-key']) {
      const newKey = parseEncryptionKey('--new-key', values['new-key']);
      if (!newKey) throw new Error('--new-key is required');
      const count = await app.get(KeyResealer).resealAll(new LocalKeySealer(newKey));
      console.log(
        `Re-sealed ${count} private keys. Now set PRIVATE_KEY_ENCRYPTION_KEY to the new key ` +
          `(embedded default: replace ${app.get(AppConfig).dataDir}/private_key_encryption_key) and restart.`,
      );
    } else {
      console.error(USAGE);
      process.exitCode = 2;
    }
  } finally {
    await app.close();
  }
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
