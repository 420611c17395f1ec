import type { ValidationError } from './validation-result';

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|EPROTO$)/;

/** A network error as a validation error: its code and its one-line message, never a stack. */
export function connectionError(what: string, reason: unknown): ValidationError {
  const code = (reason as { code?: unknown } | null)?.code;
  const message = reason instanceof Error ? reason.message : String(reason);
  const isTls = typeof code === 'string' && TLS_CODES.test(code);
  return { type: isTls ? 'tls' : 'connection', detail: `${what}: ${message.split('\n')[0]}` };
}
