import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { databaseUnavailableReason } from '../common/database-errors';
import { DatabaseOutageMonitor } from '../database/database-outage.monitor';
import { CrlService } from './crl.service';

const REFRESH_INTERVAL_MS = 60_000;

/**
 * Re-signs CRLs that are due (crlIsDueForRefresh: stale, or past REFRESH_FRACTION of their validity), so a CRL is renewed long before its
 * nextUpdate even when nobody reads it. Safe with several instances on one database: re-signing
 * happens under the crl_state row lock and re-checks freshness, so only one instance signs.
 */
@Injectable()
export class CrlRefresher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CrlRefresher.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    private readonly crls: CrlService,
    private readonly outages: DatabaseOutageMonitor,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.scheduledPass(), REFRESH_INTERVAL_MS);
    this.timer.unref();
  }

  /** The timer's pass. Never rejects: an unhandled rejection would end the process. */
  async scheduledPass(): Promise<void> {
    try {
      await this.refreshDue();
    } catch (error) {
      this.reportFailure(error);
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** One pass over the CAs whose CRL is due; returns how many were looked at. */
  async refreshDue(): Promise<number> {
    if (this.running) return 0;
    let count = 0;
    const pass = (async () => {
      for (const caId of await this.crls.dueForRefresh()) {
        try {
          await this.crls.published(caId, () => true);
          count += 1;
        } catch (error) {
          this.reportFailure(error, caId);
        }
      }
    })();
    this.running = pass;
    try {
      await pass;
    } finally {
      this.running = null;
    }
    return count;
  }

  /** During a database outage every pass fails the same way: it is logged once, with the requests'. */
  private reportFailure(error: unknown, caId?: number): void {
    const unavailable = databaseUnavailableReason(error);
    if (unavailable) this.outages.failed(unavailable);
    else this.logger.error({ err: error, caId }, 'scheduled CRL refresh failed');
  }
}
