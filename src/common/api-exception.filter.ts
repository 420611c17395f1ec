import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { Request, Response } from 'express';
import { toErrorResponse } from './error-response';

/** Where failures caused by an unreachable database go, to be logged once per outage. */
export interface OutageRecorder {
  failed(reason: string): void;
}

/** Maps every exception to `{ "detail": … }`; unexpected ones are logged, never shown. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  constructor(private readonly outages: OutageRecorder) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const error = toErrorResponse(exception);
    if (error.unavailableReason) this.outages.failed(error.unavailableReason);
    if (error.unexpected) {
      this.logger.error({ err: exception, requestId: request.id }, 'unexpected error while handling request');
      error.body.request_id = String(request.id ?? '');
    }
    if (response.headersSent) return;
    // A route's own Content-Type (PEM, DER) must not label the JSON error body.
    response.status(error.status).set(error.headers).type('application/json').json(error.body);
  }
}
