import { readFileSync } from 'node:fs';
import { createAdmin, createOrganization, createRootCa, createSuperuser } from './support/fixtures';
import {
  caExtensions,
  createPendingCa,
  EC_P256,
  getText,
  OutsideCa,
  opensslVerify,
  signOutside,
  submitRequest,
  uniqueName,
} from './support/notary';
import { OpensslWorkspace } from './support/openssl';
import { CaBody, issueCertificate, x509Extension, x509Text } from './support/pki';
import { bearer, startTestApp, TestApp, TestUser } from './support/test-app';

jest.setTimeout(120_000);

interface ConstrainedCaBody extends CaBody {
  name_constraints: {
    permitted: Record<'dns' | 'ip_ranges' | 'emails' | 'uris', string[]>;
    excluded: Record<'dns' | 'ip_ranges' | 'emails' | 'uris', string[]>;
  } | null;
  csr: string | null;
}

const NONE = { dns: [], ip_ranges: [], emails: [], uris: [] };

/** A self-signed outside root made by openssl with the given nameConstraints extension value. */
function outsideConstrainedRoot(ssl: OpensslWorkspace, subject: string, nameConstraints: string): OutsideCa {
  const name = `constrained-root-${uniqueName()}`;
  const keyPath = ssl.path(`${name}.key`);
  const certPath = ssl.path(`${name}.pem`);
  const result = ssl.run([
    'req',
    '-x509',
    ...EC_P256,
    '-nodes',
    '-keyout',
    keyPath,
    '-subj',
    subject,
    '-days',
    '365',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-addext',
    'subjectKeyIdentifier=hash',
    '-addext',
    `nameConstraints=${nameConstraints}`,
    '-out',
    certPath,
  ]);
  if (!result.ok) throw new Error(result.output);
  return { certificate: readFileSync(certPath, 'utf8'), certPath, keyPath };
}

describe('name constraints (RFC 5280 4.2.1.10)', () => {
  const ssl = new OpensslWorkspace();
  let testApp: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    testApp = await startTestApp();
    const superuser = await createSuperuser(testApp);
    const org = await createOrganization(testApp, superuser, 'Constraints Org');
    admin = await createAdmin(testApp, superuser, org);
  });

  afterAll(async () => {
    await testApp.close();
    ssl.dispose();
  });

  async function post(path: string, body: Record<string, unknown>) {
    // POST /certificates needs a subject_dn, as issueCertificate gives it.
    const defaults = path.startsWith('certificates/?') ? { subject_dn: 'O=Acme' } : {};
    return testApp
      .http()
      .post(`/api/v1/${path}`)
      .set(...bearer(admin))
      .send({ ...defaults, ...body });
  }

  async function refusal(path: string, body: Record<string, unknown>): Promise<string> {
    const response = await post(path, body);
    expect({ path, status: response.status }).toEqual({ path, status: 400 });
    return (response.body as { detail: string }).detail;
  }

  async function caCount(): Promise<number> {
    const response = await testApp
      .http()
      .get('/api/v1/cas/')
      .set(...bearer(admin))
      .expect(200);
    return (response.body as unknown[]).length;
  }

  function csrFor(dnsName: string): string {
    return ssl.csr(`leaf-${uniqueName()}`, EC_P256, `/CN=${dnsName}`, [`subjectAltName=DNS:${dnsName}`]).csr;
  }

  describe('an outside root with nameConstraints above an intermediate of ours', () => {
    let root: OutsideCa;
    beforeAll(() => {
      root = outsideConstrainedRoot(
        ssl,
        '/O=Elsewhere/CN=Outside Constrained Root',
        'critical,permitted;DNS:.corp.example',
      );
    });

    async function uploadedIntermediate(
      name: string,
      extraExtensions: string[] = [],
    ): Promise<ConstrainedCaBody> {
      const pending = await createPendingCa(testApp, admin, { name });
      const csr = (await getText(testApp, `/api/v1/cas/${pending.id}/csr`, admin)).text;
      const { certificate } = signOutside(ssl, root, csr, [...caExtensions(0), ...extraExtensions], 200);
      const response = await post(`cas/${pending.id}/certificate`, {
        certificate_chain: certificate + root.certificate,
      });
      expect(response.status).toBe(200);
      return response.body as ConstrainedCaBody;
    }

    it('refuses web.other.test naming the outside root, issues web.corp.example, which openssl verifies', async () => {
      const intermediate = await uploadedIntermediate('Uploaded Under Constrained Root');
      expect(intermediate.name_constraints).toBeNull();
      expect(intermediate.status).toBe('active');

      const before = await testApp
        .http()
        .get('/api/v1/certificates/')
        .set(...bearer(admin))
        .expect(200);
      expect(
        await refusal(`certificates/?ca_id=${intermediate.id}`, {
          common_name: 'web.other.test',
          subject_dn: 'O=Acme',
          certificate_type: 'server',
        }),
      ).toBe(
        'san_dns_names[0] "web.other.test" is outside the name constraints of CA "Outside Constrained Root" (permitted: .corp.example)',
      );
      expect(
        await refusal('certificates/sign-csr', {
          ca_id: intermediate.id,
          csr: csrFor('api.other.test'),
          certificate_type: 'server',
        }),
      ).toBe(
        'san_dns_names[0] "api.other.test" is outside the name constraints of CA "Outside Constrained Root" (permitted: .corp.example)',
      );
      const after = await testApp
        .http()
        .get('/api/v1/certificates/')
        .set(...bearer(admin))
        .expect(200);
      expect(JSON.stringify(after.body)).toBe(JSON.stringify(before.body));

      const leaf = await issueCertificate(testApp, admin, intermediate.id, {
        common_name: 'web.corp.example',
        certificate_type: 'server',
      });
      const verified = opensslVerify(ssl, root.certificate, leaf.certificate, intermediate.certificate ?? '');
      expect(verified.output).toMatch(/: OK/);
      expect(verified.ok).toBe(true);
    });

    it('reads the constraints of the uploaded certificate itself and shows them on the CA', async () => {
      const intermediate = await uploadedIntermediate('Uploaded EU Intermediate', [
        'nameConstraints=critical,permitted;DNS:.eu.corp.example,excluded;IP:10.0.0.0/255.0.0.0',
      ]);
      expect(intermediate.name_constraints).toEqual({
        permitted: { ...NONE, dns: ['.eu.corp.example'] },
        excluded: { ...NONE, ip_ranges: ['10.0.0.0/8'] },
      });
      const fetched = await testApp
        .http()
        .get(`/api/v1/cas/${intermediate.id}`)
        .set(...bearer(admin))
        .expect(200);
      expect(fetched.body.name_constraints).toEqual(intermediate.name_constraints);
      expect(
        await refusal(`certificates/?ca_id=${intermediate.id}`, {
          common_name: 'web.us.corp.example',
          certificate_type: 'server',
        }),
      ).toBe(
        'san_dns_names[0] "web.us.corp.example" is outside the name constraints of CA "Uploaded EU Intermediate" (permitted: .eu.corp.example)',
      );
      expect(
        await refusal(`certificates/?ca_id=${intermediate.id}`, {
          common_name: 'web.eu.corp.example',
          san_ip_addresses: ['10.1.1.1'],
          certificate_type: 'server',
        }),
      ).toBe(
        'san_ip_addresses[0] "10.1.1.1" is outside the name constraints of CA "Uploaded EU Intermediate" (excluded: 10.0.0.0/8)',
      );
      const leaf = await issueCertificate(testApp, admin, intermediate.id, {
        common_name: 'web.eu.corp.example',
        certificate_type: 'server',
      });
      expect(opensslVerify(ssl, root.certificate, leaf.certificate, intermediate.certificate ?? '').ok).toBe(
        true,
      );
    });

    it('refuses a child of the uploaded intermediate outside the outside root', async () => {
      const intermediate = await uploadedIntermediate('Uploaded Parent', []);
      // pathlen 0 forbids children anyway; the constraint check names the CA first.
      expect(
        await refusal('cas/', {
          name: 'Child Outside',
          subject_dn: 'CN=Child Outside',
          key_type: 'ec',
          parent_ca_id: intermediate.id,
          name_constraints: { permitted: { dns: ['other.test'] } },
        }),
      ).toBe(
        'name_constraints.permitted.dns[0] "other.test" is outside the name constraints of CA "Outside Constrained Root" (permitted: .corp.example)',
      );
    });
  });

  describe('a root of ours created with name_constraints', () => {
    let root: ConstrainedCaBody;
    const CONSTRAINTS = {
      permitted: { dns: ['corp.example'], ip_ranges: ['10.0.0.0/8', 'fd00::/8'], emails: ['corp.example'] },
      excluded: { dns: ['secret.corp.example'], ip_ranges: ['10.9.0.0/16'] },
    };

    beforeAll(async () => {
      root = (await createRootCa(testApp, admin, {
        name: 'Constrained Root',
        key_type: 'ec',
        // It gets child CAs below and still issues leaves in these cases.
        allow_leaf_certs: true,
        name_constraints: CONSTRAINTS,
      })) as ConstrainedCaBody;
    });

    it('writes a critical nameConstraints extension openssl reads as given, and shows it', () => {
      expect(root.name_constraints).toEqual({
        permitted: {
          dns: ['corp.example'],
          ip_ranges: ['10.0.0.0/8', 'fd00::/8'],
          emails: ['corp.example'],
          uris: [],
        },
        excluded: { ...NONE, dns: ['secret.corp.example'], ip_ranges: ['10.9.0.0/16'] },
      });
      const extension = x509Extension(x509Text(ssl, root.certificate ?? ''), 'X509v3 Name Constraints');
      expect(extension).toEqual({
        critical: true,
        value: [
          'Permitted:',
          'DNS:corp.example',
          'IP:10.0.0.0/255.0.0.0',
          'IP:FD00:0:0:0:0:0:0:0/FF00:0:0:0:0:0:0:0',
          'email:corp.example',
          'Excluded:',
          'DNS:secret.corp.example',
          'IP:10.9.0.0/255.255.0.0',
        ].join('\n'),
      });
    });

    it('refuses malformed constraints with 400 naming the entry, and creates nothing', async () => {
      const count = await caCount();
      const cases: [unknown, string][] = [
        [
          { permitted: { dns: ['*.corp.example'] } },
          'name_constraints.permitted.dns[0] "*.corp.example" is not a DNS name',
        ],
        [
          { permitted: { ip_ranges: ['10.0.0.1/8'] } },
          'name_constraints.permitted.ip_ranges[0] "10.0.0.1/8" is not an IPv4 or IPv6 range',
        ],
        [
          { excluded: { ip_ranges: ['2001:db8::/200'] } },
          'name_constraints.excluded.ip_ranges[0] "2001:db8::/200"',
        ],
        [
          { permitted: { emails: ['a@@corp.example'] } },
          'name_constraints.permitted.emails[0] "a@@corp.example"',
        ],
        [
          { permitted: { uris: ['https://corp.example/'] } },
          'name_constraints.permitted.uris[0] "https://corp.example/"',
        ],
        [{ permitted: {} }, 'name_constraints needs at least one permitted or excluded subtree'],
      ];
      for (const [constraints, message] of cases) {
        const detail = await refusal('cas/', {
          name: `Bad ${uniqueName()}`,
          subject_dn: 'CN=Bad',
          key_type: 'ec',
          name_constraints: constraints,
        });
        expect({ constraints, detail }).toEqual({ constraints, detail: expect.stringContaining(message) });
      }
      const shape = await post('cas/', {
        name: 'Bad shape',
        subject_dn: 'CN=Bad',
        key_type: 'ec',
        name_constraints: { permitted: { dns: 'corp.example' } },
      });
      expect(shape.status).toBe(400);
      expect(await caCount()).toBe(count);
    });

    it('accepts a child within, refuses one outside or inside an exclusion, naming the subtree and the CA', async () => {
      const count = await caCount();
      const child = (body: Record<string, unknown>) => ({
        name: `Child ${uniqueName()}`,
        subject_dn: 'CN=Child',
        key_type: 'ec',
        parent_ca_id: root.id,
        ...body,
      });
      expect(
        await refusal(
          'cas/',
          child({ name_constraints: { permitted: { dns: ['corp.example', 'other.test'] } } }),
        ),
      ).toBe(
        'name_constraints.permitted.dns[1] "other.test" is outside the name constraints of CA "Constrained Root" (permitted: corp.example)',
      );
      expect(
        await refusal(
          'cas/',
          child({ name_constraints: { permitted: { dns: ['db.secret.corp.example'] } } }),
        ),
      ).toBe(
        'name_constraints.permitted.dns[0] "db.secret.corp.example" is outside the name constraints of CA "Constrained Root" (excluded: secret.corp.example)',
      );
      expect(
        await refusal('cas/', child({ name_constraints: { permitted: { ip_ranges: ['192.168.0.0/16'] } } })),
      ).toBe(
        'name_constraints.permitted.ip_ranges[0] "192.168.0.0/16" is outside the name constraints of CA "Constrained Root" (permitted: 10.0.0.0/8, fd00::/8)',
      );
      expect(
        await refusal('cas/', child({ name_constraints: { permitted: { ip_ranges: ['10.9.1.0/24'] } } })),
      ).toMatch(/\(excluded: 10\.9\.0\.0\/16\)$/);
      expect(
        await refusal('cas/', child({ name_constraints: { permitted: { emails: ['alice@other.test'] } } })),
      ).toMatch(/^name_constraints\.permitted\.emails\[0\] "alice@other\.test" is outside/);
      expect(await caCount()).toBe(count);

      const eu = await post(
        'cas/',
        child({
          name: 'EU Issuing',
          name_constraints: {
            permitted: { dns: ['.eu.corp.example'], ip_ranges: ['10.20.0.0/16', 'fd00:20::/32'] },
          },
        }),
      );
      expect(eu.status).toBe(201);
      const euCa = eu.body as ConstrainedCaBody;
      expect(x509Extension(x509Text(ssl, euCa.certificate ?? ''), 'X509v3 Name Constraints')).toEqual({
        critical: true,
        value:
          'Permitted:\nDNS:.eu.corp.example\nIP:10.20.0.0/255.255.0.0\nIP:FD00:20:0:0:0:0:0:0/FFFF:FFFF:0:0:0:0:0:0',
      });
      // Under the child, both its constraints and the root's apply.
      expect(
        await refusal(`certificates/?ca_id=${euCa.id}`, {
          common_name: 'web.corp.example',
          certificate_type: 'server',
        }),
      ).toBe(
        'san_dns_names[0] "web.corp.example" is outside the name constraints of CA "EU Issuing" (permitted: .eu.corp.example)',
      );
      const leaf = await issueCertificate(testApp, admin, euCa.id, {
        common_name: 'web.eu.corp.example',
        san_ip_addresses: ['10.20.1.1', 'fd00:20::1'],
        certificate_type: 'server',
      });
      expect(opensslVerify(ssl, root.certificate ?? '', leaf.certificate, euCa.certificate ?? '').ok).toBe(
        true,
      );
    });

    it('refuses a leaf outside on every issuing route, and issues one inside that openssl verifies', async () => {
      const issue = (body: Record<string, unknown>) =>
        refusal(`certificates/?ca_id=${root.id}`, { certificate_type: 'server', ...body });
      const outside = 'is outside the name constraints of CA "Constrained Root"';
      expect(await issue({ common_name: 'web.other.test' })).toBe(
        `san_dns_names[0] "web.other.test" ${outside} (permitted: corp.example)`,
      );
      expect(await issue({ common_name: 'secret.corp.example' })).toBe(
        `san_dns_names[0] "secret.corp.example" ${outside} (excluded: secret.corp.example)`,
      );
      expect(await issue({ common_name: 'x', san_dns_names: ['*.corp.example'] })).toBe(
        `san_dns_names[0] "*.corp.example" ${outside} (excluded: secret.corp.example)`,
      );
      expect(
        await issue({
          common_name: 'web.corp.example',
          san_dns_names: ['web.corp.example'],
          san_ip_addresses: ['10.9.1.1'],
        }),
      ).toBe(`san_ip_addresses[0] "10.9.1.1" ${outside} (excluded: 10.9.0.0/16)`);
      expect(
        await issue({
          common_name: 'web.corp.example',
          san_dns_names: ['web.corp.example'],
          san_ip_addresses: ['192.168.1.1'],
        }),
      ).toBe(`san_ip_addresses[0] "192.168.1.1" ${outside} (permitted: 10.0.0.0/8, fd00::/8)`);
      expect(
        await issue({
          common_name: 'web.corp.example',
          san_dns_names: ['web.corp.example'],
          san_ip_addresses: ['2001:db8::1'],
        }),
      ).toBe(`san_ip_addresses[0] "2001:db8::1" ${outside} (permitted: 10.0.0.0/8, fd00::/8)`);
      expect(await issue({ common_name: 'web.other.test', san_dns_names: ['web.corp.example'] })).toBe(
        `common_name "web.other.test" ${outside} (permitted: corp.example)`,
      );
      expect(await issue({ common_name: 'alice@other.test', certificate_type: 'client' })).toBe(
        `san_email_addresses[0] "alice@other.test" ${outside} (permitted: corp.example)`,
      );

      expect(
        await refusal('certificates/sign-csr', {
          ca_id: root.id,
          csr: csrFor('api.other.test'),
          certificate_type: 'server',
        }),
      ).toBe(`san_dns_names[0] "api.other.test" ${outside} (permitted: corp.example)`);
      expect(
        await refusal('certificates/sign-csr', {
          ca_id: root.id,
          csr: csrFor('api.corp.example'),
          certificate_type: 'server',
          san_dns_names: ['db.secret.corp.example'],
        }),
      ).toBe(`san_dns_names[0] "db.secret.corp.example" ${outside} (excluded: secret.corp.example)`);

      const request = await submitRequest(testApp, admin, { csr: csrFor('queued.other.test') });
      expect(await refusal(`certificate-requests/${request.id}/sign`, { ca_id: root.id })).toBe(
        `san_dns_names[0] "queued.other.test" ${outside} (permitted: corp.example)`,
      );
      const stillOutstanding = await testApp
        .http()
        .get(`/api/v1/certificate-requests/${request.id}`)
        .set(...bearer(admin))
        .expect(200);
      expect(stillOutstanding.body.status).toBe('outstanding');

      const leaf = await issueCertificate(testApp, admin, root.id, {
        common_name: 'web.corp.example',
        san_dns_names: ['web.corp.example', 'corp.example', 'a.b.corp.example'],
        san_ip_addresses: ['10.1.2.3', 'fd00::1'],
        certificate_type: 'server',
      });
      expect(opensslVerify(ssl, root.certificate ?? '', leaf.certificate).ok).toBe(true);
      const client = await issueCertificate(testApp, admin, root.id, {
        common_name: 'alice@corp.example',
        certificate_type: 'client',
      });
      expect(opensslVerify(ssl, root.certificate ?? '', client.certificate).ok).toBe(true);
      const csrLeaf = await post('certificates/sign-csr', {
        ca_id: root.id,
        csr: csrFor('csr.corp.example'),
        certificate_type: 'server',
      });
      expect(csrLeaf.status).toBe(201);
      expect(opensslVerify(ssl, root.certificate ?? '', csrLeaf.body.certificate).ok).toBe(true);
    });

    it('asks for its constraints in a pending CA CSR, and keeps them when one of ours signs it', async () => {
      const pending = (await createPendingCa(testApp, admin, {
        name: 'Pending Constrained',
        name_constraints: { permitted: { dns: ['.pending.corp.example'] } },
      })) as unknown as ConstrainedCaBody;
      expect(pending.name_constraints).toEqual({
        permitted: { ...NONE, dns: ['.pending.corp.example'] },
        excluded: NONE,
      });
      const file = ssl.write(`pending-${uniqueName()}.csr`, pending.csr ?? '');
      const csrText = ssl.run(['req', '-in', file, '-noout', '-text']).output;
      expect(csrText).toMatch(
        /X509v3 Name Constraints: critical\s+Permitted:\s+DNS:\.pending\.corp\.example/,
      );

      const outsideParent = (await createRootCa(testApp, admin, {
        name: 'Other Root',
        key_type: 'ec',
        name_constraints: { permitted: { dns: ['other.test'] } },
      })) as ConstrainedCaBody;
      expect(await refusal(`cas/${pending.id}/sign`, { parent_ca_id: outsideParent.id })).toBe(
        'name_constraints.permitted.dns[0] ".pending.corp.example" is outside the name constraints of CA "Other Root" (permitted: other.test)',
      );
      const signed = await post(`cas/${pending.id}/sign`, { parent_ca_id: root.id });
      expect(signed.status).toBe(200);
      expect(signed.body.name_constraints).toEqual(pending.name_constraints);
      expect(x509Extension(x509Text(ssl, signed.body.certificate), 'X509v3 Name Constraints')).toEqual({
        critical: true,
        value: 'Permitted:\nDNS:.pending.corp.example',
      });
      expect(
        await refusal(`certificates/?ca_id=${pending.id}`, {
          common_name: 'web.corp.example',
          certificate_type: 'server',
        }),
      ).toMatch(
        /^san_dns_names\[0\] "web\.corp\.example" is outside the name constraints of CA "Pending Constrained"/,
      );
      const leaf = await issueCertificate(testApp, admin, pending.id, {
        common_name: 'a.pending.corp.example',
        certificate_type: 'server',
      });
      expect(opensslVerify(ssl, root.certificate ?? '', leaf.certificate, signed.body.certificate).ok).toBe(
        true,
      );
    });
  });

  it('leaves CAs without constraints as they were: no extension, name_constraints null', async () => {
    const plain = (await createRootCa(testApp, admin, {
      name: 'Plain Root',
      key_type: 'ec',
    })) as ConstrainedCaBody;
    expect(plain.name_constraints).toBeNull();
    expect(x509Extension(x509Text(ssl, plain.certificate ?? ''), 'X509v3 Name Constraints')).toBeNull();
    await issueCertificate(testApp, admin, plain.id, {
      common_name: 'anything.other.test',
      certificate_type: 'server',
    });
  });
});
