import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createSecureContext } from 'node:tls';
import { HttpsOptions } from '@nestjs/common/interfaces/external/https-options.interface';
import { InvalidConfigError } from '../config/config-parsers';
import { TlsConfig } from '../config/tls-config';

export interface TlsKeyPair {
  /** The server certificate first, then the intermediates the client needs. */
  cert: string;
  key: string;
}

/**
 * The options of the HTTPS server, or undefined for plain HTTP. A self-issued certificate only
 * exists once the application is up, so that server starts without one and SelfIssuedTls gives it
 * its certificate before it listens.
 */
export function httpsOptionsFor(tls: TlsConfig): HttpsOptions | undefined {
  if (tls.mode === 'off') return undefined;
  if (tls.mode === 'self-issued') return {};
  return readTlsFiles(tls.certFile, tls.keyFile);
}

/** Reads and checks a PEM certificate chain and its key; throws naming the variable and the problem. */
export function readTlsFiles(certFile: string, keyFile: string): TlsKeyPair {
  const cert = readPem('TLS_CERT_FILE', certFile);
  const key = readPem('TLS_KEY_FILE', keyFile);
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(cert);
  } catch {
    throw new InvalidConfigError('TLS_CERT_FILE', `${certFile} holds no PEM certificate`);
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch {
    throw new InvalidConfigError('TLS_KEY_FILE', `${keyFile} holds no unencrypted PEM private key`);
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    throw new InvalidConfigError(
      'TLS_KEY_FILE',
      `${keyFile} is not the private key of the certificate in ${certFile} (its first certificate)`,
    );
  }
  try {
    createSecureContext({ cert, key });
  } catch (error) {
    throw new InvalidConfigError('TLS_CERT_FILE', `OpenSSL refuses the pair: ${(error as Error).message}`);
  }
  return { cert, key };
}

function readPem(variable: string, path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new InvalidConfigError(variable, `cannot read ${path} (${(error as NodeJS.ErrnoException).code})`);
  }
}
