import { DenyNetworks } from './deny-networks';

/** What the validators need from the configuration (ACME_* variables), passed in so they stay pure. */
export interface ValidationOptions {
  /** ACME_DNS_RESOLVER: "host:port" (IPv6 as "[::1]:53") of the DNS server to ask; null: the system's. */
  dnsResolver: string | null;
  denyNetworks: DenyNetworks;
  http01Port: number;
  tlsAlpn01Port: number;
  /** The most one validation may take, redirects and name resolution included. */
  timeoutMs: number;
  /** Redirects http-01 follows (default 10). */
  maxRedirects?: number;
  /** The largest http-01 body read (default 64 KiB); a longer one fails the challenge. */
  maxBodyBytes?: number;
}

/** The ACME_* settings the validators read (AppConfig.acme). */
export interface AcmeValidationSettings {
  validationDenyNetworks: readonly string[];
  dnsResolver: string | null;
  http01Port: number;
  tlsAlpn01Port: number;
  validationTimeoutSeconds: number;
}

/** The validators' options from the ACME_* variables. */
export function validationOptionsOf(config: AcmeValidationSettings): ValidationOptions {
  return {
    dnsResolver: config.dnsResolver,
    denyNetworks: DenyNetworks.of(config.validationDenyNetworks),
    http01Port: config.http01Port,
    tlsAlpn01Port: config.tlsAlpn01Port,
    timeoutMs: config.validationTimeoutSeconds * 1000,
  };
}
