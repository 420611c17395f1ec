import cluster, { Worker } from 'node:cluster';
import pino, { Logger } from 'pino';
import { AggregatorRegistry } from 'prom-client';
import { AppConfig } from '../config/app-config';
import { resolveRuntimeSecrets } from '../config/secret-files';
import { runMigrations } from '../database/standalone-data-source';
import {
  CLUSTER_CHANNEL,
  isQueryMessage,
  PrimaryQueries,
  QueryMessage,
  ReplyMessage,
} from './cluster-protocol';

/** More unexpected worker exits than this within the window means something is wrong: stop. */
const MAX_RESTARTS = 5;
const RESTART_WINDOW_MS = 60_000;

type Handlers = {
  [K in keyof PrimaryQueries]: (args: PrimaryQueries[K]['args']) => Promise<PrimaryQueries[K]['result']>;
};

/**
 * Cluster mode (WORKERS > 1, PostgreSQL only): this process serves no HTTP. It prepares what must
 * happen once (generated secret files, migrations), forks the workers, which share the listening
 * socket, restarts a worker that dies, merges the workers' metrics for a scrape, and passes
 * SIGTERM/SIGINT on so each worker drains and closes its pool.
 */
export async function runClusterPrimary(config: AppConfig): Promise<void> {
  const logger = pino({ level: config.logLevel, base: { pid: process.pid, role: 'primary' } });
  for (const warning of config.warnings) logger.warn(warning);
  for (const generated of resolveRuntimeSecrets(config).generated) logger.warn(`Generated ${generated}`);
  await runMigrations(config.database);
  new ClusterSupervisor(config, logger).start();
}

class ClusterSupervisor {
  private readonly metrics = new AggregatorRegistry();
  private readonly listening = new Set<Worker>();
  private readonly restarts: number[] = [];
  private stopping = false;

  constructor(
    private readonly config: AppConfig,
    private readonly logger: Logger,
  ) {}

  start(): void {
    cluster.on('message', (worker, message: unknown) => {
      if (isQueryMessage(message)) void this.answer(worker, message);
    });
    cluster.on('listening', (worker) => this.listening.add(worker));
    cluster.on('exit', (worker, code, signal) => this.onExit(worker, code, signal));
    for (const signal of ['SIGTERM', 'SIGINT'] as const) process.on(signal, () => this.stop(signal));
    if (this.config.tls.mode === 'files') {
      // Each worker reloads the TLS files into its own HTTPS server.
      process.on('SIGHUP', () => this.forEachWorker((worker) => worker.process.kill('SIGHUP')));
    }
    for (let i = 0; i < this.config.workers; i++) cluster.fork();
    this.logger.info({ workers: this.config.workers }, 'cluster mode: workers started');
  }

  private readonly handlers: Handlers = {
    metrics: async () => ({
      contentType: this.metrics.contentType,
      text: await this.metrics.clusterMetrics(),
    }),
  };

  private async answer(worker: Worker, message: QueryMessage): Promise<void> {
    const handler = this.handlers[message.kind] as (args: QueryMessage['args']) => Promise<unknown>;
    let reply: ReplyMessage;
    try {
      reply = { channel: CLUSTER_CHANNEL, id: message.id, ok: true, result: await handler(message.args) };
    } catch (error) {
      reply = { channel: CLUSTER_CHANNEL, id: message.id, ok: false, error: String(error) };
    }
    if (worker.isConnected()) worker.send(reply);
  }

  private onExit(worker: Worker, code: number | null, signal: string | null): void {
    const wasServing = this.listening.delete(worker);
    if (this.stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit();
      return;
    }
    this.logger.error({ worker: worker.process.pid, code, signal }, 'worker exited');
    if (!wasServing) return this.giveUp('a worker exited before it was serving');
    const now = Date.now();
    this.restarts.push(now);
    while (this.restarts[0] < now - RESTART_WINDOW_MS) this.restarts.shift();
    if (this.restarts.length > MAX_RESTARTS)
      return this.giveUp(`more than ${MAX_RESTARTS} worker exits in a minute`);
    cluster.fork();
  }

  private giveUp(reason: string): void {
    this.logger.fatal(`stopping: ${reason}`);
    this.stop('SIGTERM', 1);
  }

  private stop(signal: NodeJS.Signals, exitCode = 0): void {
    this.stopping = true;
    process.exitCode = exitCode;
    if (this.forEachWorker((worker) => worker.process.kill(signal)) === 0) process.exit();
  }

  private forEachWorker(act: (worker: Worker) => void): number {
    const workers = Object.values(cluster.workers ?? {}).filter((worker): worker is Worker => !!worker);
    workers.forEach(act);
    return workers.length;
  }
}
