import { isIP } from 'node:net';
import type { ParsedCsr } from '../../crypto/crypto.types';
import { commonName } from '../../crypto/distinguished-name';
import { canonicalIp, dnsNameToAscii } from '../../crypto/general-names';
import { AcmeIdentifier, AcmeProblem } from '../acme-problem';

function key(identifier: AcmeIdentifier): string {
  return `${identifier.type}:${identifier.value}`;
}

function asIdentifier(name: string): AcmeIdentifier {
  if (isIP(name) !== 0) return { type: 'ip', value: canonicalIp(name) };
  try {
    return { type: 'dns', value: dnsNameToAscii(name).toLowerCase() };
  } catch {
    return { type: 'dns', value: name.toLowerCase() };
  }
}

/** The names a CSR asks for (its DNS and IP SANs and its Common Name), as order identifiers. */
export function csrIdentifiers(csr: ParsedCsr): AcmeIdentifier[] {
  const names = [
    ...csr.san.dns.map(asIdentifier),
    ...csr.san.ip.map((ip) => ({ type: 'ip' as const, value: canonicalIp(ip) })),
  ];
  const cn = commonName(csr.subject);
  if (cn) names.push(asIdentifier(cn));
  return [...new Map(names.map((name) => [key(name), name])).values()];
}

/**
 * RFC 8555 7.4: the CSR asks for exactly the order's identifiers, wildcards included; badCSR names the
 * ones it adds and the ones it lacks.
 */
export function assertCsrMatchesOrder(csr: ParsedCsr, identifiers: readonly AcmeIdentifier[]): void {
  if (csr.subject.filter((attribute) => attribute.type === 'CN').length > 1) {
    throw new AcmeProblem(
      'badCSR',
      'The CSR subject has several Common Names; it may have one, an identifier of the order',
    );
  }
  if (csr.san.email.length > 0 || csr.san.uri.length > 0) {
    throw new AcmeProblem('badCSR', 'The CSR may only ask for DNS and IP names, not email addresses or URIs');
  }
  const asked = csrIdentifiers(csr);
  const ordered = new Set(identifiers.map(key));
  const askedKeys = new Set(asked.map(key));
  const extra = asked.filter((name) => !ordered.has(key(name))).map(({ value }) => value);
  const missing = identifiers.filter((name) => !askedKeys.has(key(name))).map(({ value }) => value);
  if (extra.length === 0 && missing.length === 0) return;
  const parts = [
    ...(extra.length > 0 ? [`names what the order does not (${extra.join(', ')})`] : []),
    ...(missing.length > 0 ? [`lacks identifiers of the order (${missing.join(', ')})`] : []),
  ];
  throw new AcmeProblem(
    'badCSR',
    `The CSR ${parts.join(' and ')}: it must ask for exactly the order's identifiers`,
  );
}
