import { Module, RequestMethod } from '@nestjs/common';
import { Request } from 'express';
import { randomUUID } from 'node:crypto';
import { IncomingMessage, ServerResponse } from 'node:http';
import { LoggerModule } from 'nestjs-pino';
import { HttpLogger, pinoHttp } from 'pino-http';
import { LevelWithSilent, LogFn, Logger as PinoLogger } from 'pino';
import { credentialLabel } from '../access/credential';
import { AppConfig } from '../config/app-config';
import { AuthenticatedRequest } from './request-context';
import { routeTemplate } from './route-template';

const REQUEST_ID = /^[A-Za-z0-9._-]{1,128}$/;
/** Query parameters whose values never reach a log line (none of the API's own, but clients try). */
const SENSITIVE_QUERY =
  /^(access_token|refresh_token|token|password|secret|key|private_key|passphrase|code)$/i;
const MAX_LOGGED_URL = 256;
/** Nest's start-up listing of every module and route: about 90 lines, shown at debug only. */
const BOOT_DETAIL_CONTEXTS = new Set(['InstanceLoader', 'RoutesResolver', 'RouterExplorer']);
const INFO = 30;

/** Keeps a caller's X-Request-Id when it is sane, otherwise makes one; echoes it back. */
function requestId(request: IncomingMessage, response: ServerResponse): string {
  const incoming = request.headers['x-request-id'];
  const id = typeof incoming === 'string' && REQUEST_ID.test(incoming) ? incoming : randomUUID();
  response.setHeader('X-Request-Id', id);
  return id;
}

/** The path and query as received, sensitive query values replaced, bounded in length. */
export function loggableUrl(url: string): string {
  const text = url.replace(/([?&])([^=&#]+)=([^&#]*)/g, (pair, separator: string, name: string) =>
    SENSITIVE_QUERY.test(name) ? `${separator}${name}=[redacted]` : pair,
  );
  return text.length > MAX_LOGGED_URL ? `${text.slice(0, MAX_LOGGED_URL)}…` : text;
}

/**
 * The one line logged per request: what an operator greps for, and no headers. The stack of an
 * unexpected (5xx) error is logged once, by the exception filter, on a line with the same request_id.
 */
function requestLine(request: IncomingMessage, response: ServerResponse, durationMs: number) {
  const req = request as AuthenticatedRequest;
  return {
    method: req.method,
    route: routeTemplate(req),
    url: loggableUrl(req.originalUrl ?? req.url),
    status: response.statusCode,
    duration_ms: durationMs,
    user_id: req.user?.id ?? null,
    // Which key or trust policy acted (its public id), so a leaked key's requests can be traced.
    credential: credentialLabel(req.user?.credential),
    // Express's req.ip: the client behind the proxies TRUST_PROXY names.
    client: req.ip ?? null,
  };
}

/** A request or response object is never written as is (see requestLine). */
const omitted = (): undefined => undefined;

/** Secrets never reach a log line, wherever they appear. */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  '*.password',
  '*.current_password',
  '*.private_key',
  '*.refresh_token',
  '*.access_token',
  'password',
  'private_key',
  'refresh_token',
];

/** The request-logging middleware: `configureApp` mounts it first, so even a request the body parsers refuse gets its line. */
export const REQUEST_LOGGER = Symbol('REQUEST_LOGGER');

function requestLogger(config: AppConfig): HttpLogger {
  return pinoHttp<IncomingMessage, ServerResponse, never>({
    level: config.logLevel,
    genReqId: requestId,
    // Lines logged while handling a request carry its id, not the whole request.
    quietReqLogger: true,
    quietResLogger: true,
    // pino-http still binds each request to a child logger it never writes with (both loggers are
    // quiet): serializing and redacting that request cost more than the line itself. Our lines carry
    // requestLine's fields, never the raw request or response.
    wrapSerializers: false,
    serializers: { req: omitted, res: omitted },
    customAttributeKeys: { reqId: 'request_id' },
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    hooks: {
      logMethod(this: PinoLogger, args: Parameters<LogFn>, method: LogFn, level: number) {
        const context = (args[0] as { context?: unknown } | null)?.context;
        const bootDetail = level === INFO && typeof context === 'string' && BOOT_DETAIL_CONTEXTS.has(context);
        if (!bootDetail || this.isLevelEnabled('debug')) method.apply(this, args);
      },
    },
    customSuccessObject: (req: IncomingMessage, res: ServerResponse, value: { responseTime: number }) =>
      requestLine(req, res, value.responseTime),
    customErrorObject: (
      req: IncomingMessage,
      res: ServerResponse,
      _error: Error,
      value: { responseTime: number },
    ) => requestLine(req, res, value.responseTime),
    customSuccessMessage: (req: IncomingMessage, res: ServerResponse) => summary(req, res),
    customErrorMessage: (req: IncomingMessage, res: ServerResponse) => summary(req, res),
    customLogLevel: (_req: IncomingMessage, res: ServerResponse, error?: Error): LevelWithSilent =>
      requestLevel(res.statusCode, error),
  });
}

@Module({
  imports: [
    LoggerModule.forRootAsync({
      providers: [{ provide: REQUEST_LOGGER, inject: [AppConfig], useFactory: requestLogger }],
      inject: [REQUEST_LOGGER],
      useFactory: (middleware: HttpLogger) => ({
        // Named wildcard (path-to-regexp 8); the legacy '*' default only matched under the global prefix.
        forRoutes: [{ path: '{*path}', method: RequestMethod.ALL }],
        // Binds the request's logger (req.log, set by REQUEST_LOGGER) for Nest's Logger; the same
        // pino instance logs outside requests.
        useExisting: true,
        pinoHttp: { logger: middleware.logger },
      }),
    }),
  ],
})
export class LoggingModule {}

/** 503 is the database outage, already reported once by the outage log: a warning, not an error per request. */
function requestLevel(status: number, error?: Error): LevelWithSilent {
  if (status === 503) return 'warn';
  if (error || status >= 500) return 'error';
  return status >= 400 ? 'warn' : 'info';
}

function summary(request: IncomingMessage, response: ServerResponse): string {
  return `${request.method} ${routeTemplate(request as Request)} ${response.statusCode}`;
}
