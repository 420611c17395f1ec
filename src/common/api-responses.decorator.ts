import { applyDecorators } from '@nestjs/common';
import { ApiOkResponse, ApiParam, ApiResponse } from '@nestjs/swagger';
import { ErrorResponseDto } from './error-response.dto';

const ERROR_DESCRIPTIONS = {
  400: 'The input is not valid (a path id, a query or body field); `errors` lists the fields',
  401: 'No valid access token (expired, revoked or missing)',
  403: 'The caller may not do this',
  404: 'Not found, or not visible to the caller',
  409: "The resource's state forbids the change, or it conflicts with an existing one",
  429: 'Too many attempts from this address; retry after the seconds in Retry-After',
  503: 'A service this one depends on cannot be reached now; retry after the seconds in Retry-After',
} as const;

export type ErrorStatus = keyof typeof ERROR_DESCRIPTIONS;

const RETRY_AFTER = { 'Retry-After': { description: 'Seconds to wait', schema: { type: 'integer' } } };
const WWW_AUTHENTICATE = {
  'WWW-Authenticate': { description: 'The scheme to use (RFC 6750 §3)', schema: { type: 'string' } },
};
const ERROR_HEADERS: Partial<Record<ErrorStatus, typeof RETRY_AFTER | typeof WWW_AUTHENTICATE>> = {
  401: WWW_AUTHENTICATE,
  429: RETRY_AFTER,
  503: RETRY_AFTER,
};

/**
 * The error answers an operation can really give, each with the `{ "detail": … }` body; a status may
 * come with the route's own reason, e.g. `[409, 'The CA has child CAs']`.
 */
export const ApiErrors = (...errors: (ErrorStatus | [ErrorStatus, string])[]) =>
  applyDecorators(
    ...errors.map((error) => {
      const [status, description] = Array.isArray(error) ? error : [error, ERROR_DESCRIPTIONS[error]];
      return ApiResponse({ status, description, type: ErrorResponseDto, headers: ERROR_HEADERS[status] });
    }),
  );

/** How a downloaded file is written: PEM is text, DER and PKCS#12 are bytes. */
export type FileEncoding = 'text' | 'binary';

/** A 200 whose body is a file rather than JSON: one entry per media type the route can answer with. */
export const ApiFileResponse = (description: string, mediaTypes: Record<string, FileEncoding>) =>
  ApiOkResponse({
    description,
    content: Object.fromEntries(
      Object.entries(mediaTypes).map(([mediaType, encoding]) => [
        mediaType,
        { schema: encoding === 'binary' ? { type: 'string', format: 'binary' } : { type: 'string' } },
      ]),
    ),
  });

/** A numeric path id with the example the request examples use (see common/api-examples.ts). */
export const ApiIdParam = (name: string, example: number, description?: string) =>
  ApiParam({ name, type: 'integer', example, description });
