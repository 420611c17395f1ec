import { BeforeApplicationShutdown, Injectable, Logger as NestLogger } from '@nestjs/common';
import { NestExpressApplication } from '@nestjs/platform-express';
import { Logger } from 'nestjs-pino';
import { Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { Server as TlsServer } from 'node:tls';
import { AppConfig } from '../config/app-config';
import { DatabaseServer } from '../database/database-server';
import { APP_VERSION } from './version';

/** The start-up line: where the service listens and serves its API docs, on which database, which version. */
export async function logListening(app: NestExpressApplication): Promise<void> {
  const config = app.get(AppConfig);
  const server = app.getHttpServer() as Server;
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  const url = `${server instanceof TlsServer ? 'https' : 'http'}://${host}:${address.port}`;
  const docsUrl = `${url}/docs`;
  const databaseVersion = await app.get(DatabaseServer).version();
  app.get(Logger).log(
    {
      url,
      docs_url: docsUrl,
      public_base_url: config.publicBaseUrl,
      database: config.database.kind,
      database_version: databaseVersion,
      version: APP_VERSION,
      node: process.version,
    },
    `listening on ${url}, API docs at ${docsUrl}`,
    'Lifecycle',
  );
}

/** The shutdown line, with its reason (the signal, or a close by the code that started the app). */
@Injectable()
export class ShutdownLog implements BeforeApplicationShutdown {
  private readonly logger = new NestLogger('Lifecycle');

  beforeApplicationShutdown(signal?: string): void {
    const reason = signal ?? 'closed by the application';
    this.logger.log({ reason }, `shutting down: ${reason}`);
  }
}
