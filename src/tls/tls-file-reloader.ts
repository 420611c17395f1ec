import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { unwatchFile, watchFile } from 'node:fs';
import { Server as TlsServer } from 'node:tls';
import { AppConfig } from '../config/app-config';
import { readTlsFiles } from './tls-files';

const WATCH_INTERVAL_MS = 10_000;

/**
 * TLS_CERT_FILE/TLS_KEY_FILE: re-read on SIGHUP and when either file changes (certbot or an
 * ACME client renewing them), and swapped into the running server; a bad pair is logged and the
 * old one kept.
 */
@Injectable()
export class TlsFileReloader implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('TLS');
  private readonly reload = () => this.reloadNow();

  constructor(
    private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onApplicationBootstrap(): void {
    const { tls } = this.config;
    if (tls.mode !== 'files') return;
    process.on('SIGHUP', this.reload);
    for (const file of [tls.certFile, tls.keyFile]) {
      watchFile(file, { interval: WATCH_INTERVAL_MS, persistent: false }, this.reload);
    }
  }

  onApplicationShutdown(): void {
    const { tls } = this.config;
    if (tls.mode !== 'files') return;
    process.off('SIGHUP', this.reload);
    for (const file of [tls.certFile, tls.keyFile]) unwatchFile(file, this.reload);
  }

  /** True when the new pair is served. */
  reloadNow(): boolean {
    const { tls } = this.config;
    const server: unknown = this.adapterHost.httpAdapter.getHttpServer();
    if (tls.mode !== 'files' || !(server instanceof TlsServer)) return false;
    try {
      server.setSecureContext(readTlsFiles(tls.certFile, tls.keyFile));
      this.logger.log({ cert_file: tls.certFile }, 'reloaded the TLS certificate and key');
      return true;
    } catch (error) {
      this.logger.error(
        { err: error },
        'reloading TLS_CERT_FILE/TLS_KEY_FILE failed; still serving the old pair',
      );
      return false;
    }
  }
}
