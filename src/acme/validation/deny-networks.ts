import { BlockList, isIP } from 'node:net';

interface Network {
  text: string;
  rule: BlockList;
}

/** "10.0.0.0/8", "fe80::/10" or a single address (a /32 or /128); throws an Error saying what is wrong. */
export function parseCidr(text: string): string {
  const [address, prefixText, ...rest] = text.trim().split('/');
  const family = isIP(address ?? '');
  if (family === 0 || rest.length > 0) throw new Error(`"${text}" is not an IP network such as 10.0.0.0/8`);
  const maxPrefix = family === 4 ? 32 : 128;
  if (prefixText === undefined) return `${address}/${maxPrefix}`;
  const prefix = /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  if (!(prefix >= 0 && prefix <= maxPrefix)) {
    throw new Error(`"${text}" has a prefix length outside 0–${maxPrefix}`);
  }
  return `${address}/${prefix}`;
}

/** An IPv4-mapped IPv6 address (::ffff:10.0.0.1, ::ffff:a00:1) as the IPv4 address it stands for. */
export function unmapIpv4(address: string): string {
  const match = /^::ffff:(.+)$/i.exec(address);
  if (!match || isIP(address) !== 6) return address;
  if (isIP(match[1]) === 4) return match[1];
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(match[1]);
  if (!hex) return address;
  const high = parseInt(hex[1], 16);
  const low = parseInt(hex[2], 16);
  return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
}

/**
 * ACME_VALIDATION_DENY_NETWORKS: the networks a validator never connects to, whatever a name resolves
 * to, so that challenges cannot be used to probe them (a cloud metadata service, say).
 */
export class DenyNetworks {
  private constructor(private readonly networks: readonly Network[]) {}

  static of(cidrs: readonly string[]): DenyNetworks {
    return new DenyNetworks(
      cidrs.map((cidr) => {
        const text = parseCidr(cidr);
        const [address, prefix] = text.split('/');
        const rule = new BlockList();
        rule.addSubnet(address, Number(prefix), isIP(address) === 4 ? 'ipv4' : 'ipv6');
        return { text, rule };
      }),
    );
  }

  /** The denied network holding the address (IPv4-mapped IPv6 counts as its IPv4 address), or null. */
  networkOf(address: string): string | null {
    const forms = [...new Set([address, unmapIpv4(address)])];
    for (const network of this.networks) {
      if (forms.some((form) => network.rule.check(form, isIP(form) === 4 ? 'ipv4' : 'ipv6'))) {
        return network.text;
      }
    }
    return null;
  }
}
