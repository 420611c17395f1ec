import { Injectable } from '@nestjs/common';
import { authorize } from '../access/authorize';
import { Actor } from '../access/policy';
import { JsonObject } from '../common/json';
import { AppConfig } from '../config/app-config';
import { TlsConfig } from '../config/tls-config';

/** GET /config: the running configuration, for those allowed to read it. */
@Injectable()
export class ConfigViewService {
  constructor(private readonly config: AppConfig) {}

  show(actor: Actor): JsonObject {
    authorize(actor, 'read_config');
    return publicConfiguration(this.config);
  }
}

/** The running configuration minus every secret: no keys, no passwords, no database credentials. */
export function publicConfiguration(config: AppConfig): JsonObject {
  const database =
    config.database.kind === 'postgres'
      ? { driver: 'postgres', url: maskCredentials(config.database.url) }
      : { driver: config.database.kind === 'pglite-memory' ? 'pglite (memory)' : 'pglite', url: null };
  return {
    environment: config.nodeEnv,
    host: config.host,
    port: config.port,
    api_v1_str: config.apiPrefix,
    public_base_url: config.publicBaseUrl,
    data_dir: config.dataDir,
    database,
    ca_key_size: config.caKeySize,
    ca_cert_days: config.caCertDays,
    cert_key_size: config.certKeySize,
    cert_days: config.certDays,
    max_sans_per_certificate: config.maxSansPerCertificate,
    renewal_grace_period_days: config.renewalGracePeriodDays,
    crl_validity_days: config.crlValidityDays,
    access_token_expire_minutes: config.accessTokenExpireMinutes,
    refresh_token_expire_minutes: config.refreshTokenExpireMinutes,
    refresh_reuse_grace_seconds: config.refreshReuseGraceSeconds,
    auth_rate_limit: `${config.authRateLimit.limit}/${config.authRateLimit.windowSeconds}s`,
    federation: {
      fetch_timeout_ms: config.federation.fetchTimeoutMs,
      jwks_cache_seconds: config.federation.jwksCacheSeconds,
      jwks_refetch_seconds: config.federation.jwksRefetchSeconds,
      allow_http_issuers: config.federation.allowHttpIssuers,
      workload_token_max_minutes: config.federation.workloadTokenMaxMinutes,
    },
    allow_unauthenticated_registration: config.allowUnauthenticatedRegistration,
    backend_cors_origins: config.corsOrigins,
    log_level: config.logLevel,
    bcrypt_rounds: config.bcryptRounds,
    max_body_size_bytes: config.maxBodySizeBytes,
    signing_concurrency: config.signingConcurrency,
    workers: config.workers,
    helper_thread_nice: config.helperThreadNice,
    secret_key: config.secretKey ? 'configured' : 'generated',
    private_key_encryption_key: config.privateKeyEncryptionKey ? 'configured' : 'generated',
    tls: tlsConfiguration(config.tls),
    trust_proxy: config.trustProxy,
  };
}

function tlsConfiguration(tls: TlsConfig): JsonObject {
  if (tls.mode === 'files') return { mode: tls.mode, cert_file: tls.certFile, key_file: tls.keyFile };
  if (tls.mode === 'off') return { mode: tls.mode };
  const { issuer, dnsNames, ipAddresses, validDays } = tls;
  return { mode: tls.mode, ca: issuer, names: [...dnsNames, ...ipAddresses], valid_days: validDays };
}

function maskCredentials(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
