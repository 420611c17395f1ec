import { BlockList, isIP } from 'node:net';
import { ipRanges } from '../../profiles/profile-fields';

interface Network {
  text: string;
  rule: BlockList;
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

  /** `cidrs` as the profile and configuration checks write them (ipRanges): canonical, prefix given. */
  static of(cidrs: readonly string[]): DenyNetworks {
    return new DenyNetworks(
      ipRanges('deny network', cidrs).map((text) => {
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
