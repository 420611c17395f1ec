import type { ValidationError } from './validation-result';

const TLS_CODES = /^(ERR_TLS_|ERR_SSL_|EPROTO$)/;

/**
 * A network error as a validation error, never a stack: OpenSSL's short reason ("tlsv1 alert no
 * application protocol") rather than its message, which names OpenSSL's source files.
 */
export function connectionError(what: string, error: unknown): ValidationError {
  const { code, reason } = (error ?? {}) as { code?: unknown; reason?: unknown };
  const message = error instanceof Error ? error.message : String(error);
  const isTls = (typeof code === 'string' && TLS_CODES.test(code)) || typeof reason === 'string';
  const text = typeof reason === 'string' ? reason : message.split('\n')[0];
  return { type: isTls ? 'tls' : 'connection', detail: `${what}: ${text}` };
}
