import {
  Injectable,
  MiddlewareConsumer,
  Module,
  NestMiddleware,
  NestModule,
  RequestMethod,
} from '@nestjs/common';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { DomainError } from './errors';

/** A request body that could not be read or parsed: the client's fault, answered 4xx. */
export class RequestBodyError extends DomainError {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

interface HttpLikeError {
  status?: unknown;
  type?: unknown;
}

const MESSAGES: Record<string, [number, string]> = {
  'entity.too.large': [413, 'Request body is too large'],
  'entity.parse.failed': [400, 'Malformed JSON in request body'],
  'parameters.too.many': [413, 'The form has too many fields'],
  'encoding.unsupported': [
    415,
    'The Content-Encoding of the request body is not supported (gzip, deflate, br or none)',
  ],
  'charset.unsupported': [415, 'The charset of the request body is not supported (use UTF-8)'],
  'request.size.invalid': [400, 'The request body is shorter or longer than its Content-Length'],
  'request.aborted': [400, 'The request body was cut off'],
};

/** What a body parser's error means to the client; a decompression failure carries no `type`. */
export function toRequestBodyError(error: unknown): Error {
  if (error instanceof DomainError) return error;
  const { status, type } = (typeof error === 'object' && error !== null ? error : {}) as HttpLikeError;
  const known = typeof type === 'string' ? MESSAGES[type] : undefined;
  if (known) return new RequestBodyError(...known);
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return new RequestBodyError(400, 'The request body could not be read (is its Content-Encoding right?)');
  }
  return error instanceof Error ? error : new Error(String(error));
}

const DEFERRED_ERROR = Symbol('deferredBodyError');

interface RequestWithDeferredError extends Request {
  [DEFERRED_ERROR]?: Error;
}

/**
 * Body parsing runs before the request logger exists, so its errors are kept on the request and
 * raised by BodyErrorsMiddleware, after the logger: they get a request id, a log line and the one
 * JSON error shape. Later body stages are skipped once one has failed.
 */
export function deferringErrors(parser: RequestHandler): RequestHandler {
  return (request: Request, response: Response, next: NextFunction) => {
    const deferred = request as RequestWithDeferredError;
    if (deferred[DEFERRED_ERROR]) return next();
    parser(request, response, (error?: unknown) => {
      if (error) deferred[DEFERRED_ERROR] = toRequestBodyError(error);
      next();
    });
  };
}

@Injectable()
export class BodyErrorsMiddleware implements NestMiddleware {
  use(request: Request, _response: Response, next: NextFunction): void {
    // Thrown, not passed to next(): Nest hands what a middleware throws to the global exception filter.
    const error = (request as RequestWithDeferredError)[DEFERRED_ERROR];
    if (error) throw error;
    next();
  }
}

/** Mounts BodyErrorsMiddleware; LoggerModule is global, so its request logger is mounted before this. */
@Module({})
export class BodyErrorsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(BodyErrorsMiddleware).forRoutes({ path: '{*path}', method: RequestMethod.ALL });
  }
}
