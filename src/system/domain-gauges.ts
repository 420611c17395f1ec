import { Injectable } from '@nestjs/common';
import { Gauge, register } from 'prom-client';
import { caSlug } from '../ca/ca-slug';
import { CaService } from '../ca/ca.service';
import { CrlService } from '../ca/crl.service';
import { CertificateRecordsService } from '../cert/certificate-records.service';
import { RequestsService } from '../requests/requests.service';

const EXPIRY_WINDOWS_DAYS = [1, 7, 30, 90];
/** Domain gauges are SQL aggregates; scrapes within this window reuse the last result. */
const GAUGE_CACHE_MS = 5000;

interface StatusCount {
  status: string;
  count: number;
}

interface DomainCounts {
  cas: StatusCount[];
  certificates: StatusCount[];
  requests: StatusCount[];
  expired: number;
  /** Per CA slug: valid certificates expiring within each window. */
  expiringByCa: { ca: string; expiring: Record<number, number> }[];
  /** Unix seconds, per CA slug. */
  caNotAfter: { ca: string; seconds: number }[];
  crlNextUpdate: { ca: string; seconds: number }[];
}

const toUnixSeconds = (at: Date) => Math.floor(at.getTime() / 1000);

/** The domain gauges: cheap aggregates each module answers for its own tables, read at scrape time. */
@Injectable()
export class DomainGauges {
  private cached: { at: number; counts: Promise<DomainCounts> } | null = null;

  constructor(
    private readonly cas: CaService,
    private readonly crls: CrlService,
    private readonly certificates: CertificateRecordsService,
    private readonly requests: RequestsService,
  ) {
    const counts = () => this.counts();
    const gauge = (
      name: string,
      help: string,
      labelNames: string[],
      fill: (g: Gauge, c: DomainCounts) => void,
    ) => {
      const existing = register.getSingleMetric(name);
      if (existing) register.removeSingleMetric(name);
      new Gauge({
        name,
        help,
        labelNames,
        // Every worker of cluster mode reads the same database: merged, they must not add up.
        aggregator: 'first',
        async collect() {
          const current = await counts();
          this.reset();
          fill(this, current);
        },
      });
    };
    gauge('ca_certificate_authorities', 'Certificate authorities by status', ['status'], (g, c) =>
      c.cas.forEach((row) => g.set({ status: row.status }, row.count)),
    );
    gauge('ca_certificates', 'Certificates by status (valid, revoked, expired)', ['status'], (g, c) =>
      c.certificates.forEach((row) => g.set({ status: row.status }, row.count)),
    );
    gauge('ca_certificate_requests', 'Certificate requests by status', ['status'], (g, c) =>
      c.requests.forEach((row) => g.set({ status: row.status }, row.count)),
    );
    gauge('ca_certificates_expired', 'Certificates past notAfter (not revoked)', [], (g, c) =>
      g.set(c.expired),
    );
    gauge(
      'ca_certificates_expiring',
      'Valid certificates expiring within N days, per issuing CA',
      ['ca', 'within_days'],
      (g, c) =>
        c.expiringByCa.forEach(({ ca, expiring }) =>
          EXPIRY_WINDOWS_DAYS.forEach((days) => g.set({ ca, within_days: String(days) }, expiring[days])),
        ),
    );
    gauge(
      'ca_certificate_not_after_seconds',
      "Each CA certificate's notAfter, in Unix seconds (revoked CAs left out)",
      ['ca'],
      (g, c) => c.caNotAfter.forEach(({ ca, seconds }) => g.set({ ca }, seconds)),
    );
    gauge('ca_crl_next_update_seconds', "Each CA's current CRL nextUpdate, in Unix seconds", ['ca'], (g, c) =>
      c.crlNextUpdate.forEach(({ ca, seconds }) => g.set({ ca }, seconds)),
    );
  }

  private counts(): Promise<DomainCounts> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > GAUGE_CACHE_MS) {
      const counts = this.read();
      this.cached = { at: now, counts };
      counts.catch(() => (this.cached = null));
    }
    return this.cached.counts;
  }

  private async read(): Promise<DomainCounts> {
    const cas = await this.cas.namesAndNotAfter();
    const slugOf = new Map(cas.map((ca) => [ca.id, caSlug(ca.name, ca.id)]));
    const certificates = await this.certificates.statusCounts();
    const expiring = await this.certificates.expiringByIssuer(EXPIRY_WINDOWS_DAYS);
    const nextUpdates = await this.crls.nextUpdates();
    return {
      cas: await this.cas.statusCounts(),
      certificates,
      requests: await this.requests.statusCounts(),
      expired: certificates.find((row) => row.status === 'expired')?.count ?? 0,
      expiringByCa: expiring.flatMap(({ issuerId, expiring }) => {
        const ca = slugOf.get(issuerId);
        return ca ? [{ ca, expiring }] : [];
      }),
      caNotAfter: cas.flatMap((ca) =>
        ca.notAfter && !ca.revoked
          ? [{ ca: caSlug(ca.name, ca.id), seconds: toUnixSeconds(ca.notAfter) }]
          : [],
      ),
      crlNextUpdate: nextUpdates.flatMap(({ caId, nextUpdate }) => {
        const ca = slugOf.get(caId);
        return ca ? [{ ca, seconds: toUnixSeconds(nextUpdate) }] : [];
      }),
    };
  }
}
