import type { ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { startLogged, stopProcess, waitForHttp } from './commands';

export interface AppServerConfig {
  repoRoot: string;
  dataDir: string;
  port: number;
  /** null: embedded PGlite in dataDir. */
  databaseUrl: string | null;
  logFile: string;
  secrets: AppSecrets;
  /** WORKERS: more than one runs the app in cluster mode. */
  workers: number;
}

export interface AppSecrets {
  secretKey: string;
  keyEncryptionKey: string;
}

export function newSecrets(): AppSecrets {
  return { secretKey: randomBytes(32).toString('hex'), keyEncryptionKey: randomBytes(32).toString('hex') };
}

const STARTUP_TIMEOUT_MS = 120_000;
/** Processes the bench is stopping on purpose; any other exit is reported. */
const stopping = new WeakSet<ChildProcess>();

/** The production build (dist/src/main.js) as a child process. */
export class AppServer {
  private constructor(
    private readonly child: ChildProcess,
    readonly baseUrl: string,
    /** Spawn to the first 200 from GET /status. */
    readonly startupMs: number,
  ) {}

  static async start(config: AppServerConfig, nodeArgs: readonly string[] = []): Promise<AppServer> {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NODE_ENV: 'production',
      HOST: '127.0.0.1',
      PORT: String(config.port),
      PUBLIC_BASE_URL: `http://127.0.0.1:${config.port}`,
      DATA_DIR: config.dataDir,
      SECRET_KEY: config.secrets.secretKey,
      PRIVATE_KEY_ENCRYPTION_KEY: config.secrets.keyEncryptionKey,
      LOG_LEVEL: 'warn',
      BCRYPT_ROUNDS: '12',
      // One user signs in many times; the login scenario measures bcrypt, not the limiter.
      AUTH_RATE_LIMIT: '1000000/minute',
      ACCESS_TOKEN_EXPIRE_MINUTES: '1440',
      WORKERS: String(config.workers),
    };
    if (config.databaseUrl) env.DATABASE_URL = config.databaseUrl;
    else delete env.DATABASE_URL;
    const baseUrl = `http://127.0.0.1:${config.port}`;
    const child = startLogged(
      process.execPath,
      [...nodeArgs, join('dist', 'src', 'main.js')],
      config.logFile,
      {
        cwd: config.repoRoot,
        env,
      },
    );
    child.once('exit', (code, signal) => {
      if (!stopping.has(child))
        process.stderr.write(
          `the app exited unexpectedly (code ${code}, signal ${signal}); log: ${config.logFile}\n`,
        );
    });
    try {
      const startupMs = await waitForHttp(`${baseUrl}/status`, STARTUP_TIMEOUT_MS, child);
      return new AppServer(child, baseUrl, startupMs);
    } catch (error) {
      await stopProcess(child);
      throw new Error(`the app did not start (log: ${config.logFile}): ${(error as Error).message}`);
    }
  }

  get pid(): number {
    if (this.child.pid === undefined) throw new Error('the app process has no pid');
    return this.child.pid;
  }

  /** SIGTERM: the app drains requests, closes the database (and writes its --cpu-prof profile). */
  stop(): Promise<void> {
    stopping.add(this.child);
    return stopProcess(this.child, 60_000);
  }
}
