import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { Counter, Gauge, Histogram, Metric, register } from 'prom-client';
import { DataSource } from 'typeorm';
import { caSlug } from '../ca/ca-slug';
import { REQUEST_STATUSES } from '../requests/certificate-request.entity';
import { CA_STATUS_SQL } from '../issuance/ca-signing-status';

const EXPIRY_WINDOWS_DAYS = [1, 7, 30, 90];
/** Domain gauges are SQL aggregates; scrapes within this window reuse the last result. */
const GAUGE_CACHE_MS = 5000;

interface DomainCounts {
  cas: { status: string; count: number }[];
  certificates: { status: string; count: number }[];
  requests: { status: string; count: number }[];
  expired: number;
  /** Per CA slug: valid certificates expiring within each window. */
  expiringByCa: { ca: string; expiring: Record<number, number> }[];
  /** Unix seconds, per CA slug. */
  caNotAfter: { ca: string; seconds: number }[];
  crlNextUpdate: { ca: string; seconds: number }[];
}

interface CaTimeRow {
  id: number;
  name: string;
  at: Date | string;
}

const toUnixSeconds = (at: Date | string) => Math.floor(new Date(at).getTime() / 1000);
const perCa = (rows: CaTimeRow[]) =>
  rows.map((row) => ({ ca: caSlug(row.name, Number(row.id)), seconds: toUnixSeconds(row.at) }));

/** Reuses a metric already registered (tests build several apps in one process). */
function metric<T extends Metric>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

/** Domain metrics: gauges from cheap aggregates, counters and histograms fed by the services. */
@Injectable()
export class DomainMetrics {
  private cached: { at: number; counts: Promise<DomainCounts> } | null = null;

  readonly certificatesIssued = metric(
    'ca_certificates_issued_total',
    () =>
      new Counter({
        name: 'ca_certificates_issued_total',
        help: 'Certificates issued',
        labelNames: ['certificate_type', 'key_type', 'source'],
      }),
  );
  readonly csrsSigned = metric(
    'ca_csrs_signed_total',
    () => new Counter({ name: 'ca_csrs_signed_total', help: 'CSRs signed' }),
  );
  readonly revocations = metric(
    'ca_revocations_total',
    () =>
      new Counter({
        name: 'ca_revocations_total',
        help: 'Certificates revoked, by RFC 5280 reason',
        labelNames: ['reason'],
      }),
  );
  readonly requestEvents = metric(
    'ca_certificate_request_events_total',
    () =>
      new Counter({
        name: 'ca_certificate_request_events_total',
        help: 'Certificate-request workflow events',
        labelNames: ['action'],
      }),
  );
  readonly caEvents = metric(
    'ca_lifecycle_events_total',
    () =>
      new Counter({
        name: 'ca_lifecycle_events_total',
        help: 'CA lifecycle events (enable, disable, revoke, upload_certificate, sign, update)',
        labelNames: ['action'],
      }),
  );
  readonly logins = metric(
    'ca_logins_total',
    () =>
      new Counter({ name: 'ca_logins_total', help: 'Sign-in attempts by outcome', labelNames: ['outcome'] }),
  );
  readonly authRateLimited = metric(
    'ca_auth_rate_limited_total',
    () =>
      new Counter({
        name: 'ca_auth_rate_limited_total',
        help: 'Sign-in and refresh requests refused by AUTH_RATE_LIMIT',
        labelNames: ['operation'],
      }),
  );
  readonly keyGeneration = metric(
    'ca_key_generation_seconds',
    () =>
      new Histogram({
        name: 'ca_key_generation_seconds',
        help: 'Native key generation time',
        labelNames: ['key_type', 'key_size'],
        buckets: [0.001, 0.005, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      }),
  );
  readonly signing = metric(
    'ca_signing_seconds',
    () =>
      new Histogram({
        name: 'ca_signing_seconds',
        help: 'Time to build and sign a certificate or CRL',
        labelNames: ['operation', 'key_type'],
        buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1, 2.5],
      }),
  );

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {
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
    gauge('ca_certificate_requests', 'Certificate requests by status', ['status'], (g, c) => {
      REQUEST_STATUSES.forEach((status) => g.set({ status }, 0));
      c.requests.forEach((row) => g.set({ status: row.status }, row.count));
    });
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

  async time<T>(
    histogram: Histogram<string>,
    labels: Record<string, string>,
    work: () => Promise<T>,
  ): Promise<T> {
    const stop = histogram.startTimer(labels);
    try {
      return await work();
    } finally {
      stop();
    }
  }

  private counts(): Promise<DomainCounts> {
    const now = Date.now();
    if (!this.cached || now - this.cached.at > GAUGE_CACHE_MS) {
      const counts = this.query();
      this.cached = { at: now, counts };
      counts.catch(() => (this.cached = null));
    }
    return this.cached.counts;
  }

  private async query(): Promise<DomainCounts> {
    const cas: { status: string; count: string }[] = await this.dataSource.query(
      `SELECT ${CA_STATUS_SQL} AS status, count(*) AS count FROM certificate_authorities GROUP BY 1`,
    );
    const certificates: { status: string; count: string }[] = await this.dataSource.query(
      `SELECT CASE WHEN status = 'valid' AND not_after <= now() THEN 'expired' ELSE status END AS status, count(*) AS count
         FROM certificates GROUP BY 1`,
    );
    const requests: { status: string; count: string }[] = await this.dataSource.query(
      `SELECT status, count(*) AS count FROM certificate_requests GROUP BY 1`,
    );
    const windows = EXPIRY_WINDOWS_DAYS.map(
      (days) => `count(*) FILTER (WHERE c.not_after <= now() + interval '${days} days') AS d${days}`,
    );
    const expiring: { id: number; name: string; [window: string]: string | number }[] =
      await this.dataSource.query(
        `SELECT ca.id, ca.name, ${windows.join(', ')}
         FROM certificates c JOIN certificate_authorities ca ON ca.id = c.issuer_id
        WHERE c.status = 'valid' AND c.not_after > now() GROUP BY ca.id, ca.name`,
      );
    const caNotAfter: CaTimeRow[] = await this.dataSource.query(
      `SELECT id, name, not_after AS at FROM certificate_authorities
        WHERE not_after IS NOT NULL AND status <> 'revoked'`,
    );
    const crlNextUpdate: CaTimeRow[] = await this.dataSource.query(
      `SELECT ca.id, ca.name, s.next_update AS at
         FROM crl_state s JOIN certificate_authorities ca ON ca.id = s.ca_id WHERE s.next_update IS NOT NULL`,
    );
    const toRows = (rows: { status: string; count: string }[]) =>
      rows.map((row) => ({ status: row.status, count: Number(row.count) }));
    const certificateRows = toRows(certificates);
    return {
      cas: toRows(cas),
      certificates: certificateRows,
      requests: toRows(requests),
      expired: certificateRows.find((row) => row.status === 'expired')?.count ?? 0,
      expiringByCa: expiring.map((row) => ({
        ca: caSlug(row.name, Number(row.id)),
        expiring: Object.fromEntries(EXPIRY_WINDOWS_DAYS.map((days) => [days, Number(row[`d${days}`])])),
      })),
      caNotAfter: perCa(caNotAfter),
      crlNextUpdate: perCa(crlNextUpdate),
    };
  }
}
