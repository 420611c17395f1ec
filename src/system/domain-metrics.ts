import { Injectable } from '@nestjs/common';
import { Counter, Histogram, Metric, register } from 'prom-client';

/** Reuses a metric already registered (tests build several apps in one process). */
export function metric<T extends Metric>(name: string, create: () => T): T {
  return (register.getSingleMetric(name) as T | undefined) ?? create();
}

/** Domain counters and histograms, fed by the services (the gauges are DomainGauges'). */
@Injectable()
export class DomainMetrics {
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
  readonly acmeChallengeValidations = metric(
    'acme_challenge_validations_total',
    () =>
      new Counter({
        name: 'acme_challenge_validations_total',
        help: 'ACME challenge validation attempts by challenge type and result (valid, retry, invalid)',
        labelNames: ['type', 'result'],
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
  readonly acmeIssuance = metric(
    'acme_issuance_duration_seconds',
    () =>
      new Histogram({
        name: 'acme_issuance_duration_seconds',
        help: 'ACME orders from newOrder to their certificate (validation included)',
        buckets: [1, 5, 15, 30, 60, 120, 300, 900, 3600, 14400, 86400],
      }),
  );

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
}
