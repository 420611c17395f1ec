import { EXPECTED_STATUS } from '../src/common/api-examples';
import { createUser, login, startTestApp, TEST_PASSWORD, TestApp, TestUser } from './support/test-app';

/**
 * Every request example of /docs-json, sent as written (body, path and query examples) to a fresh
 * service, in the order below. The spec prepares one thing: user 1, the superuser it acts as (the first
 * user of a fresh database). Everything else the examples name is made by an earlier example:
 * organization 1; user 2 (alice); CA 1 (root), CA 2 (issuing, under 1), CA 3 (pending, then signed by
 * CA 1); certificate 1 (POST /certificates), 2 (sign-csr), 3 and 4 (requests 1 and 3 signed);
 * requests 1, 2 and 3; an EAB key of profile 1 (ACME accounts are made by ACME clients, so the
 * account examples name none).
 */
const ORDER = [
  // what the other examples refer to
  'POST /api/v1/organizations',
  'POST /api/v1/users',
  'POST /api/v1/auth/token',
  'POST /api/v1/auth/refresh',
  'POST /api/v1/cas',
  'GET /api/v1/cas/{ca_id}/csr',
  'POST /api/v1/cas/{ca_id}/certificate',
  'POST /api/v1/cas/{ca_id}/sign',
  'POST /api/v1/profiles',
  'POST /api/v1/profiles/{profile_id}/acme-eab-keys',
  'POST /api/v1/service-accounts',
  'POST /api/v1/service-accounts/{account_id}/keys',
  'POST /api/v1/service-accounts/{account_id}/trust-policies',
  'POST /api/v1/users/me/api-keys',
  'POST /api/v1/certificates',
  'POST /api/v1/certificates/sign-csr',
  'POST /api/v1/certificates/renew',
  'POST /api/v1/certificate-requests',
  'POST /api/v1/certificate-requests/{request_id}/certificate',
  'POST /api/v1/certificate-requests/{request_id}/sign',
  'POST /api/v1/certificate-requests/{request_id}/reject',
  'POST /api/v1/organizations/{organization_id}/users/{user_id}',
  // reads
  'GET /status',
  'GET /api/v1/config',
  'GET /api/v1/users',
  'GET /api/v1/users/me',
  'GET /api/v1/users/{user_id}',
  'GET /api/v1/organizations',
  'GET /api/v1/organizations/{organization_id}',
  'GET /api/v1/organizations/{organization_id}/users',
  'GET /api/v1/cas',
  'GET /api/v1/cas/{ca_id}',
  'GET /api/v1/cas/{ca_id}/private-key',
  'GET /api/v1/cas/{ca_id}/chain',
  'GET /api/v1/cas/{ca_id}/children',
  'GET /api/v1/cas/{ca_id}/crl',
  'GET /api/v1/profiles',
  'GET /api/v1/profiles/{profile_id}',
  'GET /api/v1/profiles/{profile_id}/acme-eab-keys',
  'GET /api/v1/acme-accounts',
  'GET /api/v1/acme-accounts/{account_id}',
  'GET /api/v1/service-accounts',
  'GET /api/v1/service-accounts/{account_id}',
  'GET /api/v1/service-accounts/{account_id}/keys',
  'GET /api/v1/service-accounts/{account_id}/trust-policies',
  'GET /api/v1/service-accounts/{account_id}/trust-policies/{policy_id}',
  'GET /api/v1/users/me/api-keys',
  'GET /api/v1/certificates',
  'GET /api/v1/certificates/{cert_id}',
  'GET /api/v1/certificates/{cert_id}/private-key',
  'GET /api/v1/export/ca/{ca_id}/certificate',
  'GET /api/v1/export/ca/{ca_id}/private-key',
  'GET /api/v1/export/certificate/{cert_id}',
  'GET /api/v1/export/certificate/{cert_id}/private-key',
  'GET /api/v1/export/certificate/{cert_id}/chain',
  'POST /api/v1/export/certificate/{cert_id}/pkcs12',
  'GET /api/v1/certificate-requests',
  'GET /api/v1/certificate-requests/{request_id}',
  'GET /api/v1/certificate-requests/{request_id}/csr',
  'GET /crl/{file}',
  'GET /ca/{file}',
  'GET /api/v1/audit-logs',
  'POST /api/v1/system/backup',
  // changes
  'PATCH /api/v1/users/{user_id}',
  'PUT /api/v1/organizations/{organization_id}',
  'PATCH /api/v1/cas/{ca_id}',
  'PATCH /api/v1/profiles/{profile_id}',
  'POST /api/v1/acme-accounts/{account_id}/deactivate',
  'PATCH /api/v1/service-accounts/{account_id}',
  'PATCH /api/v1/service-accounts/{account_id}/trust-policies/{policy_id}',
  'POST /api/v1/certificates/{cert_id}/revoke',
  'POST /api/v1/certificate-requests/{request_id}/revoke',
  'DELETE /api/v1/certificate-requests/{request_id}/certificate',
  'POST /api/v1/cas/{ca_id}/revoke',
  // deletes
  'DELETE /api/v1/service-accounts/{account_id}/keys/{key_id}',
  'DELETE /api/v1/users/me/api-keys/{key_id}',
  'DELETE /api/v1/service-accounts/{account_id}/trust-policies/{policy_id}',
  'DELETE /api/v1/service-accounts/{account_id}',
  'DELETE /api/v1/profiles/{profile_id}/acme-eab-keys/{kid}',
  'DELETE /api/v1/profiles/{profile_id}',
  'DELETE /api/v1/certificate-requests/{request_id}',
  'DELETE /api/v1/organizations/{organization_id}/users/{user_id}',
  'DELETE /api/v1/organizations/{organization_id}',
  'DELETE /api/v1/users/{user_id}',
  'DELETE /api/v1/cas/{ca_id}',
  // sign-outs: each revokes the token it is sent with, so each gets a fresh one
  'POST /api/v1/auth/logout',
  'POST /api/v1/auth/invalidate',
];
const SIGNS_OUT = new Set(['POST /api/v1/auth/logout', 'POST /api/v1/auth/invalidate']);
const PUBLIC = [
  'POST /api/v1/auth/token',
  'POST /api/v1/auth/refresh',
  'GET /status',
  'GET /crl/{file}',
  'GET /ca/{file}',
];
const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

interface Example {
  summary?: string;
  value?: unknown;
  [EXPECTED_STATUS]?: number;
}

interface Parameter {
  name: string;
  in: string;
  example?: unknown;
  examples?: Record<string, Example>;
  schema?: { example?: unknown };
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { example?: unknown; examples?: Record<string, Example> }> };
  responses: Record<string, { content?: Record<string, { schema?: { $ref?: string } }> }>;
  security?: Record<string, string[]>[];
  tags?: string[];
}

interface Document {
  paths: Record<string, Partial<Record<(typeof METHODS)[number], Operation>>>;
  tags?: { name: string; description?: string }[];
  security?: Record<string, string[]>[];
  components: {
    securitySchemes?: Record<string, { type: string; flows?: { password?: { tokenUrl: string } } }>;
  };
}

/** One request built from the examples: a named example of the body or of a path parameter. */
interface Sample {
  label: string;
  path: string;
  mediaType?: string;
  body?: unknown;
  expectedStatus?: number;
}

function operationsOf(document: Document): Map<string, Operation> {
  const operations = new Map<string, Operation>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (operation) operations.set(`${method.toUpperCase()} ${path}`, operation);
    }
  }
  return operations;
}

function namedExamples(example: unknown, examples: Record<string, Example> | undefined): [string, Example][] {
  if (examples) return Object.entries(examples);
  return example === undefined ? [] : [['example', { value: example }]];
}

/** The requests an operation's examples describe; throws when a body or path parameter has none. */
function samplesOf(key: string, operation: Operation): Sample[] {
  const template = key.slice(key.indexOf(' ') + 1);
  const parameters = operation.parameters ?? [];
  const query = parameters
    .filter((parameter) => parameter.in === 'query')
    .flatMap((parameter) => {
      const value = parameter.example ?? parameter.schema?.example;
      return value === undefined ? [] : [`${parameter.name}=${encodeURIComponent(String(value))}`];
    });
  let paths: Sample[] = [{ label: key, path: template }];
  for (const parameter of parameters.filter((candidate) => candidate.in === 'path')) {
    const examples = namedExamples(parameter.example ?? parameter.schema?.example, parameter.examples);
    if (examples.length === 0) throw new Error(`${key}: path parameter ${parameter.name} has no example`);
    paths = paths.flatMap((sample) =>
      examples.map(([name, example]) => ({
        ...sample,
        label: examples.length > 1 ? `${sample.label} [${name}]` : sample.label,
        path: sample.path.replace(`{${parameter.name}}`, encodeURIComponent(String(example.value))),
        expectedStatus: example[EXPECTED_STATUS] ?? sample.expectedStatus,
      })),
    );
  }
  paths = paths.map((sample) => ({
    ...sample,
    path: query.length ? `${sample.path}?${query.join('&')}` : sample.path,
  }));
  if (!operation.requestBody) return paths;
  const [mediaType, content] = Object.entries(operation.requestBody.content)[0] ?? [];
  const bodies = namedExamples(content?.example, content?.examples);
  if (!mediaType || bodies.length === 0) throw new Error(`${key}: the request body has no example`);
  return paths.flatMap((sample) =>
    bodies.map(([name, example]) => ({
      ...sample,
      label: `${sample.label} (${name})`,
      mediaType,
      body: example.value,
      expectedStatus: example[EXPECTED_STATUS] ?? sample.expectedStatus,
    })),
  );
}

describe('the OpenAPI document at /docs-json', () => {
  let testApp: TestApp;
  let superuser: TestUser;
  let document: Document;
  let operations: Map<string, Operation>;

  beforeAll(async () => {
    testApp = await startTestApp();
    superuser = await createUser(testApp, null, { username: 'root' });
    document = (await testApp.http().get('/docs-json').expect(200)).body as Document;
    operations = operationsOf(document);
  });

  afterAll(() => testApp.close());

  it('places every operation in the order its examples are sent', () => {
    expect([...ORDER].sort()).toEqual([...operations.keys()].sort());
  });

  it('documents a success response and JSON error bodies for every operation', () => {
    const gaps: string[] = [];
    for (const [key, operation] of operations) {
      const statuses = Object.keys(operation.responses);
      const success = statuses.filter((status) => status.startsWith('2'));
      if (success.length !== 1) gaps.push(`${key}: ${success.length} success responses`);
      for (const status of success.filter((candidate) => candidate !== '204')) {
        if (!operation.responses[status]?.content) gaps.push(`${key}: ${status} has no content`);
      }
      // 4xx only: /status answers 503 with its own status body.
      for (const status of statuses.filter((candidate) => candidate.startsWith('4'))) {
        const schema = operation.responses[status]?.content?.['application/json']?.schema;
        if (schema?.$ref !== '#/components/schemas/ErrorResponseDto')
          gaps.push(`${key}: ${status} is not an error body`);
      }
      const needsToken = operation.security === undefined || operation.security.length > 0;
      if (needsToken && !statuses.includes('401')) gaps.push(`${key}: needs a token but documents no 401`);
    }
    expect(gaps).toEqual([]);
  });

  it('describes every tag an operation uses', () => {
    const described = new Set(
      (document.tags ?? []).filter((tag) => (tag.description ?? '').length > 0).map((tag) => tag.name),
    );
    const used = new Set([...operations.values()].flatMap((operation) => operation.tags ?? []));
    expect([...used].filter((tag) => !described.has(tag))).toEqual([]);
  });

  it('offers the OAuth2 password flow and a pasted bearer token, and shows no lock on public routes', () => {
    expect(document.components.securitySchemes).toMatchObject({
      bearer: { type: 'http' },
      oauth2: { type: 'oauth2', flows: { password: { tokenUrl: '/api/v1/auth/token' } } },
    });
    expect(document.security).toEqual([{ bearer: [] }, { oauth2: [] }]);
    for (const key of PUBLIC)
      expect({ key, security: operations.get(key)?.security }).toEqual({ key, security: [] });
    expect(operations.get('GET /api/v1/cas')?.security).toBeUndefined();
    expect(operations.get('POST /api/v1/users')?.security).toEqual([{}, { bearer: [] }, { oauth2: [] }]);
    // Renewal authenticates with a token signed by the certificate's key, not an access token.
    expect(operations.get('POST /api/v1/certificates/renew')?.security).toEqual([{ certificate_proof: [] }]);
    expect(document.components.securitySchemes?.certificate_proof).toMatchObject({ type: 'http' });
  });

  it("signs in through the password flow's tokenUrl with the form Swagger UI sends", async () => {
    const tokenUrl = document.components.securitySchemes?.oauth2?.flows?.password?.tokenUrl ?? '';
    const response = await testApp
      .http()
      .post(tokenUrl)
      .type('form')
      .send({ grant_type: 'password', username: 'root', password: TEST_PASSWORD, scope: '', client_id: '' })
      .expect(200);
    expect(response.body).toMatchObject({ token_type: 'bearer', access_token: expect.any(String) });
  });

  it('answers every request example as documented, sent unchanged in order', async () => {
    const outcomes: { sample: string; status: number; expected: string; detail?: unknown }[] = [];
    const sent: Sample[] = [];
    for (const key of ORDER) {
      const operation = operations.get(key);
      if (!operation) throw new Error(`${key} is not in the document`);
      const method = key.slice(0, key.indexOf(' ')).toLowerCase() as (typeof METHODS)[number];
      const token = SIGNS_OUT.has(key) ? (await login(testApp, 'root')).token : superuser.token;
      for (const sample of samplesOf(key, operation)) {
        const call = testApp.http()[method](sample.path).set('Authorization', `Bearer ${token}`);
        if (sample.mediaType === 'application/x-www-form-urlencoded') call.type('form');
        const response = await (sample.body === undefined ? call : call.send(sample.body as object));
        sent.push(sample);
        const expected = sample.expectedStatus ?? '2xx';
        const matches =
          sample.expectedStatus === undefined
            ? response.status >= 200 && response.status < 300
            : response.status === sample.expectedStatus &&
              String(sample.expectedStatus) in operation.responses &&
              typeof (response.body as { detail?: unknown }).detail === 'string';
        if (!matches) {
          outcomes.push({
            sample: sample.label,
            status: response.status,
            expected: String(expected),
            detail: (response.body as { detail?: unknown }).detail,
          });
        }
      }
    }
    expect(outcomes).toEqual([]);
    expect(sent.length).toBeGreaterThan(ORDER.length);
    expect(
      sent.filter((sample) => sample.expectedStatus !== undefined).map((sample) => sample.label),
    ).toEqual([
      'POST /api/v1/auth/token (exchange)',
      'POST /api/v1/auth/refresh (used)',
      'POST /api/v1/cas/{ca_id}/certificate (foreign)',
      'POST /api/v1/certificates/renew (access token)',
      'POST /api/v1/certificate-requests/{request_id}/certificate (foreign)',
      'GET /api/v1/acme-accounts/{account_id}',
      'POST /api/v1/acme-accounts/{account_id}/deactivate',
      'DELETE /api/v1/service-accounts/{account_id}/keys/{key_id}',
      'DELETE /api/v1/users/me/api-keys/{key_id}',
      'DELETE /api/v1/profiles/{profile_id}/acme-eab-keys/{kid}',
    ]);
  });
});

describe('the OpenAPI document under another API prefix', () => {
  it('points the password flow at that prefix', async () => {
    const testApp = await startTestApp({ API_V1_STR: '/pki/v2' });
    try {
      const document = (await testApp.http().get('/docs-json').expect(200)).body as Document;
      expect(document.components.securitySchemes?.oauth2?.flows?.password?.tokenUrl).toBe(
        '/pki/v2/auth/token',
      );
      expect(Object.keys(document.paths)).toContain('/pki/v2/auth/token');
    } finally {
      await testApp.close();
    }
  });
});
