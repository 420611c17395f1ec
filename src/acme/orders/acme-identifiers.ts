import { isIP } from 'node:net';
import { InvalidInputError } from '../../common/errors';
import { DenyNetworks } from '../validation/deny-networks';
import { canonicalIp, dnsNameToAscii, validateDnsName } from '../../crypto/general-names';
import { AcmeIdentifier, AcmeProblem, AcmeSubproblem } from '../acme-problem';

/** The names of identifiers, by type, as the issuance pipeline takes SANs. */
export interface IdentifierNames {
  dns: string[];
  ip: string[];
}

/**
 * newOrder's `identifiers` (RFC 8555 7.1.3, RFC 8738): `dns` names in lower-case A-labels (a wildcard
 * only as a whole leftmost `*.` label), `ip` addresses in RFC 5952 text; duplicates collapsed; at most
 * `maxNames`. Every bad identifier is named in a subproblem (RFC 8555 6.7.1).
 */
export function orderIdentifiers(value: unknown, maxNames: number): AcmeIdentifier[] {
  if (!Array.isArray(value) || value.length === 0) {
    throw new AcmeProblem('malformed', '"identifiers" must be a non-empty array of {type, value}');
  }
  const unsupported: AcmeSubproblem[] = [];
  const malformed: AcmeSubproblem[] = [];
  const identifiers = new Map<string, AcmeIdentifier>();
  value.forEach((entry: unknown, index) => {
    const { type, value: text } = (typeof entry === 'object' && entry !== null ? entry : {}) as Record<
      string,
      unknown
    >;
    if (typeof type !== 'string' || typeof text !== 'string') {
      throw new AcmeProblem(
        'malformed',
        `identifiers[${index}] must be an object with string "type" and "value"`,
      );
    }
    if (type !== 'dns' && type !== 'ip') {
      unsupported.push({
        type: 'unsupportedIdentifier',
        detail: `Identifier type "${type}" is not supported (only "dns" and "ip")`,
        identifier: { type: type as AcmeIdentifier['type'], value: text },
      });
      return;
    }
    try {
      const normalised = type === 'dns' ? dnsIdentifier(text) : ipIdentifier(text);
      identifiers.set(`${type}:${normalised}`, { type, value: normalised });
    } catch (error) {
      if (!(error instanceof InvalidInputError)) throw error;
      malformed.push({ type: 'malformed', detail: error.message, identifier: { type, value: text } });
    }
  });
  if (unsupported.length > 0) {
    throw new AcmeProblem(
      'unsupportedIdentifier',
      'The order has identifiers of a type this server does not issue for',
      {
        subproblems: unsupported,
      },
    );
  }
  if (malformed.length > 0) {
    throw new AcmeProblem('malformed', 'Some identifiers of the order are not valid names', {
      subproblems: malformed,
    });
  }
  if (identifiers.size > maxNames) {
    throw new AcmeProblem(
      'rejectedIdentifier',
      `The order has ${identifiers.size} identifiers; a certificate may carry at most ${maxNames}`,
    );
  }
  return [...identifiers.values()];
}

function dnsIdentifier(text: string): string {
  if (isIP(text) !== 0) {
    throw new InvalidInputError(`"${text}" is an IP address: order it as an "ip" identifier (RFC 8738)`);
  }
  if (text.endsWith('.')) throw new InvalidInputError(`DNS name "${text}" must not end with a dot`);
  const body = text.startsWith('*.') ? text.slice(2) : text;
  if (body.includes('*')) {
    throw new InvalidInputError(
      `DNS name "${text}": a wildcard may only be the whole leftmost label ("*.example.com")`,
    );
  }
  return validateDnsName(dnsNameToAscii(text)).toLowerCase();
}

/**
 * IPv6 forms that stand for an IPv4 address (mapped, compatible, NAT64) and the unspecified addresses:
 * the certificate would name one address and the validator reach another (as Boulder refuses them).
 */
const AMBIGUOUS_IPV6 = DenyNetworks.of(['::ffff:0:0/96', '::/96', '64:ff9b::/96']);

function ipIdentifier(text: string): string {
  if (isIP(text) === 0 || text.includes('%')) {
    throw new InvalidInputError(`"${text}" is not an IPv4 or IPv6 address`);
  }
  const address = canonicalIp(text);
  // Only IPv6 forms are checked against these ranges: node's BlockList matches IPv4 against mapped ones.
  const range =
    isIP(address) === 6 ? AMBIGUOUS_IPV6.networkOf(address) : address === '0.0.0.0' ? '0.0.0.0/32' : null;
  if (range !== null) {
    throw new InvalidInputError(
      `"${text}" is in ${range}, which stands for another address or none: order the address itself`,
    );
  }
  return address;
}

/** An identifier without its wildcard label, as its authorization names it (RFC 8555 7.1.4). */
export function authorizationIdentifier(identifier: AcmeIdentifier): {
  identifier: AcmeIdentifier;
  wildcard: boolean;
} {
  const wildcard = identifier.type === 'dns' && identifier.value.startsWith('*.');
  return {
    identifier: wildcard ? { type: 'dns', value: identifier.value.slice(2) } : identifier,
    wildcard,
  };
}

export function namesOf(identifiers: readonly AcmeIdentifier[]): IdentifierNames {
  return {
    dns: identifiers.filter((identifier) => identifier.type === 'dns').map(({ value }) => value),
    ip: identifiers.filter((identifier) => identifier.type === 'ip').map(({ value }) => value),
  };
}
