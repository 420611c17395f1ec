import { readFileSync } from 'node:fs';
import { InvalidConfigError } from './config-parsers';

/** The variables that hold secrets: each X may instead be read from the file named by X_FILE. */
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
    const path = env[`${name}_FILE`]?.trim();
    if (!path) continue;
    delete resolved[`${name}_FILE`];
    try {
      resolved[name] = readSecretFile(name, path, env[name]);
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
      delete resolved[name];
    }
  }
  return resolved;
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
