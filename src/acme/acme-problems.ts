import {
  ConflictError,
  DomainError,
  ForbiddenError,
  NotFoundError,
  ServiceUnavailableError,
  TooManyRequestsError,
  UnauthorizedError,
} from '../common/errors';
import { toErrorResponse } from '../common/error-response';
import { AcmeErrorType, AcmeProblem, problemDocument, ProblemDocument } from './acme-problem';

/**
 * What anything thrown while serving an ACME request means as a problem document: the app's own
 * errors keep their status and message under the closest RFC 8555 6.7 type; the unexpected ones are
 * serverInternal, their details kept for the log.
 */
export function toProblemDocument(exception: unknown): {
  problem: ProblemDocument;
  unexpected: boolean;
  headers: Record<string, string>;
} {
  if (exception instanceof AcmeProblem) {
    const headers: Record<string, string> = {
      ...(exception.location && { Location: exception.location }),
      ...(exception.links.length > 0 && {
        Link: exception.links.map(({ url, rel }) => `<${url}>;rel="${rel}"`).join(', '),
      }),
    };
    return { problem: exception.toDocument(), unexpected: false, headers };
  }
  const response = toErrorResponse(exception);
  const type: AcmeErrorType = response.unexpected
    ? 'serverInternal'
    : exception instanceof TooManyRequestsError
      ? 'rateLimited'
      : exception instanceof ServiceUnavailableError
        ? 'serverInternal'
        : exception instanceof UnauthorizedError || exception instanceof ForbiddenError
          ? 'unauthorized'
          : 'malformed';
  const detail =
    exception instanceof DomainError || !response.unexpected
      ? response.body.detail
      : 'The server could not handle this request';
  const status =
    exception instanceof NotFoundError ? 404 : exception instanceof ConflictError ? 409 : response.status;
  const headers = Object.fromEntries(
    Object.entries(response.headers).filter(([name]) => name === 'Retry-After'),
  );
  return { problem: problemDocument(type, detail, status), unexpected: response.unexpected, headers };
}
