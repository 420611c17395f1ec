import { RequestMethod, ShutdownSignal } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { SwaggerModule } from '@nestjs/swagger';
import { getToken } from '@willsoto/nestjs-prometheus';
import express, { RequestHandler } from 'express';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { Histogram } from 'prom-client';
import { AcmeErrorWriter } from './acme/acme-error-writer';
import { AppModule } from './app.module';
import { ApiExceptionFilter } from './common/api-exception.filter';
import { deferringErrors } from './common/body-errors';
import { buildOpenApiDocument } from './common/openapi-document';
import { jsonDepthLimit } from './common/json-depth';
import { REQUEST_LOGGER } from './common/logging.module';
import { buildValidationPipe } from './common/validation';
import { AppConfig, loadAppConfig } from './config/app-config';
import { resolveRuntimeSecrets } from './config/secret-files';
import { DatabaseOutageMonitor } from './database/database-outage.monitor';
import { HTTP_DURATION_METRIC, httpMetricsMiddleware } from './system/http-metrics';
import { APP_VERSION } from './system/version';
import { httpsOptionsFor } from './tls/tls-files';

/** Routes served at the root rather than under the API prefix. */
const ROOT_ROUTES = [
  { path: 'status', method: RequestMethod.GET },
  { path: 'metrics', method: RequestMethod.GET },
  { path: 'crl/{*path}', method: RequestMethod.GET },
  { path: 'ca/{*path}', method: RequestMethod.GET },
  { path: 'acme/{*path}', method: RequestMethod.ALL },
];

/** RFC 8555 6.2: ACME requests are JWS objects in JSON. */
const JSON_BODY_TYPES = ['application/json', 'application/jose+json'];

/** Builds the whole application from an environment: used by main.ts, the CLI and the e2e tests. */
export async function createApp(
  env: Record<string, string | undefined> = process.env,
): Promise<NestExpressApplication> {
  const config = loadAppConfig(env);
  const secrets = resolveRuntimeSecrets(config);
  const app = await NestFactory.create<NestExpressApplication>(AppModule.register(config, secrets), {
    bodyParser: false,
    bufferLogs: true,
    httpsOptions: httpsOptionsFor(config.tls),
    abortOnError: false,
  });
  const logger = app.get(Logger);
  app.useLogger(logger);
  for (const warning of config.warnings) logger.warn(warning, 'Config');
  for (const generated of secrets.generated) logger.warn(`Generated ${generated}`, 'Secrets');
  configureApp(app, config);
  return app;
}

export function configureApp(app: NestExpressApplication, config: AppConfig): void {
  app.use(app.get<RequestHandler>(REQUEST_LOGGER));
  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  // Plain-HTTP deployments (inside a cluster, or localhost) must still load /docs' scripts.
  app.use(helmet({ contentSecurityPolicy: { directives: { upgradeInsecureRequests: null } } }));
  app.enableCors({ origin: config.corsOrigins.length > 0 ? config.corsOrigins : false, credentials: true });
  app.use(httpMetricsMiddleware(app.get<Histogram<string>>(getToken(HTTP_DURATION_METRIC))));
  app.use(deferringErrors(express.json({ limit: config.maxBodySizeBytes, type: JSON_BODY_TYPES })));
  app.use(deferringErrors(express.urlencoded({ extended: false, limit: config.maxBodySizeBytes })));
  app.use(deferringErrors(jsonDepthLimit()));
  app.setGlobalPrefix(config.apiPrefix.replace(/^\//, ''), { exclude: ROOT_ROUTES });
  app.useGlobalPipes(buildValidationPipe());
  app.useGlobalFilters(new ApiExceptionFilter(app.get(DatabaseOutageMonitor), [app.get(AcmeErrorWriter)]));
  // Ending with process.exit rather than a re-raised signal lets pino write out its last lines.
  app.enableShutdownHooks(shutdownSignals(config), { useProcessExit: true });
  setUpSwagger(app, config);
}

/** Nest's default set, less SIGHUP when it means "reload the TLS files" (see TlsFileReloader). */
function shutdownSignals(config: AppConfig): ShutdownSignal[] {
  const all = Object.values(ShutdownSignal);
  return config.tls.mode === 'files' ? all.filter((signal) => signal !== ShutdownSignal.SIGHUP) : all;
}

function setUpSwagger(app: NestExpressApplication, config: AppConfig): void {
  const document = buildOpenApiDocument(app, config.apiPrefix, APP_VERSION);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
