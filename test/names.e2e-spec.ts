import { spawnSync } from 'node:child_process';
import { generateKeyPairSync, sign } from 'node:crypto';
import { resolve } from 'node:path';
import { derBitString, derInteger, derOid, derSequence, derTlv } from '../src/crypto/der';
import { derToPem } from '../src/crypto/pem';
import { itWithTool, ZLINT } from './support/external-tools';
import {
  createAdmin,
  createIntermediate,
  createMember,
  createRootCa,
  createSuperuser,
} from './support/fixtures';
import { OpensslWorkspace } from './support/openssl';
import { CaBody, CertificateBody, x509Extension, x509Text } from './support/pki';
import { bearer, createOrganization, startTestApp, TestApp, TestUser } from './support/test-app';

type Body = CertificateBody & { san_uris: string[] };

const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'];

/**
 * Issue 16 item 4, "names done properly", for every certificate, through both issuing routes: URI SANs,
 * unsupported CSR SAN kinds refused, IDNA2008 A-labels, IP SANs by their bytes, CSR subject string
 * types kept and non-strings refused. Each issued certificate is read back with openssl and verified.
 */
describe('names: URI SANs, IDNA, IP bytes, CSR SAN kinds and subject string types', () => {
  let testApp: TestApp;
  const ssl = new OpensslWorkspace();
  let issuer: TestUser;
  let root: CaBody;
  let issuing: CaBody;
  const issued: Body[] = [];

  beforeAll(async () => {
    testApp = await startTestApp();
    const superuser = await createSuperuser(testApp);
    const org = await createOrganization(testApp, superuser, 'Names Org');
    const admin = await createAdmin(testApp, superuser, org);
    issuer = await createMember(testApp, superuser, org, { can_create_cert: true });
    root = await createRootCa(testApp, admin, { name: 'Names Root', key_type: 'ec', path_length: 1 });
    issuing = await createIntermediate(testApp, admin, root, {
      name: 'Names Issuing',
      subject_dn: 'CN=Names Issuing,O=Acme',
      key_type: 'ec',
    });
    ssl.write('root.pem', root.certificate);
    ssl.write('issuing.pem', issuing.certificate);
  });

  afterAll(async () => {
    await testApp.close();
    ssl.dispose();
  });

  async function certificateCount(): Promise<number> {
    const [row]: { count: number }[] = await testApp.dataSource.query(
      'SELECT count(*)::integer AS count FROM certificates',
    );
    return row.count;
  }

  function issue(fields: Record<string, unknown>) {
    return testApp
      .http()
      .post(`/api/v1/certificates/?ca_id=${issuing.id}`)
      .set(...bearer(issuer))
      .send({ subject_dn: 'O=Acme', key_type: 'ec', ...fields });
  }

  function signCsr(csr: string, fields: Record<string, unknown> = {}) {
    return testApp
      .http()
      .post('/api/v1/certificates/sign-csr')
      .set(...bearer(issuer))
      .send({ csr, ca_id: issuing.id, certificate_type: 'server', ...fields });
  }

  function csrOf(name: string, subject: string, extensions: string[], extra: string[] = []): string {
    return ssl.csr(name, [...EC, ...extra], subject, extensions).csr;
  }

  /** The issued certificate, checked: it verifies under the chain; kept for zlint. */
  function accepted(body: Body): Body {
    const file = ssl.write(`leaf-${issued.length}.pem`, body.certificate);
    const verify = ssl.run(['verify', '-CAfile', 'root.pem', '-untrusted', 'issuing.pem', file]);
    expect(verify).toEqual({ ok: true, output: `${file}: OK\n` });
    issued.push(body);
    return body;
  }

  function sanLine(body: Body): string | undefined {
    return x509Extension(x509Text(ssl, body.certificate), 'X509v3 Subject Alternative Name')?.value;
  }

  async function refused(request: ReturnType<typeof issue>, detail: string): Promise<void> {
    const before = await certificateCount();
    const response = await request;
    expect({ status: response.status, detail: response.body.detail }).toEqual({ status: 400, detail });
    expect(await certificateCount()).toBe(before);
  }

  describe('URI SANs', () => {
    it('issues san_uris (SPIFFE IDs) on server, client and dual-purpose certificates, each once', async () => {
      const server = accepted(
        (
          await issue({
            common_name: 'web.names.example',
            certificate_type: 'server',
            san_uris: ['spiffe://corp.example/ns/web/sa/api', 'spiffe://corp.example/ns/web/sa/api'],
          }).expect(201)
        ).body,
      );
      expect(server).toMatchObject({
        san_dns_names: ['web.names.example'],
        san_uris: ['spiffe://corp.example/ns/web/sa/api'],
      });
      expect(sanLine(server)).toBe('DNS:web.names.example, URI:spiffe://corp.example/ns/web/sa/api');

      const client = accepted(
        (
          await issue({
            common_name: 'alice@corp.example',
            certificate_type: 'client',
            san_uris: ['spiffe://corp.example/ns/batch/sa/worker'],
          }).expect(201)
        ).body,
      );
      expect(client).toMatchObject({
        san_email_addresses: ['alice@corp.example'],
        san_uris: ['spiffe://corp.example/ns/batch/sa/worker'],
      });
      expect(sanLine(client)).toBe('email:alice@corp.example, URI:spiffe://corp.example/ns/batch/sa/worker');

      const dual = accepted(
        (
          await issue({
            common_name: 'dual.names.example',
            certificate_type: 'dual_purpose',
            san_uris: ['urn:uuid:123e4567-e89b-12d3-a456-426614174000'],
          }).expect(201)
        ).body,
      );
      expect(sanLine(dual)).toBe('DNS:dual.names.example, URI:urn:uuid:123e4567-e89b-12d3-a456-426614174000');
      const fetched = await testApp
        .http()
        .get(`/api/v1/certificates/${dual.id}`)
        .set(...bearer(issuer))
        .expect(200);
      expect(fetched.body.san_uris).toEqual(['urn:uuid:123e4567-e89b-12d3-a456-426614174000']);
    });

    it('keeps the URI SANs of a CSR made by openssl, and lets san_uris replace them', async () => {
      const csr = csrOf('uri', '/CN=svc.names.example', [
        'subjectAltName=DNS:svc.names.example,URI:spiffe://corp.example/ns/svc/sa/default',
      ]);
      const signed = accepted((await signCsr(csr).expect(201)).body);
      expect(signed).toMatchObject({
        san_dns_names: ['svc.names.example'],
        san_uris: ['spiffe://corp.example/ns/svc/sa/default'],
      });
      expect(sanLine(signed)).toBe('DNS:svc.names.example, URI:spiffe://corp.example/ns/svc/sa/default');

      const replaced = accepted(
        (await signCsr(csr, { san_uris: ['spiffe://corp.example/ns/svc/sa/other'] }).expect(201)).body,
      );
      expect(replaced.san_uris).toEqual(['spiffe://corp.example/ns/svc/sa/other']);
    });

    it.each([
      [['not a uri'], 'URI "not a uri" must be ASCII without spaces (percent-encode other characters)'],
      [['/relative/path'], 'URI "/relative/path" is not an absolute URI (scheme:rest, RFC 3986)'],
      [
        ['https://a.example/<x>'],
        'URI "https://a.example/<x>" has characters RFC 3986 does not allow (or a bad % escape)',
      ],
      [
        ['spiffe://bad_host/x'],
        'URI "spiffe://bad_host/x" has an invalid host "bad_host" (a DNS name or an IP address)',
      ],
    ])('refuses san_uris %j on both routes', async (uris, detail) => {
      await refused(
        issue({ common_name: 'bad-uri.names.example', certificate_type: 'server', san_uris: uris }),
        detail,
      );
      const csr = csrOf('bad-uri', '/CN=bad-uri.names.example', []);
      await refused(signCsr(csr, { san_uris: uris }), detail);
    });

    it('refuses URI SANs on CA certificates', async () => {
      await refused(
        issue({ common_name: 'URI CA', certificate_type: 'ca', san_uris: ['spiffe://corp.example/ca'] }),
        'CA certificates cannot carry SANs',
      );
    });
  });

  describe('SAN kinds a CSR may not carry', () => {
    it.each([
      ['otherName', 'otherName:1.3.6.1.4.1.311.20.2.3;UTF8:alice@corp.example'],
      ['registeredID', 'RID:1.2.3.4'],
      ['directoryName', 'dirName:dir_sect'],
    ])('refuses a CSR with a %s SAN, naming its kind, instead of dropping it', async (kind, entry) => {
      const config = ssl.write('dir.cnf', '[req]\ndistinguished_name=dn\n[dn]\n[dir_sect]\nCN = someone\n');
      const csr = csrOf(
        `kind-${kind}`,
        '/CN=kind.names.example',
        [`subjectAltName=DNS:kind.names.example,${entry}`],
        ['-config', config],
      );
      await refused(signCsr(csr), `CSR SAN of type ${kind} is not supported`);
    });
  });

  describe('IDNA2008', () => {
    it('writes a Unicode Common Name used as the DNS SAN as A-labels, in the SAN and in the CN', async () => {
      const body = accepted(
        (await issue({ common_name: 'bücher.names.example', certificate_type: 'server' }).expect(201)).body,
      );
      expect(body).toMatchObject({
        common_name: 'xn--bcher-kva.names.example',
        subject_dn: 'CN=xn--bcher-kva.names.example,O=Acme',
        san_dns_names: ['xn--bcher-kva.names.example'],
      });
      expect(sanLine(body)).toBe('DNS:xn--bcher-kva.names.example');
    });

    it('converts Unicode san_dns_names and keeps valid A-labels, once each', async () => {
      const body = accepted(
        (
          await issue({
            common_name: 'idn.names.example',
            certificate_type: 'server',
            san_dns_names: [
              'idn.names.example',
              'straße.names.example',
              'XN--STRAE-OQA.names.example',
              '*.bücher.names.example',
            ],
          }).expect(201)
        ).body,
      );
      expect(body.san_dns_names).toEqual([
        'idn.names.example',
        'xn--strae-oqa.names.example',
        '*.xn--bcher-kva.names.example',
      ]);
      const csr = csrOf('idn', '/CN=xn--bcher-kva.names.example', [
        'subjectAltName=DNS:xn--bcher-kva.names.example,DNS:XN--BCHER-KVA.names.example',
      ]);
      const signed = accepted((await signCsr(csr).expect(201)).body);
      expect(signed.san_dns_names).toEqual(['xn--bcher-kva.names.example']);
    });

    it('refuses an invalid A-label on both routes, in a SAN and in the CN used as one', async () => {
      const detail =
        '"xn--zz.names.example" is not a valid DNS name: DNS name "xn--zz.names.example" has an invalid A-label "xn--zz" (it does not survive ToUnicode and back)';
      await refused(
        issue({
          common_name: 'ok.names.example',
          certificate_type: 'server',
          san_dns_names: ['xn--zz.names.example'],
        }),
        detail,
      );
      await refused(issue({ common_name: 'xn--zz.names.example', certificate_type: 'server' }), detail);
      await refused(
        signCsr(csrOf('bad-alabel', '/CN=ok.names.example', ['subjectAltName=DNS:xn--zz.names.example'])),
        detail,
      );
    });
  });

  describe('IP SANs by their bytes', () => {
    it('writes one entry for one address however written, in RFC 5952 text', async () => {
      const body = accepted(
        (
          await issue({
            common_name: '2001:0db8::0001',
            certificate_type: 'server',
            san_ip_addresses: ['2001:db8::1', '2001:0DB8:0:0:0:0:0:1', '10.0.0.1'],
          }).expect(201)
        ).body,
      );
      expect(body).toMatchObject({
        common_name: '2001:db8::1',
        san_dns_names: [],
        san_ip_addresses: ['2001:db8::1', '10.0.0.1'],
      });
      expect(sanLine(body)).toBe('IP Address:2001:DB8:0:0:0:0:0:1, IP Address:10.0.0.1');

      const csr = csrOf('ip', '/CN=ip.names.example', [
        'subjectAltName=DNS:ip.names.example,IP:2001:db8::1,IP:2001:0db8:0000::0001',
      ]);
      const signed = accepted((await signCsr(csr).expect(201)).body);
      expect(signed.san_ip_addresses).toEqual(['2001:db8::1']);
      expect(sanLine(signed)).toBe('DNS:ip.names.example, IP Address:2001:DB8:0:0:0:0:0:1');
    });
  });

  describe('CSR subjects', () => {
    it("keeps the CSR's PrintableString values and writes emailAddress as IA5String", async () => {
      const config = ssl.write('printable.cnf', '[req]\ndistinguished_name=dn\nstring_mask=default\n[dn]\n');
      const csr = csrOf(
        'printable',
        '/C=US/O=Acme Printable/CN=printable.names.example',
        [],
        ['-config', config],
      );
      const signed = accepted((await signCsr(csr).expect(201)).body);
      const file = ssl.write('printable-leaf.pem', signed.certificate);
      expect(
        ssl.run(['x509', '-in', file, '-noout', '-subject', '-nameopt', 'RFC2253,show_type']).output,
      ).toBe(
        'subject=CN=PRINTABLESTRING:printable.names.example,O=PRINTABLESTRING:Acme Printable,C=PRINTABLESTRING:US\n',
      );
      const utf8 = accepted(
        (await signCsr(csrOf('utf8', '/C=US/O=Acme UTF8/CN=utf8.names.example', [])).expect(201)).body,
      );
      const utf8File = ssl.write('utf8-leaf.pem', utf8.certificate);
      expect(
        ssl.run(['x509', '-in', utf8File, '-noout', '-subject', '-nameopt', 'RFC2253,show_type']).output,
      ).toBe('subject=CN=UTF8STRING:utf8.names.example,O=UTF8STRING:Acme UTF8,C=PRINTABLESTRING:US\n');
    });

    it('refuses a CSR whose subject holds a BIT STRING, naming the attribute', async () => {
      const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const attribute = (oid: string, value: Buffer) => derTlv(0x31, derSequence(derOid(oid), value));
      const subject = derSequence(
        attribute('2.5.4.3', derTlv(0x0c, Buffer.from('bits.names.example'))),
        attribute('2.5.4.45', derBitString(Buffer.from([0xab, 0xcd]))),
      );
      const info = derSequence(
        derInteger(0),
        subject,
        publicKey.export({ type: 'spki', format: 'der' }),
        derTlv(0xa0),
      );
      const csrDer = derSequence(
        info,
        derSequence(derOid('1.2.840.10045.4.3.2')),
        derBitString(sign('sha256', info, privateKey)),
      );
      const csr = derToPem(csrDer, 'CERTIFICATE REQUEST');
      const file = ssl.write('bits.csr', csr);
      expect(ssl.run(['req', '-in', file, '-verify', '-noout']).ok).toBe(true);
      await refused(
        signCsr(csr, { san_dns_names: ['bits.names.example'] }),
        'CSR subject attribute 2.5.4.45 is a BIT STRING, not a string; it cannot be issued',
      );
    });
  });

  describe('zlint', () => {
    itWithTool(ZLINT)(
      'finds no error or fatal result on the certificates with CN, IDNA, URI and IP names',
      () => {
        expect(issued.length).toBeGreaterThanOrEqual(10);
        const script = resolve(__dirname, '..', 'scripts', 'zlint-private-ca.sh');
        const files = issued.map((body, index) => ssl.write(`zlint-names-${index}.pem`, body.certificate));
        const result = spawnSync('bash', [script, ...files]);
        const output = `${result.stdout.toString()}${result.stderr.toString()}`;
        expect({ status: result.status, output }).toEqual({ status: 0, output: '' });
      },
    );
  });
});
