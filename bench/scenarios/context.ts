import type { CfsslServer } from '../baselines/cfssl';
import type { AppHost } from '../lib/app-host';
import type { ApiClient, CaInfo, IssuedCertificate } from '../lib/api-client';
import type { BenchOptions } from '../lib/options';
import type { TargetReport } from '../lib/report';

export interface CfsslPair {
  plain: CfsslServer;
  /** null when there is no PostgreSQL for its certdb or this cfssl lacks -db-config. */
  stored: CfsslServer | null;
}

export interface CfsslFleet {
  version: string;
  rsa: CfsslPair;
  ec: CfsslPair;
  /** Where the stored servers keep their certificates, or why there are none. */
  storage: { databaseUrl: string } | { skipped: string };
}

export interface Fixtures {
  username: string;
  password: string;
  csrPem: string;
  /** RSA-4096 (the default CA size) and EC P-256 CAs, each with one certificate signed. */
  rsaCa: CaInfo;
  ecCa: CaInfo;
  /** A certificate to read back by id. */
  sample: IssuedCertificate;
}

export interface BenchContext {
  options: BenchOptions;
  host: AppHost;
  api: ApiClient;
  fixtures: Fixtures;
  /** null when cfssl is missing: its baselines are skipped, and said so. */
  cfssl: CfsslFleet | null;
  report: TargetReport;
}
