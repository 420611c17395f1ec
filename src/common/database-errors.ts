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

const DATA_EXCEPTION = /^22[0-9A-Z]{3}$/;

/**
 * SQLSTATE class 22 (data exception: a value out of range, a NUL byte, bad text for a type) means
 * the request carried a value the database cannot store; validation should have refused it first,
 * but when it did not, the fault is still the client's.
 */
export function isDataException(error: unknown): boolean {
  if (!(error instanceof QueryFailedError)) return false;
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' && DATA_EXCEPTION.test(code);
}
