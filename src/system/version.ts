import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** The package version, read once; works from src/ (ts-node, jest) and dist/src/ alike. */
function readVersion(): string {
  for (const candidate of [
    join(__dirname, '..', '..', 'package.json'),
    join(__dirname, '..', '..', '..', 'package.json'),
  ]) {
    try {
      const parsed = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (parsed.name === 'private-ca-service' && parsed.version) return parsed.version;
    } catch {
      continue;
    }
  }
  return '0.0.0';
}

export const APP_VERSION = readVersion();
