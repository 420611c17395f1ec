import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadAppConfig } from './app-config';

const SECRET = 'a-secret-key-of-at-least-thirty-two-characters';
const KEK_HEX = 'ab'.repeat(32);
const PRODUCTION = {
  NODE_ENV: 'production',
  DATABASE_URL: 'memory://',
  SECRET_KEY: SECRET,
  PUBLIC_BASE_URL: 'https://ca.example.com',
};

function without(env: Record<string, string>, ...names: string[]): Record<string, string> {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !names.includes(name)));
}

function secretFile(content: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'ca-secret-')), 'secret');
  writeFileSync(path, content, { mode: 0o600 });
  return path;
}

describe('PUBLIC_BASE_URL', () => {
  it('is required in production, with a message saying what it is for', () => {
    const env = without(PRODUCTION, 'PUBLIC_BASE_URL');
    expect(() => loadAppConfig(env)).toThrow(
      'PUBLIC_BASE_URL: is required when NODE_ENV=production (the URL clients reach this service at',
    );
    expect(() => loadAppConfig({ ...env, PUBLIC_BASE_URL: '  ' })).toThrow('PUBLIC_BASE_URL: is required');
  });

  it('defaults to the local address in development, with a warning', () => {
    const config = loadAppConfig({ DATABASE_URL: 'memory://', PORT: '8123' });
    expect(config.publicBaseUrl).toBe('http://127.0.0.1:8123');
    expect(config.warnings).toEqual([expect.stringContaining('PUBLIC_BASE_URL is not set')]);
  });

  it('gives no warning when it is set', () => {
    expect(loadAppConfig(PRODUCTION).warnings).toEqual([]);
  });
});

describe('RENEWAL_GRACE_PERIOD_DAYS', () => {
  it('is 0 unless set: an expired certificate is not renewed', () => {
    expect(loadAppConfig(PRODUCTION).renewalGracePeriodDays).toBe(0);
    expect(loadAppConfig({ ...PRODUCTION, RENEWAL_GRACE_PERIOD_DAYS: '14' }).renewalGracePeriodDays).toBe(14);
  });

  it('is a whole number of days from 0 to 365', () => {
    for (const value of ['-1', '366', '1.5', 'a week']) {
      expect(() => loadAppConfig({ ...PRODUCTION, RENEWAL_GRACE_PERIOD_DAYS: value })).toThrow(
        'RENEWAL_GRACE_PERIOD_DAYS',
      );
    }
  });
});

describe('ACME', () => {
  it('defaults: ports 80 and 443, the system resolver, link-local and metadata networks denied', () => {
    const { acme } = loadAppConfig(PRODUCTION);
    expect(acme).toMatchObject({
      http01Port: 80,
      tlsAlpn01Port: 443,
      dnsResolver: null,
      termsOfServiceUrl: null,
    });
    expect(acme.validationDenyNetworks).toEqual(expect.arrayContaining(['169.254.0.0/16', 'fe80::/10']));
  });

  it('takes a resolver by address and port only, v4 or bracketed v6', () => {
    expect(loadAppConfig({ ...PRODUCTION, ACME_DNS_RESOLVER: '127.0.0.1:8053' }).acme.dnsResolver).toBe(
      '127.0.0.1:8053',
    );
    expect(loadAppConfig({ ...PRODUCTION, ACME_DNS_RESOLVER: '[::1]:53' }).acme.dnsResolver).toBe('[::1]:53');
    for (const value of ['dns.example:53', '127.0.0.1', '::1:53', '127.0.0.1:0', '300.1.1.1:53']) {
      expect(() => loadAppConfig({ ...PRODUCTION, ACME_DNS_RESOLVER: value })).toThrow(
        'ACME_DNS_RESOLVER must be an IP address and port',
      );
    }
  });

  it('reads deny networks as CIDRs, refusing host bits and garbage with the index', () => {
    const config = loadAppConfig({ ...PRODUCTION, ACME_VALIDATION_DENY_NETWORKS: '10.0.0.0/8, fd00::/8' });
    expect(config.acme.validationDenyNetworks).toEqual(['10.0.0.0/8', 'fd00::/8']);
    expect(() => loadAppConfig({ ...PRODUCTION, ACME_VALIDATION_DENY_NETWORKS: '10.0.0.1/8' })).toThrow(
      'ACME_VALIDATION_DENY_NETWORKS[0] "10.0.0.1/8" has host bits set',
    );
    expect(() => loadAppConfig({ ...PRODUCTION, ACME_VALIDATION_DENY_NETWORKS: '10.0.0.0/8,nope' })).toThrow(
      'ACME_VALIDATION_DENY_NETWORKS[1] "nope"',
    );
  });

  it('takes only an http(s) terms-of-service URL', () => {
    const url = 'https://ca.example.com/terms';
    expect(loadAppConfig({ ...PRODUCTION, ACME_TERMS_OF_SERVICE_URL: url }).acme.termsOfServiceUrl).toBe(url);
    expect(() => loadAppConfig({ ...PRODUCTION, ACME_TERMS_OF_SERVICE_URL: 'ftp://x' })).toThrow(
      'ACME_TERMS_OF_SERVICE_URL must be an http(s) URL',
    );
  });
});

describe('secrets from files (X_FILE)', () => {
  it('reads SECRET_KEY, PRIVATE_KEY_ENCRYPTION_KEY and DATABASE_URL from files, one trailing newline dropped', () => {
    const env = without(PRODUCTION, 'SECRET_KEY', 'DATABASE_URL');
    const config = loadAppConfig({
      ...env,
      SECRET_KEY_FILE: secretFile(`${SECRET}\n`),
      PRIVATE_KEY_ENCRYPTION_KEY_FILE: secretFile(`${KEK_HEX}\r\n`),
      DATABASE_URL_FILE: secretFile('postgres://ca:p%40ss@db:5432/ca\n'),
    });
    expect(config.secretKey).toBe(SECRET);
    expect(config.privateKeyEncryptionKey?.toString('hex')).toBe(KEK_HEX);
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://ca:p%40ss@db:5432/ca' });
    expect(config.databaseUrl).toBe('postgres://ca:p%40ss@db:5432/ca');
  });

  it('validates a value from a file like one from the environment', () => {
    expect(() =>
      loadAppConfig({ ...PRODUCTION, SECRET_KEY: '', SECRET_KEY_FILE: secretFile('short\n') }),
    ).toThrow('SECRET_KEY: must be at least 32 characters (got 5)');
  });

  it('refuses both X and X_FILE', () => {
    expect(() => loadAppConfig({ ...PRODUCTION, SECRET_KEY_FILE: secretFile(SECRET) })).toThrow(
      'SECRET_KEY: set either SECRET_KEY or SECRET_KEY_FILE, not both',
    );
  });

  it('names the variable and the path of a file it cannot read, never a value', () => {
    const missing = join(tmpdir(), 'no-such-dir-for-ca', 'secret_key');
    const env = without(PRODUCTION, 'SECRET_KEY');
    expect(() => loadAppConfig({ ...env, SECRET_KEY_FILE: missing })).toThrow(
      `SECRET_KEY_FILE: cannot read "${missing}" (ENOENT)`,
    );
    expect(() => loadAppConfig({ ...env, SECRET_KEY_FILE: secretFile('\n') })).toThrow('SECRET_KEY_FILE: ');
  });

  it('leaves other *_FILE variables alone', () => {
    const config = loadAppConfig({ ...PRODUCTION, SOMETHING_FILE: '/nonexistent' });
    expect(config.secretKey).toBe(SECRET);
  });
});
