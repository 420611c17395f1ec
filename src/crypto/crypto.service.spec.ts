import { loadAppConfig } from '../config/app-config';
import { CryptoService } from './crypto.service';
import { OpensslWorkspace } from './testing/openssl-cli';

describe('CryptoService', () => {
  let crypto: CryptoService;

  beforeAll(() => {
    crypto = new CryptoService(loadAppConfig({ DATABASE_URL: 'memory://', SIGNING_CONCURRENCY: '2' }));
  });

  it('issues from a CSR through the facade only', async () => {
    const rootKey = await crypto.generateKeyPair(crypto.validateKeySpec('ec', 256));
    const now = new Date();
    const rootDer = await crypto.selfSign(
      {
        serialNumber: crypto.randomSerialNumber(),
        subject: crypto.parseDistinguishedName('CN=Facade Root,O=Acme,C=US'),
        subjectPublicKeyDer: crypto.spkiDer(rootKey.publicKey),
        notBefore: now,
        notAfter: new Date(now.getTime() + 86_400_000 * 365),
        certificateType: 'ca',
        pathLength: null,
        san: { dns: [], ip: [], email: [], uri: [] },
        crlDistributionUrl: null,
        caIssuersUrl: null,
      },
      rootKey.privateKey,
    );
    const issuer = crypto.prepareIssuer(rootDer, rootKey.privateKey);

    const leafKey = await crypto.generateKeyPair({ type: 'ed25519', size: 256 });
    const csrDer = await crypto.buildCsr(crypto.parseDistinguishedName('CN=svc'), leafKey.privateKey, {
      dns: ['svc.internal'],
      ip: [],
      email: [],
      uri: [],
    });
    const csr = await crypto.parseCsr(crypto.derToPem(csrDer, 'CERTIFICATE REQUEST'));
    const serial = crypto.randomSerialNumber();
    const leafDer = await crypto.signCertificate(
      {
        serialNumber: serial,
        subject: csr.subject,
        subjectPublicKeyDer: csr.subjectPublicKeyDer,
        notBefore: now,
        notAfter: new Date(now.getTime() + 86_400_000),
        certificateType: 'server',
        pathLength: null,
        san: csr.san,
        crlDistributionUrl: null,
        caIssuersUrl: null,
      },
      issuer,
    );
    const leaf = crypto.parseCertificate(crypto.derToPem(leafDer, 'CERTIFICATE'));
    expect(leaf.serialNumberHex).toBe(crypto.serialToHex(serial));
    expect(crypto.formatDistinguishedName(leaf.subject)).toBe('CN=svc');
    expect(crypto.commonName(leaf.subject)).toBe('svc');
    expect(crypto.fingerprintSha256(leafDer)).toMatch(/^[0-9a-f]{64}$/);
    await expect(crypto.verifyCertificateSignature(leafDer, rootKey.publicKey)).resolves.toBe(true);

    const crl = await crypto.signCrl(
      {
        crlNumber: 1n,
        thisUpdate: now,
        nextUpdate: new Date(now.getTime() + 3_600_000),
        entries: [
          {
            serialNumberHex: leaf.serialNumberHex,
            revokedAt: now,
            reasonCode: crypto.reasonCodeFromText('key_compromise'),
          },
        ],
      },
      issuer,
    );
    const workspace = new OpensslWorkspace();
    try {
      workspace.write('root.pem', crypto.derToPem(rootDer, 'CERTIFICATE'));
      workspace.write('leaf.pem', crypto.derToPem(leafDer, 'CERTIFICATE'));
      workspace.write('crl.pem', crypto.derToPem(crl, 'X509 CRL'));
      expect(workspace.run(['verify', '-CAfile', 'root.pem', 'leaf.pem']).status).toBe(0);
      const revoked = workspace.run([
        'verify',
        '-crl_check',
        '-CRLfile',
        'crl.pem',
        '-CAfile',
        'root.pem',
        'leaf.pem',
      ]);
      expect(revoked.output).toContain('certificate revoked');
    } finally {
      workspace.cleanup();
    }
  });
});
