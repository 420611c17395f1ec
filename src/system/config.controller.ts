import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/api-responses.decorator';
import { can } from '../access/policy';
import { ForbiddenError } from '../common/errors';
import { JsonObject } from '../common/json';
import { Auth, AuthContext } from '../common/request-context';
import { AppConfig } from '../config/app-config';
import { TlsConfig } from '../config/tls-config';

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
    crl_validity_days: config.crlValidityDays,
    access_token_expire_minutes: config.accessTokenExpireMinutes,
    refresh_token_expire_minutes: config.refreshTokenExpireMinutes,
    refresh_reuse_grace_seconds: config.refreshReuseGraceSeconds,
    auth_rate_limit: `${config.authRateLimit.limit}/${config.authRateLimit.windowSeconds}s`,
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

@ApiTags('system')
@Controller('config')
export class ConfigController {
  constructor(private readonly config: AppConfig) {}

  @Get()
  @ApiOperation({ summary: 'The running configuration without secrets (superusers only)' })
  @ApiOkResponse({
    description: 'Setting names as in the README table; secrets only as "configured" or "generated"',
    schema: { type: 'object', additionalProperties: true },
  })
  @ApiErrors(401, 403)
  show(@Auth() auth: AuthContext): JsonObject {
    if (!can(auth.user, 'read_config'))
      throw new ForbiddenError('Only superusers may read the configuration');
    return publicConfiguration(this.config);
  }
}
