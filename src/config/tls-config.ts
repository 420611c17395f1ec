import { isIP } from 'node:net';
import { InvalidConfigError, parseBoolean, parseInteger } from './config-parsers';

/** How the service speaks TLS: not at all, from the operator's files, or with a certificate it issues itself. */
export type TlsConfig =
  | { mode: 'off' }
  | { mode: 'files'; certFile: string; keyFile: string }
  | {
      mode: 'self-issued';
      /** Slug (`my-ca-3`) or id of the issuing CA; null means the service's own TLS root. */
      issuer: string | null;
      dnsNames: string[];
      ipAddresses: string[];
      validDays: number;
    };

/** Express's `trust proxy`: false, a hop count, or the addresses/CIDRs/named ranges of the proxies. */
export type TrustProxy = false | number | string[];

const NAMED_RANGES = ['loopback', 'linklocal', 'uniquelocal'];

type Env = Record<string, string | undefined>;

/** TLS_* variables. Problems are pushed onto `errors`, each naming its variable. */
export function loadTlsConfig(env: Env, publicBaseUrl: string, errors: string[]): TlsConfig {
  const value = (name: string) => env[name]?.trim() ?? '';
  const certFile = value('TLS_CERT_FILE');
  const keyFile = value('TLS_KEY_FILE');
  let selfIssued = false;
  try {
    selfIssued = parseBoolean('TLS_SELF_ISSUED', value('TLS_SELF_ISSUED'));
  } catch (error) {
    errors.push((error as Error).message);
  }
  if ((certFile === '') !== (keyFile === '')) {
    errors.push(
      `${certFile ? 'TLS_KEY_FILE' : 'TLS_CERT_FILE'}: must be set together with ` +
        `${certFile ? 'TLS_CERT_FILE' : 'TLS_KEY_FILE'} (a certificate and its private key, PEM)`,
    );
    return { mode: 'off' };
  }
  if (certFile && selfIssued) {
    errors.push('TLS_SELF_ISSUED: cannot be true together with TLS_CERT_FILE/TLS_KEY_FILE; choose one');
    return { mode: 'off' };
  }
  if (certFile) return { mode: 'files', certFile, keyFile };
  if (!selfIssued) return { mode: 'off' };

  let validDays = 30;
  try {
    validDays = parseInteger('TLS_SELF_ISSUED_DAYS', value('TLS_SELF_ISSUED_DAYS') || '30', 1, 397);
  } catch (error) {
    errors.push((error as Error).message);
  }
  const names = value('TLS_SELF_ISSUED_NAMES')
    ? value('TLS_SELF_ISSUED_NAMES').split(',')
    : [new URL(publicBaseUrl).hostname.replace(/^\[|\]$/g, ''), 'localhost', '127.0.0.1'];
  const dnsNames: string[] = [];
  const ipAddresses: string[] = [];
  for (const raw of names) {
    const name = raw.trim().toLowerCase();
    if (!name) continue;
    const list = isIP(name) ? ipAddresses : dnsNames;
    if (
      !isIP(name) &&
      !/^(\*\.)?([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)*[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/.test(name)
    ) {
      errors.push(`TLS_SELF_ISSUED_NAMES: "${name}" is neither a DNS name nor an IP address`);
      continue;
    }
    if (!list.includes(name)) list.push(name);
  }
  if (dnsNames.length + ipAddresses.length === 0) {
    errors.push('TLS_SELF_ISSUED_NAMES: needs at least one DNS name or IP address');
  }
  return {
    mode: 'self-issued',
    issuer: value('TLS_SELF_ISSUED_CA') || null,
    dnsNames,
    ipAddresses,
    validDays,
  };
}

/**
 * TRUST_PROXY: unset or `false` trusts no proxy (the socket's address is the client); a number
 * trusts that many hops; otherwise a comma-separated list of proxy addresses, CIDRs and express's
 * named ranges (loopback, linklocal, uniquelocal). `true` (trust every hop) is refused: anyone could
 * then choose their address with X-Forwarded-For and escape the rate limits.
 */
export function parseTrustProxy(name: string, raw: string): TrustProxy {
  if (raw === '' || raw.toLowerCase() === 'false') return false;
  if (/^\d+$/.test(raw)) {
    const hops = parseInteger(name, raw, 0, 32);
    return hops === 0 ? false : hops;
  }
  if (raw.toLowerCase() === 'true') {
    throw new InvalidConfigError(
      name,
      'true would trust any X-Forwarded-For; give the number of proxies in front (1) or their addresses/CIDRs',
    );
  }
  return raw.split(',').map((item) => {
    const entry = item.trim();
    if (NAMED_RANGES.includes(entry.toLowerCase())) return entry.toLowerCase();
    const [address, prefix, ...rest] = entry.split('/');
    const family = isIP(address);
    const maxPrefix = family === 6 ? 128 : 32;
    const prefixOk = prefix === undefined || (/^\d{1,3}$/.test(prefix) && Number(prefix) <= maxPrefix);
    if (family === 0 || !prefixOk || rest.length > 0) {
      throw new InvalidConfigError(
        name,
        `"${entry}" is not a hop count, an IP address, a CIDR or one of ${NAMED_RANGES.join(', ')}`,
      );
    }
    return entry;
  });
}
