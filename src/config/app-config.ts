import { ipRanges } from '../profiles/profile-fields';
import { isIP } from 'node:net';
import { availableParallelism } from 'node:os';
import { InvalidConfigError, parseBoolean, parseInteger, parseRateLimit, RateLimit } from './config-parsers';
import { loadTlsConfig, parseTrustProxy, TlsConfig, TrustProxy } from './tls-config';
import { withSecretVariableFiles } from './secret-variable-files';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

/** OIDC workload identity federation (src/federation, docs/workload-federation.md). */
export interface FederationConfig {
  /** How long one fetch of an issuer's discovery document or JWKS may take. */
  fetchTimeoutMs: number;
  /** How long fetched keys are used before they are fetched again. */
  jwksCacheSeconds: number;
  /** The least time between two fetches of one issuer's keys caused by an unknown key id. */
  jwksRefetchSeconds: number;
  /** http:// issuers (development, tests); https only otherwise. */
  allowHttpIssuers: boolean;
  /** The longest lifetime of an access token from a token exchange, whatever a trust policy says. */
  workloadTokenMaxMinutes: number;
}

/** The ACME server (src/acme/, docs/acme.md). */
export interface AcmeConfig {
  /** How long a Replay-Nonce is accepted. */
  nonceLifetimeSeconds: number;
  /** How long a new order may take to be finalized. */
  orderLifetimeHours: number;
  /** How long a pending authorization waits for its challenge. */
  authorizationLifetimeHours: number;
  /** A valid authorization of the account is reused by its new orders for this long (0: never). */
  authorizationReuseHours: number;
  /** meta.termsOfService of the directory; null: none to agree to. */
  termsOfServiceUrl: string | null;
  /** CIDRs the validator never connects to (metadata services, link-local, the service's own networks). */
  validationDenyNetworks: string[];
  /** host:port of the DNS server for dns-01 and for the names of http-01 and tls-alpn-01; null: the system's. */
  dnsResolver: string | null;
  http01Port: number;
  tlsAlpn01Port: number;
  /** One validation attempt's time limit (connect, TLS, response). */
  validationTimeoutSeconds: number;
  /** Attempts per challenge (with back-off) before it is invalid. */
  validationAttempts: number;
}

export type DatabaseTarget =
  { kind: 'pglite-file'; dataDir: string } | { kind: 'pglite-memory' } | { kind: 'postgres'; url: string };

/** The one typed configuration of the service. Built once from the environment at start-up. */
export class AppConfig {
  readonly nodeEnv!: string;
  readonly host!: string;
  readonly port!: number;
  readonly apiPrefix!: string;
  readonly publicBaseUrl!: string;
  readonly dataDir!: string;
  readonly database!: DatabaseTarget;
  /** As given; only exposed masked (see config endpoint). */
  readonly databaseUrl!: string | null;
  readonly secretKey!: string | null;
  readonly privateKeyEncryptionKey!: Buffer | null;
  readonly caKeySize!: number;
  readonly caCertDays!: number;
  readonly certKeySize!: number;
  readonly certDays!: number;
  /** Subject alternative names one certificate may carry, all types together. */
  readonly maxSansPerCertificate!: number;
  /** Days after notAfter in which POST /certificates/renew still accepts a certificate's proof. */
  readonly renewalGracePeriodDays!: number;
  readonly crlValidityDays!: number;
  readonly accessTokenExpireMinutes!: number;
  readonly refreshTokenExpireMinutes!: number;
  /** How long after a rotation a replay of the old refresh token counts as a concurrent refresh, not theft. */
  readonly refreshReuseGraceSeconds!: number;
  readonly authRateLimit!: RateLimit;
  /** The longest an API key may live, in days (keys default to 90 days, or this when it is shorter). */
  readonly apiKeyMaxDays!: number;
  /** Issuance requests per API key (each key its own window), e.g. 120/minute. */
  readonly apiKeyIssueRateLimit!: RateLimit;
  readonly federation!: FederationConfig;
  readonly acme!: AcmeConfig;
  readonly allowUnauthenticatedRegistration!: boolean;
  readonly corsOrigins!: string[];
  readonly logLevel!: LogLevel;
  readonly bcryptRounds!: number;
  readonly maxBodySizeBytes!: number;
  readonly signingConcurrency!: number;
  /** HTTP worker processes (node:cluster); 1 serves from this process. */
  readonly workers!: number;
  /** Nice value of the helper threads (signing, key generation, bcrypt); 0 leaves them as they are. */
  readonly helperThreadNice!: number;
  /** HTTPS (see docs/tls.md) and the proxies whose X-Forwarded-For is believed. */
  readonly tls!: TlsConfig;
  readonly trustProxy!: TrustProxy;
  /** Settings that work but are probably not what the operator wants; logged at start-up. */
  readonly warnings!: readonly string[];

  constructor(values: AppConfig) {
    Object.assign(this, values);
  }

  get isProduction(): boolean {
    return this.nodeEnv === 'production';
  }
}

/** The highest MAX_SANS_PER_CERTIFICATE; also what one SAN list of a request body may hold. */
export const SAN_COUNT_CEILING = 1000;

const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];
const RSA_SIZES = [2048, 3072, 4096];

type Env = Record<string, string | undefined>;

/**
 * Reads and validates every variable. Throws InvalidConfigError naming the variable and what is
 * wrong; secrets that the embedded default generates are resolved later (see secret-files.ts).
 */
export function loadAppConfig(givenEnv: Env): AppConfig {
  const errors: string[] = [];
  const warnings: string[] = [];
  const env = withSecretVariableFiles(givenEnv, errors);
  const read = <T>(name: string, fallback: string, parse: (name: string, raw: string) => T): T => {
    const raw = env[name] ?? fallback;
    try {
      return parse(name, raw.trim());
    } catch (error) {
      errors.push(error instanceof Error ? error.message : String(error));
      return parse(name, fallback);
    }
  };
  const int = (min: number, max: number) => (name: string, raw: string) => parseInteger(name, raw, min, max);
  const oneOf =
    <T extends string | number>(allowed: readonly T[], parse: (name: string, raw: string) => T) =>
    (name: string, raw: string): T => {
      const value = parse(name, raw);
      if (!allowed.includes(value)) {
        throw new InvalidConfigError(name, `must be one of ${allowed.join(', ')} (got "${raw}")`);
      }
      return value;
    };

  const port = read('PORT', '8000', int(0, 65535));
  const host = read('HOST', '127.0.0.1', (name, raw) => nonEmpty(name, raw));
  const apiPrefix = read('API_V1_STR', '/api/v1', parseApiPrefix);
  const dataDir = read('DATA_DIR', './data', (name, raw) => nonEmpty(name, raw));
  const databaseUrl = env.DATABASE_URL?.trim() || null;
  const database = read('DATABASE_URL', '', (name, raw) => parseDatabaseTarget(name, raw, dataDir));
  const secretKey = read('SECRET_KEY', '', parseSecretKey);
  const privateKeyEncryptionKey = read('PRIVATE_KEY_ENCRYPTION_KEY', '', parseEncryptionKey);
  const publicBaseUrl = read('PUBLIC_BASE_URL', `http://${host}:${port}`, parseBaseUrl);
  const workers = read('WORKERS', '1', parseWorkers);

  const config = new AppConfig({
    nodeEnv: env.NODE_ENV?.trim() || 'development',
    host,
    port,
    apiPrefix,
    publicBaseUrl,
    dataDir,
    database,
    databaseUrl,
    secretKey,
    privateKeyEncryptionKey,
    caKeySize: read('CA_KEY_SIZE', '4096', oneOf(RSA_SIZES, int(0, 1 << 16))),
    caCertDays: read('CA_CERT_DAYS', '3650', int(1, 36500)),
    certKeySize: read('CERT_KEY_SIZE', '2048', oneOf(RSA_SIZES, int(0, 1 << 16))),
    certDays: read('CERT_DAYS', '365', int(1, 36500)),
    maxSansPerCertificate: read('MAX_SANS_PER_CERTIFICATE', '100', int(1, SAN_COUNT_CEILING)),
    renewalGracePeriodDays: read('RENEWAL_GRACE_PERIOD_DAYS', '0', int(0, 365)),
    crlValidityDays: read('CRL_VALIDITY_DAYS', '7', int(1, 365)),
    accessTokenExpireMinutes: read('ACCESS_TOKEN_EXPIRE_MINUTES', '15', int(1, 24 * 60)),
    refreshTokenExpireMinutes: read('REFRESH_TOKEN_EXPIRE_MINUTES', '1440', int(1, 365 * 24 * 60)),
    refreshReuseGraceSeconds: read('REFRESH_REUSE_GRACE_SECONDS', '10', int(0, 300)),
    authRateLimit: read('AUTH_RATE_LIMIT', '5/minute', parseRateLimit),
    apiKeyMaxDays: read('API_KEY_MAX_DAYS', '365', int(1, 3650)),
    apiKeyIssueRateLimit: read('API_KEY_ISSUE_RATE_LIMIT', '120/minute', parseRateLimit),
    federation: {
      fetchTimeoutMs: read('FEDERATION_FETCH_TIMEOUT_MS', '5000', int(100, 60_000)),
      jwksCacheSeconds: read('FEDERATION_JWKS_CACHE_SECONDS', '600', int(0, 86_400)),
      jwksRefetchSeconds: read('FEDERATION_JWKS_REFETCH_SECONDS', '30', int(0, 3600)),
      allowHttpIssuers: read('FEDERATION_ALLOW_HTTP_ISSUERS', 'false', parseBoolean),
      workloadTokenMaxMinutes: read('WORKLOAD_TOKEN_MAX_MINUTES', '60', int(1, 24 * 60)),
    },
    acme: {
      nonceLifetimeSeconds: read('ACME_NONCE_LIFETIME_SECONDS', '3600', int(10, 86_400)),
      orderLifetimeHours: read('ACME_ORDER_LIFETIME_HOURS', '24', int(1, 24 * 30)),
      authorizationLifetimeHours: read('ACME_AUTHZ_LIFETIME_HOURS', '24', int(1, 24 * 30)),
      authorizationReuseHours: read('ACME_AUTHZ_REUSE_HOURS', '24', int(0, 24 * 30)),
      termsOfServiceUrl: read('ACME_TERMS_OF_SERVICE_URL', '', parseOptionalUrl),
      validationDenyNetworks: read(
        'ACME_VALIDATION_DENY_NETWORKS',
        DEFAULT_ACME_DENY_NETWORKS,
        parseCidrList,
      ),
      dnsResolver: read('ACME_DNS_RESOLVER', '', parseResolverAddress),
      http01Port: read('ACME_HTTP01_PORT', '80', int(1, 65_535)),
      tlsAlpn01Port: read('ACME_TLS_ALPN01_PORT', '443', int(1, 65_535)),
      validationTimeoutSeconds: read('ACME_VALIDATION_TIMEOUT_SECONDS', '10', int(1, 120)),
      validationAttempts: read('ACME_VALIDATION_ATTEMPTS', '3', int(1, 10)),
    },
    allowUnauthenticatedRegistration: read('ALLOW_UNAUTHENTICATED_REGISTRATION', 'false', parseBoolean),
    corsOrigins: read('BACKEND_CORS_ORIGINS', '', parseCorsOrigins),
    logLevel: read(
      'LOG_LEVEL',
      'info',
      oneOf(LOG_LEVELS, (_name, raw) => raw.toLowerCase() as LogLevel),
    ),
    bcryptRounds: read('BCRYPT_ROUNDS', '12', int(4, 31)),
    maxBodySizeBytes: read('MAX_BODY_SIZE', '1mb', parseByteSize),
    // One core stays with the event loops (reads, the database driver) while the others sign;
    // with several workers the signing cores are shared out between them.
    signingConcurrency: read(
      'SIGNING_CONCURRENCY',
      String(Math.max(1, Math.ceil((availableParallelism() - 1) / workers))),
      int(1, 256),
    ),
    workers,
    helperThreadNice: read('HELPER_THREAD_NICE', '10', int(0, 19)),
    tls: loadTlsConfig(env, publicBaseUrl, errors),
    trustProxy: read('TRUST_PROXY', '', parseTrustProxy),
    warnings: warnings as readonly string[],
  } as AppConfig);

  // Written into every certificate (CRL distribution point, CA issuers): a guess is wrong for everyone else.
  if (!env.PUBLIC_BASE_URL?.trim()) {
    if (config.isProduction) {
      errors.push(
        'PUBLIC_BASE_URL: is required when NODE_ENV=production (the URL clients reach this service at, ' +
          'e.g. https://ca.example.com; it is written into every certificate)',
      );
    } else {
      warnings.push(
        `PUBLIC_BASE_URL is not set: certificates will point at ${publicBaseUrl}, ` +
          'which only this machine can reach; set it to the URL clients use',
      );
    }
  }

  if (config.isProduction && !config.secretKey) {
    errors.push('SECRET_KEY: is required when NODE_ENV=production (at least 32 characters)');
  }
  if (config.isProduction && config.database.kind === 'postgres' && !config.privateKeyEncryptionKey) {
    errors.push(
      'PRIVATE_KEY_ENCRYPTION_KEY: is required when NODE_ENV=production with PostgreSQL ' +
        '(32 bytes as 64 hex characters or base64)',
    );
  }
  if (config.workers > 1 && config.database.kind !== 'postgres') {
    errors.push(
      'WORKERS: more than one worker needs DATABASE_URL=postgres://…; the embedded PGlite belongs to one process',
    );
  }
  if (errors.length > 0) {
    throw new InvalidConfigError(null, errors.join('; '));
  }
  return config;
}

function nonEmpty(name: string, raw: string): string {
  if (!raw) throw new InvalidConfigError(name, 'must not be empty');
  return raw;
}

function parseApiPrefix(name: string, raw: string): string {
  if (!/^\/[A-Za-z0-9_\-/]*[A-Za-z0-9_-]$/.test(raw)) {
    throw new InvalidConfigError(name, `must be a path such as /api/v1 (got "${raw}")`);
  }
  return raw;
}

function parseDatabaseTarget(name: string, raw: string, dataDir: string): DatabaseTarget {
  if (raw === '') return { kind: 'pglite-file', dataDir };
  if (raw === 'memory://') return { kind: 'pglite-memory' };
  if (/^postgres(ql)?:\/\/.+/.test(raw)) {
    try {
      new URL(raw);
    } catch {
      throw new InvalidConfigError(name, 'is not a valid URL');
    }
    return { kind: 'postgres', url: raw };
  }
  throw new InvalidConfigError(name, 'must be unset (embedded PGlite), memory:// or postgres://…');
}

/** A count, or "auto" for one worker per core. */
function parseWorkers(name: string, raw: string): number {
  if (raw.toLowerCase() === 'auto') return availableParallelism();
  return parseInteger(name, raw, 1, 64);
}

function parseSecretKey(name: string, raw: string): string | null {
  if (raw === '') return null;
  if (raw.length < 32)
    throw new InvalidConfigError(name, `must be at least 32 characters (got ${raw.length})`);
  return raw;
}

export function parseEncryptionKey(name: string, raw: string): Buffer | null {
  if (raw === '') return null;
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) {
    throw new InvalidConfigError(name, 'must be 32 bytes, as 64 hex characters or base64');
  }
  return key;
}

/**
 * Loopback (the service's own host), link-local (cloud metadata services at 169.254.169.254,
 * fd00:ec2::254) and the unspecified addresses.
 */
const DEFAULT_ACME_DENY_NETWORKS =
  '127.0.0.0/8,::1/128,169.254.0.0/16,fe80::/10,fd00:ec2::/32,0.0.0.0/8,::/128';

function parseCidrList(name: string, raw: string): string[] {
  const values = raw
    .split(',')
    .map((value) => value.trim())
    .filter((value) => value !== '');
  try {
    return ipRanges(name, values);
  } catch (error) {
    throw new Error(error instanceof Error ? error.message : String(error));
  }
}

/** `address:port` or `[v6 address]:port` (a DNS server is named by its address); empty: none. */
function parseResolverAddress(name: string, raw: string): string | null {
  if (raw === '') return null;
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([0-9.]+)):([0-9]{1,5})$/.exec(raw);
  const address = match?.[1] ?? match?.[2] ?? '';
  const port = Number(match?.[3] ?? 0);
  if (!match || isIP(address) !== (match[1] ? 6 : 4) || port < 1 || port > 65_535) {
    throw new Error(`${name} must be an IP address and port (e.g. 127.0.0.1:53 or [::1]:53), got "${raw}"`);
  }
  return raw;
}

function parseOptionalUrl(name: string, raw: string): string | null {
  if (raw === '') return null;
  if (!URL.canParse(raw) || !/^https?:$/.test(new URL(raw).protocol)) {
    throw new Error(`${name} must be an http(s) URL, got "${raw}"`);
  }
  return raw;
}

function parseBaseUrl(name: string, raw: string): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new InvalidConfigError(name, `must be an absolute http(s) URL (got "${raw}")`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new InvalidConfigError(name, 'must use http or https');
  }
  return raw.replace(/\/+$/, '');
}

function parseCorsOrigins(name: string, raw: string): string[] {
  if (raw === '') return [];
  const list: unknown = raw.startsWith('[') ? JSON.parse(raw) : raw.split(',');
  if (!Array.isArray(list) || !list.every((item) => typeof item === 'string')) {
    throw new InvalidConfigError(name, 'must be a comma-separated list or a JSON array of origins');
  }
  return list.map((origin: string) => origin.trim().replace(/\/+$/, '')).filter(Boolean);
}

function parseByteSize(name: string, raw: string): number {
  const match = /^(\d+)\s*(b|kb|mb)?$/i.exec(raw);
  if (!match) throw new InvalidConfigError(name, `must be a size such as 1mb, 512kb or 65536 (got "${raw}")`);
  const factor = { b: 1, kb: 1024, mb: 1024 * 1024 }[(match[2] ?? 'b').toLowerCase() as 'b' | 'kb' | 'mb'];
  const bytes = Number(match[1]) * factor;
  if (bytes < 1024 || bytes > 64 * 1024 * 1024)
    throw new InvalidConfigError(name, 'must be between 1kb and 64mb');
  return bytes;
}
