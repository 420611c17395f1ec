/**
 * Domain errors. Services throw these; the one exception filter maps them to HTTP.
 * Messages are written for the person reading the HTTP response: no stacks, SQL or keys.
 */
export abstract class DomainError extends Error {
  abstract readonly status: number;

  constructor(message: string) {
    super(message);
    this.name = new.target.name;
  }
}

/** 400: the request is well-formed JSON but its content cannot be accepted. */
export class InvalidInputError extends DomainError {
  readonly status = 400;
}

/** 401: no valid credentials. */
export class UnauthorizedError extends DomainError {
  readonly status = 401;
}

/** 401 for a bearer token that was presented but is malformed, invalid, expired or revoked. */
export class InvalidAccessTokenError extends UnauthorizedError {
  constructor(message = 'Invalid or expired access token') {
    super(message);
  }
}

/**
 * The RFC 6749 §5.2 error codes the token endpoint answers with; the error's `oauthError`, when set,
 * goes into the body as `error` (and its message as `error_description`) beside `detail`.
 */
export type OAuthErrorCode =
  'invalid_request' | 'invalid_grant' | 'unsupported_grant_type' | 'temporarily_unavailable';

/** 400 from the token endpoint: the exchange request itself is not valid (RFC 6749 §5.2 invalid_request). */
export class InvalidTokenRequestError extends InvalidInputError {
  readonly oauthError: OAuthErrorCode = 'invalid_request';
}

/**
 * 401 from the token endpoint: the grant (a subject token) was refused, like a wrong password; the
 * body's `error` is RFC 6749's invalid_grant.
 */
export class InvalidGrantError extends UnauthorizedError {
  readonly oauthError: OAuthErrorCode = 'invalid_grant';
}

/** 403: authenticated, but the policy says no. */
export class ForbiddenError extends DomainError {
  readonly status = 403;
}

/** 404: the resource does not exist (or the caller may not know it exists). */
export class NotFoundError extends DomainError {
  readonly status = 404;
}

/** 409: the resource's current state forbids the change. */
export class ConflictError extends DomainError {
  readonly status = 409;
}

export interface FieldError {
  field: string;
  messages: string[];
}

/** 400 from DTO validation: the summary in `detail`, one entry per field in `errors`. */
export class ValidationFailedError extends InvalidInputError {
  constructor(readonly errors: FieldError[]) {
    super(errors.map((error) => `${error.field}: ${error.messages.join(', ')}`).join('; '));
  }
}

/** 503: something this service depends on (other than its database) cannot be reached now; retry later. */
export class ServiceUnavailableError extends DomainError {
  readonly status = 503;
  readonly retryAfterSeconds: number = 30;
  readonly oauthError: OAuthErrorCode = 'temporarily_unavailable';
}

/** 429: too many attempts; the client may retry after `retryAfterSeconds`. */
export class TooManyRequestsError extends DomainError {
  readonly status = 429;

  constructor(readonly retryAfterSeconds: number) {
    super(`Too many attempts; retry in ${retryAfterSeconds} s`);
  }
}
