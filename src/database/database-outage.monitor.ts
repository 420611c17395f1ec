import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { OutageLog } from '../common/outage-log';

/** How often the database is tried while it is down, to log its recovery promptly. */
const PROBE_INTERVAL_MS = 1000;

/**
 * Requests that failed because PostgreSQL is unreachable report here: the outage is logged once,
 * and a probe (SELECT 1, one at a time) notices when the database answers again and logs that.
 */
@Injectable()
export class DatabaseOutageMonitor implements OnApplicationShutdown {
  private readonly log = new OutageLog('database', new Logger('Database'));
  private probe: NodeJS.Timeout | null = null;

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  failed(reason: string): void {
    if (this.log.failed(reason)) this.scheduleProbe();
  }

  onApplicationShutdown(): void {
    if (this.probe) clearTimeout(this.probe);
    this.probe = null;
  }

  private scheduleProbe(): void {
    this.probe = setTimeout(() => void this.runProbe(), PROBE_INTERVAL_MS);
    this.probe.unref();
  }

  private async runProbe(): Promise<void> {
    try {
      await this.dataSource.query('SELECT 1');
    } catch {
      if (this.probe) this.scheduleProbe();
      return;
    }
    this.probe = null;
    this.log.recovered();
  }
}
