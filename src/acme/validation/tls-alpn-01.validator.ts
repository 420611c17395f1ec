import { isIP } from 'node:net';
import * as tls from 'node:tls';
import { ipToBytes } from '../../crypto/general-names';
import { acmeTlsCertificateProblem } from './acme-tls-certificate';
import { connectionError } from './connection-errors';
import { Deadline } from './deadline';
import { keyAuthorizationDigest } from './key-authorization';
import { targetAddresses, type TargetAddress } from './target-addresses';
import type { ValidationOptions } from './validation-options';
import {
  invalid,
  VALID,
  type ValidationError,
  type ValidationIdentifier,
  type ValidationResult,
} from './validation-result';

/** RFC 8737 §6.2. */
export const ACME_TLS_ALPN_PROTOCOL = 'acme-tls/1';

/** The SNI of a tls-alpn-01 handshake: the name, or for an IP the reverse-mapping name (RFC 8738 §6). */
export function tlsAlpn01ServerName(identifier: ValidationIdentifier): string {
  if (identifier.type === 'dns') return identifier.value;
  const bytes = ipToBytes(identifier.value);
  if (bytes.length === 4) return `${[...bytes].reverse().join('.')}.in-addr.arpa`;
  const nibbles = [...bytes.toString('hex')].reverse();
  return `${nibbles.join('.')}.ip6.arpa`;
}

type Handshake = { certificateDer: Buffer } | { error: ValidationError };

function handshake(
  target: TargetAddress,
  port: number,
  serverName: string,
  deadline: Deadline,
): Promise<Handshake> {
  const where = `${target.family === 6 ? `[${target.address}]` : target.address}:${port}`;
  const timedOut: Handshake = {
    error: { type: 'connection', detail: `TLS connection to ${where} ${deadline.describe()}` },
  };
  return deadline.settle<Handshake>(timedOut, (finish) => {
    const socket = tls.connect({
      host: target.address,
      port,
      servername: serverName,
      ALPNProtocols: [ACME_TLS_ALPN_PROTOCOL],
      // The certificate is self-signed by design (RFC 8737 §3); its content is what gets checked.
      rejectUnauthorized: false,
    });
    socket.once('secureConnect', () => {
      if (socket.alpnProtocol !== ACME_TLS_ALPN_PROTOCOL) {
        return finish({
          error: {
            type: 'tls',
            detail: `${where} did not negotiate the ${ACME_TLS_ALPN_PROTOCOL} ALPN protocol`,
          },
        });
      }
      const certificate = socket.getPeerCertificate();
      if (!certificate?.raw) {
        return finish({ error: { type: 'tls', detail: `${where} presented no certificate` } });
      }
      finish({ certificateDer: certificate.raw });
    });
    socket.once('error', (error) => finish({ error: connectionError(`TLS connection to ${where}`, error) }));
    return socket;
  });
}

/**
 * RFC 8737 (RFC 8738 §6 for IP identifiers): a TLS handshake with ALPN acme-tls/1 on
 * {identifier}:{ACME_TLS_ALPN01_PORT} must present a certificate for the identifier alone carrying
 * the critical acmeIdentifier extension with SHA-256 of the key authorization. No chain is verified.
 */
export async function validateTlsAlpn01(
  identifier: ValidationIdentifier,
  keyAuthorization: string,
  options: ValidationOptions,
): Promise<ValidationResult> {
  const deadline = new Deadline(options.timeoutMs);
  if (identifier.type === 'ip' && isIP(identifier.value) === 0) {
    return invalid('rejectedIdentifier', `${JSON.stringify(identifier.value)} is not an IP address`);
  }
  const targets = await targetAddresses(identifier.value, options, deadline);
  if ('error' in targets) return { valid: false, error: targets.error };
  const serverName = tlsAlpn01ServerName(identifier);
  let outcome: Handshake = {
    error: { type: 'connection', detail: `No address to connect to for ${identifier.value}` },
  };
  for (const target of targets.addresses) {
    outcome = await handshake(target, options.tlsAlpn01Port, serverName, deadline);
    if (!('error' in outcome) || outcome.error.type !== 'connection' || deadline.expired) break;
  }
  if ('error' in outcome) return { valid: false, error: outcome.error };
  const problem = acmeTlsCertificateProblem(
    outcome.certificateDer,
    identifier,
    keyAuthorizationDigest(keyAuthorization),
  );
  if (problem) {
    return invalid(
      problem.type,
      `The tls-alpn-01 certificate for ${identifier.value} is wrong: ${problem.problem}`,
    );
  }
  return VALID;
}
