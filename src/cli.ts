import 'reflect-metadata';
import type { INestApplicationContext } from '@nestjs/common';
import { parseArgs } from 'node:util';
import { AppConfig, loadAppConfig, parseEncryptionKey } from './config/app-config';
import { assertDataDirFree } from './database/data-dir-lock';
import { secretVariable } from './config/secret-variable-files';
import { LocalKeySealer } from './crypto/key-sealer';

type Values = Record<string, string | boolean | undefined>;

interface Command {
  summary: string;
  options: Record<string, { type: 'string' | 'boolean'; required?: boolean; help: string }>;
  run(values: Values, config: AppConfig): Promise<void>;
}

const COMMANDS: Record<string, Command> = {
  'create-superuser': {
    summary: 'Create a superuser (password from CA_ADMIN_PASSWORD or stdin). The service must be stopped.',
    options: {
      username: { type: 'string', required: true, help: 'NAME' },
      email: { type: 'string', required: true, help: 'EMAIL' },
    },
    run: (values, config) =>
      withApp(config, async (app) => {
        const { UsersService } = await import('./users/users.service');
        const user = await app
          .get(UsersService)
          .createSuperuserFromShell(String(values.username), String(values.email), await readPassword());
        console.log(`Created superuser ${user.username} (id ${user.id})`);
      }),
  },
  'reseal-keys': {
    summary: 'Re-seal every private key under a new KEK. The service must be stopped.',
    options: { 'new-key': { type: 'string', required: true, help: 'HEX64' } },
    run: (values, config) =>
      withApp(config, async (app) => {
        const newKey = parseEncryptionKey('--new-key', String(values['new-key']));
        if (!newKey) throw new Error('--new-key is required');
        const { KeyResealer } = await import('./keys/key-resealer');
        const count = await app.get(KeyResealer).resealAll(new LocalKeySealer(newKey));
        console.log(
          `Re-sealed ${count} private keys. Now set PRIVATE_KEY_ENCRYPTION_KEY to the new key ` +
            `(embedded default: replace ${config.dataDir}/private_key_encryption_key) and restart.`,
        );
      }),
  },
  backup: {
    summary:
      'Write a consistent backup (JSON lines, mode 0600). Through the running service when it holds DATA_DIR ' +
      '(CA_ADMIN_TOKEN: a superuser access token) or with --url; otherwise straight from the database. ' +
      '--include-kek seals the KEK with CA_BACKUP_PASSPHRASE; without it, back the KEK up separately.',
    options: {
      file: { type: 'string', required: true, help: 'PATH' },
      url: { type: 'string', help: 'http://HOST:PORT' },
      'include-kek': { type: 'boolean', help: '' },
    },
    run: async (values, config) =>
      (await import('./backup/backup-cli')).runBackup(config, {
        file: String(values.file),
        url: typeof values.url === 'string' ? values.url : undefined,
        includeKek: values['include-kek'] === true,
      }),
  },
  restore: {
    summary:
      'Load a backup into an empty database (embedded DATA_DIR or DATABASE_URL) with the service stopped. ' +
      'A KEK included in the backup is opened with CA_BACKUP_PASSPHRASE; --write-kek writes it out for PostgreSQL.',
    options: {
      file: { type: 'string', required: true, help: 'PATH' },
      'write-kek': { type: 'string', help: 'PATH' },
    },
    run: async (values, config) =>
      (await import('./backup/backup-cli')).runRestore(config, {
        file: String(values.file),
        writeKek: typeof values['write-kek'] === 'string' ? values['write-kek'] : undefined,
      }),
  },
};

function usage(): string {
  const lines = ['Usage: npm run cli -- <command> [options]', '', 'Commands:'];
  for (const [name, command] of Object.entries(COMMANDS)) {
    const options = Object.entries(command.options)
      .map(([option, spec]) => {
        const text = spec.type === 'string' ? `--${option} ${spec.help}` : `--${option}`;
        return spec.required ? text : `[${text}]`;
      })
      .join(' ');
    lines.push(`  ${name} ${options}`.trimEnd(), `      ${command.summary}`);
  }
  lines.push('  help', '      This text.');
  lines.push('', 'Configuration comes from the same environment as the service (DATABASE_URL, DATA_DIR, …).');
  return lines.join('\n');
}

async function readPassword(): Promise<string> {
  const fromEnvironment = secretVariable(process.env, 'CA_ADMIN_PASSWORD');
  if (fromEnvironment) return fromEnvironment;
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks)
    .toString('utf8')
    .replace(/\r?\n$/, '');
}

async function withApp(
  config: AppConfig,
  work: (app: INestApplicationContext) => Promise<void>,
): Promise<void> {
  if (config.database.kind === 'pglite-file') assertDataDirFree(config.dataDir);
  // Loaded here: backup, restore and help need none of the application's modules, and start faster.
  const { NestFactory } = await import('@nestjs/core');
  const { AppModule } = await import('./app.module');
  const { resolveRuntimeSecrets } = await import('./config/secret-files');
  const app = await NestFactory.createApplicationContext(
    AppModule.register(config, resolveRuntimeSecrets(config)),
    { logger: ['error', 'warn'], abortOnError: false },
  );
  try {
    await work(app);
  } finally {
    await app.close();
  }
}

class UsageError extends Error {}

function parseCommandLine(argv: string[]): { name: string; command: Command; values: Values } | null {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') return null;
  const command = COMMANDS[name];
  if (!command) throw new UsageError(`Unknown command '${name}'`);
  const options = Object.fromEntries(
    Object.entries(command.options).map(([option, spec]) => [option, { type: spec.type }]),
  );
  let values: Values;
  try {
    ({ values } = parseArgs({ args: rest, options: { ...options, help: { type: 'boolean', short: 'h' } } }));
  } catch (error) {
    throw new UsageError(error instanceof Error ? error.message : String(error));
  }
  if (values.help) return null;
  const missing = Object.entries(command.options)
    .filter(([option, spec]) => spec.required && values[option] === undefined)
    .map(([option]) => `--${option}`);
  if (missing.length > 0) throw new UsageError(`${name} needs ${missing.join(', ')}`);
  return { name, command, values };
}

async function main(): Promise<void> {
  let parsed: ReturnType<typeof parseCommandLine>;
  try {
    parsed = parseCommandLine(process.argv.slice(2));
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    console.error(`${error.message}\n\n${usage()}`);
    process.exitCode = 2;
    return;
  }
  if (!parsed) {
    console.log(usage());
    return;
  }
  await parsed.command.run(parsed.values, loadAppConfig({ LOG_LEVEL: 'warn', ...process.env }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : error);
  process.exit(1);
});
