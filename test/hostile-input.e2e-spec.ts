import { buildRawCsrPem } from '../src/crypto/testing/raw-csr';
import { createMember, createRootCa, createSuperuser } from './support/fixtures';
import { issueCertificate } from './support/pki';
import { hostileCases, HostileCase, OpenApiDocument } from './support/hostile-cases';
import { rawRequest } from './support/raw-http';
import { rowCounts } from './support/row-counts';
import { bearer, createOrganization, startTestApp, TestApp } from './support/test-app';

interface Outcome {
  operation: string;
  description: string;
  status: number;
}

describe('hostile input over every documented operation', () => {
  let testApp: TestApp;
  let cases: HostileCase[];

  beforeAll(async () => {
    testApp = await startTestApp();
    const superuser = await createSuperuser(testApp);
    const organizationId = await createOrganization(testApp, superuser);
    const member = await createMember(testApp, superuser, organizationId);
    const ca = await createRootCa(testApp, superuser, {
      name: 'Hostile Root',
      key_type: 'ec',
      key_size: 256,
    });
    const certificate = await issueCertificate(testApp, superuser, ca.id, {
      common_name: 'hostile.example',
      certificate_type: 'server',
      key_type: 'ec',
      key_size: 256,
      san_dns_names: ['hostile.example'],
    });
    const request = await testApp
      .http()
      .post('/api/v1/certificate-requests/')
      .set(...bearer(superuser))
      .send({ csr: await buildRawCsrPem({ commonName: 'requested.example' }) })
      .expect(201);
    const document = (await testApp.http().get('/docs-json').expect(200)).body as OpenApiDocument;
    cases = hostileCases(
      document,
      {
        user_id: String(member.id),
        organization_id: String(organizationId),
        ca_id: String(ca.id),
        cert_id: String(certificate.id),
        request_id: String(request.body.id),
        file: `hostile-root-${ca.id}.pem`,
      },
      `Bearer ${superuser.token}`,
    );
  });

  afterAll(() => testApp.close());

  it('covers every operation of the OpenAPI document', () => {
    const operations = new Set(cases.map((entry) => entry.operation));
    expect(operations.size).toBeGreaterThanOrEqual(50);
    expect(cases.length).toBeGreaterThan(500);
    expect(cases.length).toBeLessThan(2000);
  });

  it('never answers 5xx, refuses what it must with a JSON 4xx, and writes no row', async () => {
    const before = await rowCounts(testApp);
    const serverErrors: Outcome[] = [];
    const accepted: Outcome[] = [];
    const notJson: Outcome[] = [];
    for (const entry of cases) {
      const response = await rawRequest(testApp, entry);
      const outcome = { operation: entry.operation, description: entry.description, status: response.status };
      if (response.status >= 500 || response.status === 0) serverErrors.push(outcome);
      else if (entry.mustRefuse && response.status < 400) accepted.push(outcome);
      else if (
        response.status >= 400 &&
        typeof (response.json as { detail?: unknown })?.detail !== 'string'
      ) {
        notJson.push(outcome);
      }
    }
    expect(serverErrors).toEqual([]);
    expect(accepted).toEqual([]);
    expect(notJson).toEqual([]);
    expect(await rowCounts(testApp)).toEqual(before);
  });
});
