import { isIP } from 'node:net';
import type { Certificate } from '../../cert/certificate.entity';
import { canonicalIp } from '../../crypto/general-names';
import { AcmeIdentifier } from '../acme-problem';
import type { AuthorizedIdentifier } from './acme-revocation-authorization.repository';

/**
 * The authorization an identifier needs (RFC 8555 7.1.3): a wildcard name is authorized by its base
 * domain with `wildcard`; DNS names compare in lower case, IP addresses in their RFC 5952 form.
 */
export function authorizationFor(identifier: AcmeIdentifier): AuthorizedIdentifier {
  if (identifier.type === 'ip') {
    const value = isIP(identifier.value) === 0 ? identifier.value : canonicalIp(identifier.value);
    return { type: 'ip', value, wildcard: false };
  }
  const lower = identifier.value.toLowerCase();
  return lower.startsWith('*.')
    ? { type: 'dns', value: lower.slice(2), wildcard: true }
    : { type: 'dns', value: lower, wildcard: false };
}

/**
 * The authorizations a certificate's names need: one per DNS or IP SAN; null when it has a name no
 * ACME authorization covers (an e-mail address, a URI) or no name at all.
 */
export function neededAuthorizations(certificate: Certificate): AuthorizedIdentifier[] | null {
  if (certificate.sanEmailAddresses.length > 0 || certificate.sanUris.length > 0) return null;
  const needed = [
    ...certificate.sanDnsNames.map((value) => authorizationFor({ type: 'dns', value })),
    ...certificate.sanIpAddresses.map((value) => authorizationFor({ type: 'ip', value })),
  ];
  return needed.length === 0 ? null : needed;
}

/** Whether every needed identifier is among the held ones. */
export function coveredBy(
  needed: readonly AuthorizedIdentifier[],
  held: readonly AuthorizedIdentifier[],
): boolean {
  const keys = new Set(
    held.map((identifier) =>
      identifierKey({ ...authorizationFor(identifier), wildcard: identifier.wildcard }),
    ),
  );
  return needed.every((identifier) => keys.has(identifierKey(identifier)));
}

/** One text per authorization, for set lookups. */
export function identifierKey(identifier: AuthorizedIdentifier): string {
  return `${identifier.type}:${identifier.wildcard ? '*.' : ''}${identifier.value}`;
}
