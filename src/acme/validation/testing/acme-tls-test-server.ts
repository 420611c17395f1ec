import { generateKeyPairSync } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import * as tls from 'node:tls';
import * as forge from 'node-forge';
import { ACME_IDENTIFIER_OID } from '../acme-tls-certificate';

export interface AcmeTlsCertificateSpec {
  /** SAN entries: DNS names, or IP addresses (written as iPAddress). */
  san: { dns?: string[]; ip?: string[] };
  /** The acmeIdentifier value; null leaves the extension out. */
  digest: Buffer | null;
  isCritical?: boolean;
}

let key: { privatePem: string; publicPem: string } | null = null;

function testKey(): { privatePem: string; publicPem: string } {
  key ??= (() => {
    const pair = generateKeyPairSync('rsa', { modulusLength: 2048 });
    return {
      privatePem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
      publicPem: pair.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
    };
  })();
  return key;
}

/** A self-signed tls-alpn-01 certificate (RFC 8737 §3), or one wrong in the ways a spec asks for. */
export function acmeTlsCertificate(spec: AcmeTlsCertificateSpec): { certPem: string; keyPem: string } {
  const { privatePem, publicPem } = testKey();
  const certificate = forge.pki.createCertificate();
  certificate.publicKey = forge.pki.publicKeyFromPem(publicPem);
  certificate.serialNumber = '01';
  certificate.validity.notBefore = new Date(Date.now() - 60_000);
  certificate.validity.notAfter = new Date(Date.now() + 86_400_000);
  certificate.setSubject([{ name: 'commonName', value: 'acme-tls-alpn-01' }]);
  certificate.setIssuer([{ name: 'commonName', value: 'acme-tls-alpn-01' }]);
  const altNames = [
    ...(spec.san.dns ?? []).map((value) => ({ type: 2, value })),
    ...(spec.san.ip ?? []).map((ip) => ({ type: 7, ip })),
  ];
  const extensions: object[] = [{ name: 'subjectAltName', altNames }];
  if (spec.digest) {
    const { Class, Type } = forge.asn1;
    const octetString = forge.asn1.create(
      Class.UNIVERSAL,
      Type.OCTETSTRING,
      false,
      spec.digest.toString('binary'),
    );
    extensions.push({
      id: ACME_IDENTIFIER_OID,
      critical: spec.isCritical ?? true,
      value: forge.asn1.toDer(octetString).getBytes(),
    });
  }
  certificate.setExtensions(extensions);
  certificate.sign(forge.pki.privateKeyFromPem(privatePem), forge.md.sha256.create());
  return { certPem: forge.pki.certificateToPem(certificate), keyPem: privatePem };
}

/** A TLS server on 127.0.0.1 presenting the certificate to acme-tls/1 clients; `serverNames` records the SNI each asked for. */
export async function startAcmeTlsServer(
  spec: AcmeTlsCertificateSpec,
  alpnProtocols: string[] = ['acme-tls/1'],
): Promise<{ port: number; serverNames: string[]; close: () => Promise<void> }> {
  const { certPem, keyPem } = acmeTlsCertificate(spec);
  const serverNames: string[] = [];
  const context = tls.createSecureContext({ key: keyPem, cert: certPem });
  const server = tls.createServer(
    {
      key: keyPem,
      cert: certPem,
      ALPNProtocols: alpnProtocols,
      SNICallback: (serverName, done) => {
        serverNames.push(serverName);
        done(null, context);
      },
    },
    (socket) => socket.end(),
  );
  server.on('tlsClientError', () => undefined);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as AddressInfo).port,
    serverNames,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
