import { HttpException, HttpStatus } from '@nestjs/common';
import { QueryFailedError } from 'typeorm';
import { databaseUnavailableReason, isDataException } from './database-errors';
import {
  DomainError,
  FieldError,
  InvalidAccessTokenError,
  OAuthErrorCode,
  ServiceUnavailableError,
  TooManyRequestsError,
  UnauthorizedError,
  ValidationFailedError,
} from './errors';

export interface ErrorBody {
  detail: string;
  /** Token endpoint only (RFC 6749 §5.2): the error code, and `detail` again as its description. */
  error?: OAuthErrorCode;
  error_description?: string;
  errors?: FieldError[];
  request_id?: string;
}

export interface ErrorResponse {
  status: number;
  body: ErrorBody;
  headers: Record<string, string>;
  /** True when the error is the server's fault and must be logged with its stack. */
  unexpected: boolean;
  /** Set when the database is unreachable: why, for the log line written once per outage. */
  unavailableReason?: string;
}

const UNIQUE_VIOLATION = '23505';
/** Long enough for a PostgreSQL restart or fail-over to usually be over. */
const DATABASE_RETRY_AFTER_SECONDS = 5;
/** PostgreSQL aborted one of two racing transactions (deadlock, serialization); the client may retry. */
const RETRYABLE = new Set(['40P01', '40001']);

/** The one mapping from anything thrown to the JSON error a client sees. Never leaks internals. */
export function toErrorResponse(exception: unknown): ErrorResponse {
  if (exception instanceof ValidationFailedError) {
    return expected(exception.status, { detail: exception.message, errors: exception.errors });
  }
  if (exception instanceof TooManyRequestsError) {
    return {
      ...expected(exception.status, { detail: exception.message }),
      headers: { 'Retry-After': String(exception.retryAfterSeconds) },
    };
  }
  if (exception instanceof ServiceUnavailableError) {
    return {
      ...expected(exception.status, domainBody(exception)),
      headers: { 'Retry-After': String(exception.retryAfterSeconds) },
    };
  }
  if (exception instanceof UnauthorizedError) {
    return {
      ...expected(exception.status, domainBody(exception)),
      headers: { 'WWW-Authenticate': bearerChallenge(exception) },
    };
  }
  if (exception instanceof DomainError) {
    return expected(exception.status, domainBody(exception));
  }
  if (exception instanceof HttpException) {
    return expected(exception.getStatus(), { detail: httpExceptionDetail(exception) });
  }
  if (exception instanceof QueryFailedError && driverCode(exception) === UNIQUE_VIOLATION) {
    return expected(HttpStatus.CONFLICT, { detail: 'The change conflicts with an existing resource' });
  }
  if (exception instanceof QueryFailedError && RETRYABLE.has(driverCode(exception) ?? '')) {
    return expected(HttpStatus.CONFLICT, { detail: 'A concurrent change got in the way; retry the request' });
  }
  if (isDataException(exception)) {
    return expected(HttpStatus.BAD_REQUEST, {
      detail: 'A value in the request cannot be stored (out of range or not valid text)',
    });
  }
  const unavailableReason = databaseUnavailableReason(exception);
  if (unavailableReason) return databaseUnavailable(unavailableReason);
  return { status: 500, body: { detail: 'Internal server error' }, headers: {}, unexpected: true };
}

/** 503 for connection-class failures: the client's request was fine and may be sent again. */
function databaseUnavailable(reason: string): ErrorResponse {
  return {
    status: HttpStatus.SERVICE_UNAVAILABLE,
    body: { detail: 'database unavailable' },
    headers: { 'Retry-After': String(DATABASE_RETRY_AFTER_SECONDS) },
    unexpected: false,
    unavailableReason: reason,
  };
}

/**
 * RFC 9110 §15.5.2: every 401 names the scheme to use. RFC 6750 §3: a token that was presented
 * and refused adds error="invalid_token"; a request without one gets the bare challenge (§3.1).
 */
function bearerChallenge(error: UnauthorizedError): string {
  if (!(error instanceof InvalidAccessTokenError)) return 'Bearer';
  return 'Bearer error="invalid_token", error_description="The access token is invalid, expired or revoked"';
}

/** `detail`, and for the token endpoint's errors the RFC 6749 §5.2 `error` and `error_description`. */
function domainBody(exception: DomainError): ErrorBody {
  const code = (exception as { oauthError?: OAuthErrorCode }).oauthError;
  if (code === undefined) return { detail: exception.message };
  return { detail: exception.message, error: code, error_description: exception.message };
}

function expected(status: number, body: ErrorBody): ErrorResponse {
  return { status, body, headers: {}, unexpected: false };
}

function httpExceptionDetail(exception: HttpException): string {
  const response = exception.getResponse();
  if (typeof response === 'string') return response;
  const message = (response as { message?: unknown }).message;
  if (Array.isArray(message)) return message.join('; ');
  return typeof message === 'string' ? message : exception.message;
}

function driverCode(error: QueryFailedError): string | undefined {
  const code = (error.driverError as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}
