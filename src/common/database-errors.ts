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

/** SQLSTATEs outside class 08 that mean the server will not serve us now (admin shutdown, crash, full). */
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
/** Socket errors of the driver's connection to the server. */
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
]);
/** node-postgres reports a lost connection and a pool wait that ran out by message only. */
const UNAVAILABLE_MESSAGES: [RegExp, string][] = [
  [/Connection terminated/i, 'connection_terminated'],
  [/timeout exceeded when trying to connect/i, 'connect_timeout'],
  [/is not queryable/i, 'connection_lost'],
];
/** TypeORM wraps the driver's error in driverError, Node in cause; connection errors can be nested. */
const MAX_WRAPPING_DEPTH = 4;

/**
 * Why the database cannot be reached, as a short code for the log (a SQLSTATE, a socket error
 * code or a name for a driver message), or null when the error is not connection-class. A FATAL
 * report from the server always means the session is gone, for example "database is not
 * currently accepting connections" (55000) while connections to it are disallowed.
 */
export function databaseUnavailableReason(error: unknown, depth = 0): string | null {
  if (typeof error !== 'object' || error === null || depth > MAX_WRAPPING_DEPTH) return null;
  const { code, severity, message } = error as { code?: unknown; severity?: unknown; message?: unknown };
  if (typeof code === 'string') {
    const isSqlState = /^[0-9A-Z]{5}$/.test(code);
    if (isSqlState && (code.startsWith('08') || UNAVAILABLE_SQLSTATES.has(code))) return code;
    if (isSqlState && (severity === 'FATAL' || severity === 'PANIC')) return code;
    if (UNAVAILABLE_NODE_CODES.has(code)) return code;
  }
  if (typeof message === 'string') {
    const known = UNAVAILABLE_MESSAGES.find(([pattern]) => pattern.test(message));
    if (known) return known[1];
  }
  const wrapped = error as { driverError?: unknown; cause?: unknown; errors?: unknown };
  // Node's dual-stack connect reports an AggregateError of one error per address.
  const inner = [
    wrapped.driverError,
    wrapped.cause,
    ...(Array.isArray(wrapped.errors) ? wrapped.errors : []),
  ];
  for (const candidate of inner) {
    const reason = databaseUnavailableReason(candidate, depth + 1);
    if (reason) return reason;
  }
  return null;
}
