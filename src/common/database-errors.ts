import { QueryFailedError } from 'typeorm';

export type ConstraintKind = 'unique' | 'foreign_key';

const CODES: Record<string, ConstraintKind> = { '23505': 'unique', '23503': 'foreign_key' };

/** Which constraint a failed statement broke, if any; services turn that into a domain error. */
export function violatedConstraint(error: unknown): { kind: ConstraintKind; constraint: string } | null {
  if (!(error instanceof QueryFailedError)) return null;
  const driverError = error.driverError as { code?: unknown; constraint?: unknown } | undefined;
  const kind = typeof driverError?.code === 'string' ? CODES[driverError.code] : undefined;
  if (!kind) return null;
  return { kind, constraint: typeof driverError?.constraint === 'string' ? driverError.constraint : '' };
}
