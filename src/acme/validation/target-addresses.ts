import { promises as dns } from 'node:dns';
import { isIP } from 'node:net';
import type { Deadline } from './deadline';
import { unmapIpv4 } from './deny-networks';
import type { ValidationOptions } from './validation-options';
import type { ValidationError } from './validation-result';

export interface TargetAddress {
  address: string;
  family: 4 | 6;
}

export type TargetAddresses = { addresses: TargetAddress[] } | { error: ValidationError };

/**
 * A resolver asking ACME_DNS_RESOLVER, or the system's name servers when it is unset; a validation
 * error when the setting is not an address (node:dns asks servers by address only).
 */
export function dnsResolver(server: string | null, deadline: Deadline): dns.Resolver | ValidationError {
  const resolver = new dns.Resolver({
    timeout: Math.max(100, Math.min(deadline.remainingMs(), 5000)),
    tries: 2,
  });
  if (!server) return resolver;
  try {
    resolver.setServers([server]);
    return resolver;
  } catch {
    return { type: 'dns', detail: `ACME_DNS_RESOLVER "${server}" is not an IP address with a port` };
  }
}

/** The node:dns error code of a failed lookup (ENODATA, ENOTFOUND, ETIMEOUT...), or a generic word. */
export function dnsErrorCode(reason: unknown): string {
  const code = (reason as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : 'lookup failed';
}

const NO_ANSWER = new Set(['ENODATA', 'ENOTFOUND']);

async function resolveName(
  name: string,
  options: ValidationOptions,
  deadline: Deadline,
): Promise<TargetAddresses> {
  // Always DNS itself (the system's servers when ACME_DNS_RESOLVER is unset), never getaddrinfo: a
  // hosts file or a resolv.conf search list (Kubernetes' ndots) would validate another name.
  const resolver = dnsResolver(options.dnsResolver, deadline);
  if (!(resolver instanceof dns.Resolver)) return { error: resolver };
  const [v4, v6] = await Promise.allSettled([resolver.resolve4(name), resolver.resolve6(name)]);
  const addresses: TargetAddress[] = [
    ...(v4.status === 'fulfilled' ? v4.value.map((address) => ({ address, family: 4 as const })) : []),
    ...(v6.status === 'fulfilled' ? v6.value.map((address) => ({ address, family: 6 as const })) : []),
  ];
  if (addresses.length > 0) return { addresses };
  const failures = [v4, v6].flatMap((result) =>
    result.status === 'rejected' ? [dnsErrorCode(result.reason)] : [],
  );
  const hardFailure = failures.find((code) => !NO_ANSWER.has(code));
  const detail = hardFailure
    ? `DNS lookup of ${name} failed: ${hardFailure}`
    : `${name} has no A or AAAA record${failures.includes('ENOTFOUND') ? ' (NXDOMAIN)' : ''}`;
  return { error: { type: 'dns', detail } };
}

/**
 * The addresses a validator may connect to for `host` (a name, or an IP literal, IPv6 with or without
 * brackets): resolved once, every one checked against ACME_VALIDATION_DENY_NETWORKS, so the connection
 * goes to an address that was checked and a second resolution cannot swap it (DNS rebinding). One
 * address in a denied network refuses the host. IPv4 first, IPv6 as the fallback.
 */
export async function targetAddresses(
  host: string,
  options: ValidationOptions,
  deadline: Deadline,
): Promise<TargetAddresses> {
  const literal = host.replace(/^\[(.*)\]$/, '$1');
  const resolved: TargetAddresses =
    isIP(literal) !== 0
      ? { addresses: [{ address: unmapIpv4(literal), family: isIP(unmapIpv4(literal)) === 4 ? 4 : 6 }] }
      : await deadline.race(resolveName(host, options, deadline), () => ({
          error: { type: 'dns', detail: `DNS lookup of ${host} ${deadline.describe()}` },
        }));
  if ('error' in resolved) return resolved;
  for (const { address } of resolved.addresses) {
    const network = options.denyNetworks.networkOf(address);
    if (network) {
      const where = address === literal ? address : `${host} resolves to ${address}, which`;
      return {
        error: {
          type: 'rejectedIdentifier',
          detail: `${where} is in ${network}, a network the validator does not connect to`,
        },
      };
    }
  }
  const addresses = resolved.addresses.map(({ address, family }) => ({
    address: unmapIpv4(address),
    family: isIP(unmapIpv4(address)) === 4 ? (4 as const) : family,
  }));
  const first = (family: 4 | 6) => addresses.filter((candidate) => candidate.family === family).slice(0, 1);
  const chosen = [...first(4), ...first(6)];
  if (chosen.length === 0) return { error: { type: 'dns', detail: `${host} has no A or AAAA record` } };
  return { addresses: chosen };
}
