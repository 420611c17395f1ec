export class InvalidConfigError extends Error {
  constructor(variable: string | null, problem: string) {
    super(variable ? `${variable}: ${problem}` : `Invalid configuration: ${problem}`);
    this.name = 'InvalidConfigError';
  }
}

export interface RateLimit {
  limit: number;
  windowSeconds: number;
}

const WINDOW_SECONDS: Record<string, number> = { second: 1, minute: 60, hour: 3600, day: 86400 };

export function parseInteger(name: string, raw: string, min: number, max: number): number {
  if (!/^-?\d+$/.test(raw)) throw new InvalidConfigError(name, `must be an integer (got "${raw}")`);
  const value = Number(raw);
  if (value < min || value > max) throw new InvalidConfigError(name, `must be between ${min} and ${max}`);
  return value;
}

export function parseBoolean(name: string, raw: string): boolean {
  const normalized = raw.toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(normalized)) return true;
  if (['false', '0', 'no', 'off', ''].includes(normalized)) return false;
  throw new InvalidConfigError(name, `must be true or false (got "${raw}")`);
}

/** "5/minute", "100/second", "1000/hour" or "10/day". */
export function parseRateLimit(name: string, raw: string): RateLimit {
  const match = /^(\d+)\s*\/\s*(second|minute|hour|day)s?$/i.exec(raw);
  if (!match || Number(match[1]) < 1) {
    throw new InvalidConfigError(
      name,
      `must look like 5/minute (count/second|minute|hour|day), got "${raw}"`,
    );
  }
  return { limit: Number(match[1]), windowSeconds: WINDOW_SECONDS[match[2].toLowerCase()] };
}
