import { DenyNetworks } from '../deny-networks';
import type { ValidationOptions } from '../validation-options';

export function testValidationOptions(overrides: Partial<ValidationOptions> = {}): ValidationOptions {
  return {
    dnsResolver: null,
    denyNetworks: DenyNetworks.of(['169.254.0.0/16', 'fe80::/10']),
    http01Port: 80,
    tlsAlpn01Port: 443,
    timeoutMs: 3000,
    ...overrides,
  };
}
