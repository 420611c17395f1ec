import { readFileSync } from 'node:fs';
import { InvalidConfigError } from './config-parsers';

/**
 * The service's secret variables: each X may instead be read from the file named by X_FILE. The
 * CLI's CA_ADMIN_PASSWORD takes CA_ADMIN_PASSWORD_FILE the same way (see secretVariable).
 */
export const SECRET_VARIABLES = ['SECRET_KEY', 'PRIVATE_KEY_ENCRYPTION_KEY', 'DATABASE_URL'] as const;

type Env = Record<string, string | undefined>;

/**
 * Returns the environment with every X_FILE of a secret variable replaced by X, read from the file
 * (Docker and Kubernetes secrets), so the values never sit in the process environment's listing.
 * One trailing newline is dropped, as `echo` and editors write one. Problems are pushed to `errors`.
 */
export function withSecretVariableFiles(env: Env, errors: string[]): Env {
  const resolved: Env = { ...env };
  for (const name of SECRET_VARIABLES) {
    delete resolved[`${name}_FILE`];
    try {
      resolved[name] = secretVariable(env, name);
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
      delete resolved[name];
    }
  }
  return resolved;
}

/** One secret: X, or the content of the file X_FILE names; throws InvalidConfigError naming the problem. */
export function secretVariable(env: Env, name: string): string | undefined {
  const path = env[`${name}_FILE`]?.trim();
  return path ? readSecretFile(name, path, env[name]) : env[name];
}

function readSecretFile(name: string, path: string, direct: string | undefined): string {
  if (direct !== undefined && direct !== '') {
    throw new InvalidConfigError(name, `set either ${name} or ${name}_FILE, not both`);
  }
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unreadable';
    throw new InvalidConfigError(`${name}_FILE`, `cannot read "${path}" (${code})`);
  }
  const value = text.replace(/\r?\n$/, '');
  if (value.trim() === '') throw new InvalidConfigError(`${name}_FILE`, `"${path}" is empty`);
  return value;
}
