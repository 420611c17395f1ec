import { join } from 'node:path';
import { AppSecrets, AppServer, newSecrets } from './app-server';
import { openPglite, openPostgres, SqlSession } from './database';
import { rssMb } from './proc-stats';

/** Owns the app process across restarts and gives the seeding code a database session. */
export class AppHost {
  private server: AppServer | null = null;
  private readonly secrets: AppSecrets = newSecrets();
  /** Start-up times of every start, in order; the first one is on an empty database. */
  readonly startupsMs: number[] = [];
  private logCount = 0;

  constructor(
    private readonly repoRoot: string,
    readonly dataDir: string,
    private readonly logDir: string,
    private readonly port: number,
    readonly databaseUrl: string | null,
    readonly workers: number,
  ) {}

  get databaseLabel(): string {
    const database = this.databaseUrl ? 'PostgreSQL' : 'embedded PGlite';
    return this.workers > 1 ? `${database}, ${this.workers} workers` : database;
  }

  get app(): AppServer {
    if (!this.server) throw new Error('the app is not running');
    return this.server;
  }

  async start(nodeArgs: readonly string[] = [], workers = this.workers): Promise<AppServer> {
    this.logCount += 1;
    this.server = await AppServer.start(
      {
        repoRoot: this.repoRoot,
        dataDir: this.dataDir,
        port: this.port,
        databaseUrl: this.databaseUrl,
        logFile: join(this.logDir, `app-${this.logCount}.log`),
        secrets: this.secrets,
        workers,
      },
      nodeArgs,
    );
    this.startupsMs.push(this.server.startupMs);
    return this.server;
  }

  async stop(): Promise<void> {
    if (this.server) await this.server.stop();
    this.server = null;
  }

  async restart(nodeArgs: readonly string[] = [], workers = this.workers): Promise<AppServer> {
    await this.stop();
    return this.start(nodeArgs, workers);
  }

  rssMb(): number {
    return rssMb(this.app.pid);
  }

  /**
   * Runs `work` with SQL access to the app's database. PostgreSQL: alongside the running app. PGlite is
   * a single-process database, so the app is stopped, the directory opened here, and the app restarted.
   */
  async withDatabase<T>(work: (session: SqlSession) => Promise<T>): Promise<T> {
    if (this.databaseUrl) {
      const session = await openPostgres(this.databaseUrl);
      try {
        return await work(session);
      } finally {
        await session.close();
      }
    }
    await this.stop();
    const session = await openPglite(this.dataDir);
    try {
      return await work(session);
    } finally {
      await session.close();
      await this.start();
    }
  }
}
