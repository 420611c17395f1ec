import { ArgumentsHost, Catch, ExceptionFilter, Logger } from '@nestjs/common';
import { Request, Response } from 'express';
import { toErrorResponse } from './error-response';

/** Where failures caused by an unreachable database go, to be logged once per outage. */
export interface OutageRecorder {
  failed(reason: string): void;
}

/** A protocol whose routes answer errors in their own format (ACME's problem documents). */
export interface ProtocolErrorWriter {
  handles(request: Request): boolean;
  /** Writes the error; true when it was the server's fault (then logged here). */
  write(exception: unknown, request: Request, response: Response): Promise<boolean>;
}

/** Maps every exception to `{ "detail": … }`; unexpected ones are logged, never shown. */
@Catch()
export class ApiExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('ApiExceptionFilter');

  constructor(
    private readonly outages: OutageRecorder,
    private readonly protocols: readonly ProtocolErrorWriter[] = [],
  ) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    const request = http.getRequest<Request>();
    const response = http.getResponse<Response>();
    const protocol = this.protocols.find((writer) => writer.handles(request));
    if (protocol && !response.headersSent) {
      void protocol.write(exception, request, response).then(
        (unexpected) => {
          if (unexpected) this.logUnexpected(exception, request);
        },
        (error: unknown) => this.logUnexpected(error, request),
      );
      return;
    }
    const error = toErrorResponse(exception);
    if (error.unavailableReason) this.outages.failed(error.unavailableReason);
    if (error.unexpected) {
      this.logUnexpected(exception, request);
      error.body.request_id = String(request.id ?? '');
    }
    if (response.headersSent) return;
    // A route's own Content-Type (PEM, DER) must not label the JSON error body.
    response.status(error.status).set(error.headers).type('application/json').json(error.body);
  }

  private logUnexpected(exception: unknown, request: Request): void {
    this.logger.error({ err: exception, requestId: request.id }, 'unexpected error while handling request');
  }
}
