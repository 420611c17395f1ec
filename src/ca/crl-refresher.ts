import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { CertificateAuthority } from './certificate-authority.entity';
import { CrlService } from './crl.service';

const REFRESH_INTERVAL_MS = 60_000;

/**
 * Re-signs CRLs that are stale or past half their validity, so a CRL is renewed long before its
 * nextUpdate even when nobody reads it. Safe with several instances on one database: re-signing
 * happens under the crl_state row lock and re-checks freshness, so only one instance signs.
 */
@Injectable()
export class CrlRefresher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CrlRefresher.name);
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crls: CrlService,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => void this.refreshDue(), REFRESH_INTERVAL_MS);
    this.timer.unref();
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
      const due = await this.dataSource
        .getRepository(CertificateAuthority)
        .createQueryBuilder('ca')
        .innerJoin('crl_state', 'state', 'state.ca_id = ca.id')
        .where('ca.certificate_pem IS NOT NULL')
        .andWhere(
          '(state.is_stale OR state.next_update IS NULL OR state.this_update + (state.next_update - state.this_update) / 2 <= now())',
        )
        .getMany();
      for (const ca of due) {
        try {
          await this.crls.current(ca);
          count += 1;
        } catch (error) {
          this.logger.error({ err: error, caId: ca.id }, 'scheduled CRL refresh failed');
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
}
