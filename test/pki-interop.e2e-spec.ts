import { spawnSync } from 'node:child_process';
import { createPrivateKey } from 'node:crypto';
import { resolve } from 'node:path';
import { createAdmin, createIntermediate, createRootCa, createSuperuser } from './support/fixtures';
import { itWithTool, ZLINT } from './support/external-tools';
import { OpensslWorkspace } from './support/openssl';
import {
  binaryBody,
  CaBody,
  CertificateBody,
  crlNumber,
  crlText,
  fetchCrl,
  issueCertificate,
  revokeCertificate,
  signCsr,
  x509Extension,
  x509Field,
  x509Text,
} from './support/pki';
import { bearer, createOrganization, startTestApp, TestApp, TestUser } from './support/test-app';

const LEAF_TYPES = ['server', 'client', 'dual_purpose', 'ca'] as const;
type LeafType = (typeof LEAF_TYPES)[number];

/** What openssl prints for the extended key usage of each type; null when the extension must be absent. */
const EXPECTED_EKU: Record<LeafType, string | null> = {
  server: 'TLS Web Server Authentication',
  client: 'TLS Web Client Authentication',
  dual_purpose: 'TLS Web Server Authentication, TLS Web Client Authentication',
  ca: null,
};

interface Family {
  label: string;
  root: CaBody;
  issuing: CaBody;
  leaves: Record<LeafType, CertificateBody>;
  csrLeaf: CertificateBody;
  /** The signature algorithm openssl names for certificates the issuing CA signs. */
  issuingSignature: string;
}

describe('PKI interop: openssl and zlint accept what the service issues', () => {
  let testApp: TestApp;
  const ssl = new OpensslWorkspace();
  let admin: TestUser;
  let orgId: number;
  const families: Family[] = [];

  async function buildFamily(
    label: string,
    rootKey: Record<string, unknown>,
    issuingKey: Record<string, unknown>,
    leafKey: Record<string, unknown>,
    csrKeyArgs: string[],
    issuingSignature: string,
  ): Promise<Family> {
    const root = await createRootCa(testApp, admin, {
      name: `Interop ${label} Root`,
      subject_dn: `CN=Interop ${label} Root,O=Acme,C=US`,
      path_length: 2,
      ...rootKey,
    });
    const issuing = await createIntermediate(testApp, admin, root, {
      name: `Interop ${label} Issuing`,
      subject_dn: `CN=Interop ${label} Issuing,O=Acme,C=US`,
      allow_leaf_certs: true,
      ...issuingKey,
    });
    const slug = label.toLowerCase();
    const leaves = {} as Record<LeafType, CertificateBody>;
    for (const type of LEAF_TYPES) {
      leaves[type] = await issueCertificate(testApp, admin, issuing.id, {
        common_name:
          type === 'client' ? `client-${slug}@example.com` : `${type.replace('_', '-')}.${slug}.example.com`,
        subject_dn: 'O=Acme,L=Springfield,ST=Illinois,C=US',
        certificate_type: type,
        ...(type === 'server' || type === 'dual_purpose' ? { san_ip_addresses: ['93.184.216.34'] } : {}),
        ...leafKey,
      });
    }
    const { csr } = ssl.csr(
      `csr-${slug}`,
      csrKeyArgs,
      `/C=US/ST=Illinois/L=Springfield/O=Acme/CN=csr.${slug}.example.com`,
      [`subjectAltName=DNS:csr.${slug}.example.com`],
    );
    const csrLeaf = await signCsr(testApp, admin, { csr, ca_id: issuing.id, certificate_type: 'server' });
    return { label, root, issuing, leaves, csrLeaf, issuingSignature };
  }

  function everyCertificate(): { family: Family; name: string; certificate: CertificateBody }[] {
    return families.flatMap((family) => [
      ...LEAF_TYPES.map((type) => ({ family, name: type, certificate: family.leaves[type] })),
      { family, name: 'csr', certificate: family.csrLeaf },
    ]);
  }

  /** Writes the exported chain of a certificate and its root; returns the file names. */
  async function chainFiles(
    certificate: CertificateBody,
    root: CaBody,
  ): Promise<{ leaf: string; chain: string; root: string }> {
    const response = await testApp
      .http()
      .get(`/api/v1/export/certificate/${certificate.id}/chain`)
      .set(...bearer(admin))
      .expect(200);
    return {
      leaf: ssl.write(`leaf-${certificate.id}.pem`, certificate.certificate),
      chain: ssl.write(`chain-${certificate.id}.pem`, response.text),
      root: ssl.write(`root-${root.id}.pem`, root.certificate),
    };
  }

  beforeAll(async () => {
    testApp = await startTestApp();
    const superuser = await createSuperuser(testApp);
    orgId = await createOrganization(testApp, superuser, 'Interop Org');
    admin = await createAdmin(testApp, superuser, orgId);
    families.push(
      await buildFamily(
        'RSA',
        { key_size: 2048 },
        { key_size: 2048 },
        { key_size: 2048 },
        ['-newkey', 'rsa:2048'],
        'sha256WithRSAEncryption',
      ),
    );
    families.push(
      await buildFamily(
        'ECDSA',
        { key_type: 'ec', key_size: 384 },
        { key_type: 'ec', key_size: 256 },
        { key_type: 'ec' },
        ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'],
        'ecdsa-with-SHA256',
      ),
    );
    families.push(
      await buildFamily(
        'Ed25519',
        { key_type: 'ed25519' },
        { key_type: 'ed25519' },
        { key_type: 'ed25519' },
        ['-newkey', 'ed25519'],
        'ED25519',
      ),
    );
  });

  afterAll(async () => {
    await testApp.close();
    ssl.dispose();
  });

  describe('openssl verify', () => {
    it('verifies every issued certificate against its exported chain', async () => {
      for (const { family, name, certificate } of everyCertificate()) {
        const files = await chainFiles(certificate, family.root);
        const result = ssl.run(['verify', '-CAfile', files.root, '-untrusted', files.chain, files.leaf]);
        expect({ family: family.label, name, ...result }).toEqual({
          family: family.label,
          name,
          ok: true,
          output: expect.stringContaining(': OK'),
        });
      }
    });

    it('accepts each leaf only for the purposes its type allows', async () => {
      const allowed: Record<Exclude<LeafType, 'ca'>, { sslserver: boolean; sslclient: boolean }> = {
        server: { sslserver: true, sslclient: false },
        client: { sslserver: false, sslclient: true },
        dual_purpose: { sslserver: true, sslclient: true },
      };
      for (const family of families) {
        for (const type of ['server', 'client', 'dual_purpose'] as const) {
          const files = await chainFiles(family.leaves[type], family.root);
          const outcome = {
            sslserver: ssl.run([
              'verify',
              '-purpose',
              'sslserver',
              '-CAfile',
              files.root,
              '-untrusted',
              files.chain,
              files.leaf,
            ]).ok,
            sslclient: ssl.run([
              'verify',
              '-purpose',
              'sslclient',
              '-CAfile',
              files.root,
              '-untrusted',
              files.chain,
              files.leaf,
            ]).ok,
          };
          expect({ family: family.label, type, ...outcome }).toEqual({
            family: family.label,
            type,
            ...allowed[type],
          });
        }
      }
    });
  });

  describe('openssl x509 -text: the certificate profile', () => {
    it('gives CAs critical basicConstraints with pathlen, critical keyCertSign and cRLSign, an SKI and no EKU', () => {
      for (const family of families) {
        for (const [ca, pathLength] of [
          [family.root, 2],
          [family.issuing, 1],
        ] as const) {
          const text = x509Text(ssl, ca.certificate);
          expect(x509Extension(text, 'X509v3 Basic Constraints')).toEqual({
            critical: true,
            value: `CA:TRUE, pathlen:${pathLength}`,
          });
          const keyUsage = x509Extension(text, 'X509v3 Key Usage');
          expect(keyUsage?.critical).toBe(true);
          expect(keyUsage?.value).toContain('Certificate Sign, CRL Sign');
          expect(x509Extension(text, 'X509v3 Subject Key Identifier')?.value).toMatch(
            /^([0-9A-F]{2}:){19}[0-9A-F]{2}$/,
          );
          expect(x509Extension(text, 'X509v3 Extended Key Usage')).toBeNull();
        }
        const issuingText = x509Text(ssl, family.issuing.certificate);
        const rootSki = x509Extension(
          x509Text(ssl, family.root.certificate),
          'X509v3 Subject Key Identifier',
        )?.value;
        expect(x509Extension(issuingText, 'X509v3 Authority Key Identifier')?.value).toContain(rootSki);
        expect(x509Extension(issuingText, 'X509v3 CRL Distribution Points')?.value).toContain(
          `URI:http://pki.test/crl/interop-${family.label.toLowerCase()}-root-${family.root.id}`,
        );
        expect(x509Extension(issuingText, 'Authority Information Access')?.value).toBe(
          `CA Issuers - URI:http://pki.test/ca/interop-${family.label.toLowerCase()}-root-${family.root.id}.crt`,
        );
      }
    });

    it.each(LEAF_TYPES)(
      'gives a %s certificate its basicConstraints, keyUsage, EKU, SAN, SKI, AKI, CDP and AIA',
      (type) => {
        for (const family of families) {
          const certificate = family.leaves[type];
          const text = x509Text(ssl, certificate.certificate);
          const context = { family: family.label, type };
          const slug = `interop-${family.label.toLowerCase()}-issuing-${family.issuing.id}`;

          expect({ ...context, value: x509Extension(text, 'X509v3 Basic Constraints') }).toEqual({
            ...context,
            value: { critical: true, value: type === 'ca' ? 'CA:TRUE, pathlen:0' : 'CA:FALSE' },
          });
          const keyUsage = x509Extension(text, 'X509v3 Key Usage');
          expect({ ...context, critical: keyUsage?.critical }).toEqual({ ...context, critical: true });
          if (type === 'ca') expect(keyUsage?.value).toContain('Certificate Sign, CRL Sign');
          else expect(keyUsage?.value).toContain('Digital Signature');
          if (type !== 'ca') expect(keyUsage?.value).not.toContain('Certificate Sign');
          if (family.label !== 'RSA') expect(keyUsage?.value).not.toContain('Key Encipherment');

          const eku = x509Extension(text, 'X509v3 Extended Key Usage');
          expect({ ...context, eku: eku?.value ?? null }).toEqual({ ...context, eku: EXPECTED_EKU[type] });

          const san = x509Extension(text, 'X509v3 Subject Alternative Name')?.value ?? null;
          const expectedSan: Record<LeafType, string | null> = {
            server: `DNS:server.${family.label.toLowerCase()}.example.com, IP Address:93.184.216.34`,
            client: `email:client-${family.label.toLowerCase()}@example.com`,
            dual_purpose: `DNS:dual-purpose.${family.label.toLowerCase()}.example.com, IP Address:93.184.216.34`,
            ca: null,
          };
          expect({ ...context, san }).toEqual({ ...context, san: expectedSan[type] });

          const issuingSki = x509Extension(
            x509Text(ssl, family.issuing.certificate),
            'X509v3 Subject Key Identifier',
          )?.value;
          expect(x509Extension(text, 'X509v3 Subject Key Identifier')?.value).toMatch(
            /^([0-9A-F]{2}:){19}[0-9A-F]{2}$/,
          );
          expect(x509Extension(text, 'X509v3 Authority Key Identifier')?.value).toContain(issuingSki);
          expect(x509Extension(text, 'X509v3 CRL Distribution Points')?.value).toBe(
            `Full Name:\nURI:http://pki.test/crl/${slug}`,
          );
          expect(x509Extension(text, 'Authority Information Access')?.value).toBe(
            `CA Issuers - URI:http://pki.test/ca/${slug}.crt`,
          );
          expect(family.issuing.crl_url).toBe(`http://pki.test/crl/${slug}`);
          expect(family.issuing.certificate_url).toBe(`http://pki.test/ca/${slug}.crt`);
          expect(text).toContain(`Signature Algorithm: ${family.issuingSignature}`);
          expect(x509Field(ssl, certificate.certificate, 'issuer', ['-nameopt', 'RFC2253'])).toBe(
            `issuer=CN=Interop ${family.label} Issuing,O=Acme,C=US`,
          );
        }
      },
    );

    it('uses distinct positive serial numbers of more than 64 and at most 128 bits', () => {
      const serials = everyCertificate().map(({ certificate }) =>
        x509Field(ssl, certificate.certificate, 'serial').replace('serial=', ''),
      );
      for (const serial of serials) {
        const value = BigInt(`0x${serial}`);
        expect(value > 0n).toBe(true);
        expect(value < 1n << 128n).toBe(true);
        expect(value >= 1n << 64n).toBe(true);
      }
      expect(new Set(serials).size).toBe(serials.length);
    });
  });

  describe('the URLs written into certificates', () => {
    /** Fetches the path of a URL from a certificate on the public endpoints, without a token. */
    async function fetchPublic(url: string): Promise<{ status: number; type: string; body: Buffer }> {
      const response = await testApp.http().get(new URL(url).pathname).buffer(true).parse(binaryBody);
      return {
        status: response.status,
        type: String(response.headers['content-type']),
        body: response.body as Buffer,
      };
    }

    /** The CDP and CA-issuers URIs of a PEM certificate. */
    function urlsOf(pem: string): { crl: string; issuer: string } {
      const text = x509Text(ssl, pem);
      const crl =
        /URI:(\S+)/.exec(x509Extension(text, 'X509v3 CRL Distribution Points')?.value ?? '')?.[1] ?? '';
      const issuer =
        /URI:(\S+)/.exec(x509Extension(text, 'Authority Information Access')?.value ?? '')?.[1] ?? '';
      return { crl, issuer };
    }

    async function expectUrlsResolve(pem: string, issuer: CaBody): Promise<void> {
      const urls = urlsOf(pem);
      const crl = await fetchPublic(urls.crl);
      expect({ url: urls.crl, status: crl.status, type: crl.type }).toEqual({
        url: urls.crl,
        status: 200,
        type: expect.stringContaining('application/pkix-crl'),
      });
      const crlFile = ssl.write(`public-${issuer.id}.crl`, crl.body);
      const caFile = ssl.write(`public-${issuer.id}.pem`, issuer.certificate);
      expect(
        ssl.run(['crl', '-inform', 'DER', '-in', crlFile, '-CAfile', caFile, '-noout']).output,
      ).toContain('verify OK');
      const certificate = await fetchPublic(urls.issuer);
      expect({ url: urls.issuer, status: certificate.status, type: certificate.type }).toEqual({
        url: urls.issuer,
        status: 200,
        type: expect.stringContaining('application/pkix-cert'),
      });
      const derFile = ssl.write(`public-${issuer.id}.crt`, certificate.body);
      expect(ssl.run(['x509', '-inform', 'DER', '-in', derFile, '-outform', 'PEM']).output).toBe(
        issuer.certificate,
      );
    }

    it('points CDP and AIA at public endpoints that serve the issuer CRL and certificate', async () => {
      for (const family of families) {
        await expectUrlsResolve(family.leaves.server.certificate, family.issuing);
        await expectUrlsResolve(family.issuing.certificate, family.root);
      }
    });

    it('builds the URL slug from the CA name as the reference API does', async () => {
      const ca = await createRootCa(testApp, admin, { name: 'My Root CA', key_type: 'ec' });
      expect(ca.crl_url).toBe(`http://pki.test/crl/my-root-ca-${ca.id}`);
      const leaf = await issueCertificate(testApp, admin, ca.id, {
        common_name: 'slug.example.com',
        certificate_type: 'server',
        key_type: 'ec',
      });
      expect(urlsOf(leaf.certificate)).toEqual({
        crl: `http://pki.test/crl/my-root-ca-${ca.id}`,
        issuer: `http://pki.test/ca/my-root-ca-${ca.id}.crt`,
      });
      await expectUrlsResolve(leaf.certificate, ca);
    });

    it('percent-encodes a slug with non-ASCII letters in the URLs, so such a CA can still sign', async () => {
      const ca = await createRootCa(testApp, admin, {
        name: '  Ünïcode__Team  CA!! ',
        subject_dn: 'CN=Unicode Team CA',
        key_type: 'ec',
      });
      const slug = `%C3%BCn%C3%AFcode-team-ca-${ca.id}`;
      expect(ca).toMatchObject({
        crl_url: `http://pki.test/crl/${slug}`,
        certificate_url: `http://pki.test/ca/${slug}.crt`,
      });
      const leaf = await issueCertificate(testApp, admin, ca.id, {
        common_name: 'unicode.example.com',
        certificate_type: 'client',
        key_type: 'ec',
      });
      const child = await createIntermediate(testApp, admin, ca, {
        name: 'Under Unicode',
        key_type: 'ec',
      });
      for (const pem of [child.certificate, leaf.certificate]) {
        expect(urlsOf(pem)).toEqual({
          crl: `http://pki.test/crl/${slug}`,
          issuer: `http://pki.test/ca/${slug}.crt`,
        });
        await expectUrlsResolve(pem, ca);
      }
    });
  });

  describe('revocation and CRLs', () => {
    it('makes openssl verify -crl_check fail for the revoked certificate and pass for another', async () => {
      for (const family of families) {
        const revoked = await issueCertificate(testApp, admin, family.issuing.id, {
          common_name: `revoked.${family.label.toLowerCase()}.example.com`,
          certificate_type: 'server',
          key_type: family.issuing.key_type,
          ...(family.issuing.key_type === 'rsa' ? { key_size: 2048 } : {}),
        });
        await revokeCertificate(testApp, admin, revoked.id, { reason: 'keyCompromise' });
        const issuingCrl = ssl.write(
          `issuing-${family.label}.crl.pem`,
          await fetchCrl(testApp, admin, family.issuing.id),
        );
        const rootCrl = ssl.write(
          `root-${family.label}.crl.pem`,
          await fetchCrl(testApp, admin, family.root.id),
        );

        const revokedFiles = await chainFiles(revoked, family.root);
        const check = [
          'verify',
          '-crl_check',
          '-CAfile',
          revokedFiles.root,
          '-untrusted',
          revokedFiles.chain,
          '-CRLfile',
          issuingCrl,
        ];
        const refused = ssl.run([...check, revokedFiles.leaf]);
        expect({ family: family.label, ...refused }).toEqual({
          family: family.label,
          ok: false,
          output: expect.stringContaining('certificate revoked'),
        });
        const goodFiles = await chainFiles(family.leaves.server, family.root);
        expect({ family: family.label, ...ssl.run([...check, goodFiles.leaf]) }).toEqual({
          family: family.label,
          ok: true,
          output: expect.stringContaining(': OK'),
        });
        const checkAll = [
          'verify',
          '-crl_check_all',
          '-CAfile',
          goodFiles.root,
          '-untrusted',
          goodFiles.chain,
        ];
        expect(ssl.run([...checkAll, '-CRLfile', issuingCrl, '-CRLfile', rootCrl, goodFiles.leaf]).ok).toBe(
          true,
        );
      }
    });

    it('signs each CRL with its CA (openssl crl -CAfile), with the CA as issuer, an AKI and a 7-day nextUpdate', async () => {
      for (const family of families) {
        for (const ca of [family.root, family.issuing]) {
          const crlPem = await fetchCrl(testApp, admin, ca.id);
          const crlFile = ssl.write(`verify-${ca.id}.crl.pem`, crlPem);
          const caFile = ssl.write(`verify-${ca.id}.pem`, ca.certificate);
          expect(ssl.run(['crl', '-in', crlFile, '-CAfile', caFile, '-noout']).output).toContain('verify OK');
          const other = family.root.id === ca.id ? family.issuing : family.root;
          const otherFile = ssl.write(`other-${other.id}.pem`, other.certificate);
          expect(ssl.run(['crl', '-in', crlFile, '-CAfile', otherFile, '-noout']).output).not.toContain(
            'verify OK',
          );

          const text = crlText(ssl, crlPem);
          expect(
            ssl.run(['crl', '-in', crlFile, '-noout', '-issuer', '-nameopt', 'RFC2253']).output.trim(),
          ).toBe(`issuer=${ca.subject_dn}`);
          const ski = x509Extension(x509Text(ssl, ca.certificate), 'X509v3 Subject Key Identifier')?.value;
          expect(x509Extension(text, 'X509v3 Authority Key Identifier')?.value).toContain(ski);
          const lastUpdate = /Last Update: (.+)/.exec(text)?.[1] ?? '';
          const nextUpdate = /Next Update: (.+)/.exec(text)?.[1] ?? '';
          expect((Date.parse(nextUpdate) - Date.parse(lastUpdate)) / 86_400_000).toBe(7);
        }
      }
    });

    it('increases the CRL number after each revocation and serves the stored CRL while nothing changes', async () => {
      const family = families[1];
      const first = await fetchCrl(testApp, admin, family.issuing.id);
      expect(await fetchCrl(testApp, admin, family.issuing.id)).toBe(first);
      let previous = crlNumber(ssl, first);
      for (const name of ['one', 'two']) {
        const certificate = await issueCertificate(testApp, admin, family.issuing.id, {
          common_name: `number-${name}.example.com`,
          certificate_type: 'server',
          key_type: 'ec',
        });
        await revokeCertificate(testApp, admin, certificate.id, { reason: 'superseded' });
        const crl = await fetchCrl(testApp, admin, family.issuing.id);
        const current = crlNumber(ssl, crl);
        expect(current > previous).toBe(true);
        expect(crlText(ssl, crl).toUpperCase()).toContain(certificate.serial_number.toUpperCase());
        previous = current;
      }
    });

    it('loses no entry and never reuses a CRL number when revocations and CRL downloads run concurrently', async () => {
      const family = families[1];
      const certificates: CertificateBody[] = [];
      for (let index = 0; index < 6; index++) {
        certificates.push(
          await issueCertificate(testApp, admin, family.issuing.id, {
            common_name: `race-${index}.example.com`,
            certificate_type: 'server',
            key_type: 'ec',
          }),
        );
      }
      const fetched: string[] = [];
      await Promise.all(
        certificates.flatMap((certificate) => [
          revokeCertificate(testApp, admin, certificate.id, { reason: 'cessationOfOperation' }),
          fetchCrl(testApp, admin, family.issuing.id).then((crl) => fetched.push(crl)),
        ]),
      );
      const final = await fetchCrl(testApp, admin, family.issuing.id);
      const text = crlText(ssl, final).toUpperCase();
      for (const certificate of certificates) expect(text).toContain(certificate.serial_number.toUpperCase());
      const byNumber = new Map<bigint, string>();
      for (const crl of [...fetched, final]) {
        const number = crlNumber(ssl, crl);
        expect(byNumber.get(number) ?? crl).toBe(crl);
        byNumber.set(number, crl);
      }
    });
  });

  describe('zlint', () => {
    itWithTool(ZLINT)(
      'finds no error or fatal result on a root, an intermediate and each certificate type, for every key family',
      () => {
        const script = resolve(__dirname, '..', 'scripts', 'zlint-private-ca.sh');
        const files: string[] = [];
        for (const family of families) {
          files.push(ssl.write(`zlint-${family.label}-root.pem`, family.root.certificate));
          files.push(ssl.write(`zlint-${family.label}-issuing.pem`, family.issuing.certificate));
          for (const type of LEAF_TYPES) {
            files.push(ssl.write(`zlint-${family.label}-${type}.pem`, family.leaves[type].certificate));
          }
          files.push(ssl.write(`zlint-${family.label}-csr.pem`, family.csrLeaf.certificate));
        }
        expect(files).toHaveLength(21);
        const result = spawnSync('bash', [script, ...files]);
        const output = `${result.stdout.toString()}${result.stderr.toString()}`;
        expect({ status: result.status, output }).toEqual({ status: 0, output: '' });
      },
    );
  });

  describe('private keys at rest', () => {
    it('stores no PEM or readable private key in any column of the CA and certificate rows', async () => {
      const ca = await createRootCa(testApp, admin, { name: 'At Rest CA', key_size: 2048 });
      const leaf = await issueCertificate(testApp, admin, ca.id, {
        common_name: 'at-rest.example.com',
        certificate_type: 'server',
        key_type: 'ec',
      });
      // The secret half of each key (RSA private exponent, EC scalar), the part a leak would expose.
      const secrets = [ca.private_key ?? '', leaf.private_key ?? ''].map((pem) => {
        const { d } = createPrivateKey(pem).export({ format: 'jwk' });
        return Buffer.from(d ?? '', 'base64url');
      });
      for (const secret of secrets) expect(secret.length).toBeGreaterThanOrEqual(32);

      for (const table of ['certificate_authorities', 'certificates', 'crl_state', 'audit_logs']) {
        const rows: Record<string, unknown>[] = await testApp.dataSource.query(`SELECT * FROM ${table}`);
        expect(rows.length).toBeGreaterThan(0);
        for (const row of rows) {
          for (const [column, value] of Object.entries(row)) {
            if (value === null || value === undefined) continue;
            const text = typeof value === 'string' ? value : JSON.stringify(value);
            // Each base64 / base64url segment of the value decoded, to catch an encoded PEM or DER too.
            const decoded = text.split(/[.:\s]/).map((segment) => Buffer.from(segment, 'base64'));
            const findings = {
              pem: /BEGIN[A-Z ]*PRIVATE KEY|PRIVATE KEY/.test(text),
              encodedPem: decoded.some((bytes) => bytes.toString('latin1').includes('PRIVATE KEY')),
              secret: secrets.some(
                (secret) =>
                  text.includes(secret.toString('base64url')) ||
                  text.toLowerCase().includes(secret.toString('hex')) ||
                  decoded.some((bytes) => bytes.includes(secret.subarray(0, 16))),
              ),
            };
            const where = `${table}.${column}`;
            expect({ where, ...findings }).toEqual({ where, pem: false, encodedPem: false, secret: false });
          }
        }
      }
      const [caRow] = await testApp.dataSource.query(
        'SELECT sealed_private_key FROM certificate_authorities WHERE id = $1',
        [ca.id],
      );
      const [leafRow] = await testApp.dataSource.query(
        'SELECT sealed_private_key FROM certificates WHERE id = $1',
        [leaf.id],
      );
      expect(caRow.sealed_private_key).toEqual(expect.any(String));
      expect(leafRow.sealed_private_key).toEqual(expect.any(String));
    });
  });

  describe('event loop', () => {
    it('keeps answering /status while a 4096-bit RSA CA is created (key generation is off the event loop)', async () => {
      let created = false;
      const creation = testApp
        .http()
        .post('/api/v1/cas/')
        .set(...bearer(admin))
        .send({ name: 'Big RSA Root', subject_dn: 'CN=Big RSA Root', key_type: 'rsa', key_size: 4096 })
        .then((response) => {
          created = true;
          return response;
        });
      const timings: number[] = [];
      while (!created) {
        const started = process.hrtime.bigint();
        await testApp.http().get('/status').expect(200);
        timings.push(Number(process.hrtime.bigint() - started) / 1e6);
        await new Promise((resolveTimer) => setTimeout(resolveTimer, 10));
      }
      const response = await creation;
      expect(response.status).toBe(201);
      expect(response.body).toMatchObject({ key_type: 'rsa', key_size: 4096 });
      expect(x509Text(ssl, response.body.certificate)).toContain('Public-Key: (4096 bit)');
      // Answers that complete during the generation: none could if it ran on the event loop. How fast
      // they are is a figure for `npm run bench` (reads under signing load), not for a test on a shared machine.
      expect(timings.length).toBeGreaterThanOrEqual(3);
    });
  });
});
