import { promises as dns } from 'node:dns';
import { Deadline } from './deadline';
import { keyAuthorizationDigest } from './key-authorization';
import { dnsErrorCode, dnsResolver } from './target-addresses';
import type { ValidationOptions } from './validation-options';
import { invalid, VALID, type ValidationIdentifier, type ValidationResult } from './validation-result';

/** The name of the TXT record (RFC 8555 §8.4); a wildcard's is that of its base name. */
export function dns01RecordName(identifier: ValidationIdentifier): string {
  return `_acme-challenge.${identifier.value.replace(/^\*\./, '').replace(/\.$/, '')}`;
}

/** The TXT value that proves the key authorization: base64url(SHA-256(key authorization)). */
export function dns01RecordValue(keyAuthorization: string): string {
  return keyAuthorizationDigest(keyAuthorization).toString('base64url');
}

/** RFC 8555 §8.4: one TXT record at _acme-challenge.{name} (any of several) holds the digest. */
export async function validateDns01(
  identifier: ValidationIdentifier,
  keyAuthorization: string,
  options: ValidationOptions,
): Promise<ValidationResult> {
  if (identifier.type !== 'dns')
    return invalid('rejectedIdentifier', 'dns-01 proves DNS names only (RFC 8738 §7)');
  const deadline = new Deadline(options.timeoutMs);
  const name = dns01RecordName(identifier);
  const expected = dns01RecordValue(keyAuthorization);
  const resolver = dnsResolver(options.dnsResolver, deadline);
  if (!(resolver instanceof dns.Resolver)) return { valid: false, error: resolver };
  const lookup = resolver.resolveTxt(name).then(
    (records) => ({ records: records.map((chunks) => chunks.join('')) }),
    (reason: unknown) => ({ code: dnsErrorCode(reason) }),
  );
  const answer = await deadline.race<{ records: string[] } | { code: string }>(lookup, () => ({
    code: 'ETIMEOUT',
  }));
  if ('code' in answer) {
    if (answer.code === 'ENODATA') return invalid('unauthorized', `No TXT record found at ${name}`);
    if (answer.code === 'ENOTFOUND') return invalid('dns', `${name} does not exist (NXDOMAIN)`);
    return invalid('dns', `DNS lookup of TXT ${name} failed: ${answer.code}`);
  }
  if (answer.records.includes(expected)) return VALID;
  const found = answer.records.slice(0, 3).map((record) => JSON.stringify(record.slice(0, 64)));
  return invalid(
    'unauthorized',
    `No TXT record at ${name} is ${JSON.stringify(expected)}` +
      (found.length > 0 ? `; found ${found.join(', ')}${answer.records.length > 3 ? ', …' : ''}` : ''),
  );
}
