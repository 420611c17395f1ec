import { bearer, createUser, startTestApp, TestApp } from './support/test-app';

describe('foundation: pipeline, errors, status, metrics, docs', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({ MAX_BODY_SIZE: '1mb' });
  });

  afterAll(() => testApp.close());

  it('answers /status without a token and says whether a first user exists', async () => {
    const response = await testApp.http().get('/status').expect(200);
    expect(response.body).toEqual({
      initialized: false,
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      database: 'ok',
    });
  });

  it('answers malformed JSON with a 400 JSON error', async () => {
    const response = await testApp
      .http()
      .post('/api/v1/users/')
      .set('Content-Type', 'application/json')
      .send('{bad json')
      .expect(400);
    expect(response.body).toEqual({ detail: 'Malformed JSON in request body' });
  });

  it('answers an oversized body with a 413 JSON error', async () => {
    const big = JSON.stringify({ username: 'x'.repeat(2 * 1024 * 1024) });
    const response = await testApp
      .http()
      .post('/api/v1/users/')
      .set('Content-Type', 'application/json')
      .send(big)
      .expect(413);
    expect(response.body).toEqual({ detail: 'Request body is too large' });
  });

  it('answers unknown routes with a 404 JSON error', async () => {
    const response = await testApp.http().get('/api/v1/nothing-here').expect(404);
    expect(response.body.detail).toEqual(expect.any(String));
  });

  it('names every invalid and unknown field in a 400', async () => {
    const response = await testApp
      .http()
      .post('/api/v1/users/')
      .send({ username: 'ok', email: 'not-an-email', password: 'short', is_admin: true })
      .expect(400);
    const fields = (response.body.errors as { field: string }[]).map((error) => error.field).sort();
    expect(fields).toEqual(['email', 'is_admin', 'password']);
    expect(response.body.detail).toContain('email');
  });

  it('refuses a bad path id with 400, not a database error', async () => {
    const admin = await createUser(testApp, null, { username: 'first' });
    for (const id of ['99999999999', 'abc', '0', '-1']) {
      const response = await testApp
        .http()
        .get(`/api/v1/organizations/${id}`)
        .set(...bearer(admin))
        .expect(400);
      expect(response.body.detail).toBe('The id in the path must be a positive integer');
    }
    await testApp.http().get('/api/v1/organizations/99999999999').expect(401);
  });

  it('sets helmet headers and a request id on every response', async () => {
    const response = await testApp.http().get('/status').set('X-Request-Id', 'trace-123').expect(200);
    expect(response.headers['x-content-type-options']).toBe('nosniff');
    expect(response.headers['x-request-id']).toBe('trace-123');
    expect(response.headers['x-powered-by']).toBeUndefined();
  });

  it('serves Prometheus metrics with process metrics and an HTTP histogram by route template', async () => {
    await testApp.http().get('/status').expect(200);
    const response = await testApp.http().get('/metrics').expect(200);
    expect(response.text).toContain('process_cpu_seconds_total');
    expect(response.text).toMatch(
      /http_request_duration_seconds_bucket\{[^}]*method="GET",route="\/status",status_code="200"/,
    );
  });

  it('serves the OpenAPI document with the bearer scheme and the API routes', async () => {
    const response = await testApp.http().get('/docs-json').expect(200);
    expect(response.body.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(Object.keys(response.body.paths)).toEqual(
      expect.arrayContaining(['/api/v1/auth/token', '/api/v1/users', '/api/v1/organizations', '/status']),
    );
    await testApp.http().get('/docs').expect(200);
  });
});
