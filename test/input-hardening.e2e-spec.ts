import { gzipSync } from 'node:zlib';
import { buildRawCsrPem } from '../src/crypto/testing/raw-csr';
import { createRootCa, createSuperuser } from './support/fixtures';
import { rawRequest } from './support/raw-http';
import { rowCounts } from './support/row-counts';
import {
  bearer,
  createOrganization,
  createUser,
  startTestApp,
  TEST_PASSWORD,
  TestApp,
  TestUser,
} from './support/test-app';

interface ErrorBody {
  detail: string;
  errors?: { field: string; messages: string[] }[];
}

describe('input hardening: hostile text, bodies, integers, ids and form fields answer 4xx', () => {
  let testApp: TestApp;
  let superuser: TestUser;
  let member: TestUser;
  let caId: number;

  beforeAll(async () => {
    testApp = await startTestApp({ MAX_BODY_SIZE: '64kb' });
    superuser = await createSuperuser(testApp);
    const organizationId = await createOrganization(testApp, superuser);
    member = await createUser(testApp, superuser, { username: 'member', organization_id: organizationId });
    caId = (await createRootCa(testApp, superuser, { name: 'Hardening Root', key_type: 'ec', key_size: 256 }))
      .id;
  });

  afterAll(() => testApp.close());

  /** Sends a JSON body written as text, so escapes such as \ud800 reach the server as they are. */
  function postJsonText(path: string, json: string, method = 'POST') {
    return testApp
      .http()
      [method === 'PATCH' ? 'patch' : 'post'](path)
      .set(...bearer(superuser))
      .set('Content-Type', 'application/json')
      .send(json);
  }

  function getAsSuperuser(path: string) {
    return testApp
      .http()
      .get(path)
      .set(...bearer(superuser));
  }

  async function expectRefusedWithoutWrites(
    send: () => PromiseLike<{ status: number; body: unknown }>,
    status: number,
    field?: string,
  ): Promise<ErrorBody> {
    const before = await rowCounts(testApp);
    const response = await send();
    expect({ status: response.status, body: response.body }).toEqual({
      status,
      body: expect.objectContaining({ detail: expect.any(String) }),
    });
    const body = response.body as ErrorBody;
    if (field) expect(body.errors?.map((error) => error.field)).toContain(field);
    expect(await rowCounts(testApp)).toEqual(before);
    return body;
  }

  describe('NUL characters (defect 4)', () => {
    it('refuses a NUL in the sign-in form with 400 naming the field', async () => {
      const body = await expectRefusedWithoutWrites(
        () =>
          testApp.http().post('/api/v1/auth/token').type('form').send('username=%00&password=whatever123'),
        400,
        'username',
      );
      expect(body.detail).toContain('NUL');
    });

    it('refuses a NUL in a name, a description and a revocation reason', async () => {
      await expectRefusedWithoutWrites(
        () => postJsonText('/api/v1/organizations/', '{"name":"a\\u0000b"}'),
        400,
        'name',
      );
      await expectRefusedWithoutWrites(
        () => postJsonText(`/api/v1/cas/${caId}`, '{"description":"x\\u0000"}', 'PATCH'),
        400,
        'description',
      );
      await expectRefusedWithoutWrites(
        () => postJsonText(`/api/v1/cas/${caId}/revoke`, '{"reason":"\\u0000"}'),
        400,
        'reason',
      );
    });

    it('refuses a NUL in a query filter', async () => {
      await expectRefusedWithoutWrites(
        () => getAsSuperuser('/api/v1/audit-logs/?resource_type=%00'),
        400,
        'resource_type',
      );
    });

    it('refuses a CSR whose CN or DNS SAN holds a NUL, at submission and at sign-csr', async () => {
      for (const csr of [
        await buildRawCsrPem({ commonName: 'bank.example\0.evil.example' }),
        await buildRawCsrPem({ commonName: 'ok.example', dnsNames: ['bank.example\0.evil.example'] }),
      ]) {
        const submitted = await expectRefusedWithoutWrites(
          () =>
            testApp
              .http()
              .post('/api/v1/certificate-requests/')
              .set(...bearer(superuser))
              .send({ csr }),
          400,
        );
        expect(submitted.detail).toContain('NUL');
        await expectRefusedWithoutWrites(
          () =>
            testApp
              .http()
              .post('/api/v1/certificates/sign-csr')
              .set(...bearer(superuser))
              .send({ csr, ca_id: caId, certificate_type: 'server' }),
          400,
        );
      }
    });
  });

  describe('bodies that cannot be read (defect 4)', () => {
    async function expectLoggedBodyError(
      headers: Record<string, string>,
      body: Buffer | string,
      status: number,
    ) {
      const before = await rowCounts(testApp);
      const response = await rawRequest(testApp, {
        method: 'POST',
        path: '/api/v1/organizations/',
        headers: {
          Authorization: `Bearer ${superuser.token}`,
          'Content-Type': 'application/json',
          ...headers,
        },
        body,
      });
      expect(response.status).toBe(status);
      expect(response.json).toEqual({ detail: expect.any(String) });
      // The request id is set by the request logger: the error went through it and was logged.
      expect(response.headers['x-request-id']).toEqual(expect.any(String));
      expect(await rowCounts(testApp)).toEqual(before);
      return response.json as ErrorBody;
    }

    it('answers a gzip- or br-declared body that is not compressed with a logged 400', async () => {
      await expectLoggedBodyError({ 'Content-Encoding': 'gzip' }, '{"name":"plain"}', 400);
      await expectLoggedBodyError({ 'Content-Encoding': 'br' }, '{"name":"plain"}', 400);
    });

    it('still accepts a body that really is gzip', async () => {
      const response = await rawRequest(testApp, {
        method: 'POST',
        path: '/api/v1/organizations/',
        headers: {
          Authorization: `Bearer ${superuser.token}`,
          'Content-Type': 'application/json',
          'Content-Encoding': 'gzip',
        },
        body: gzipSync('{"name":"gzipped org"}'),
      });
      expect(response.status).toBe(201);
    });

    it('answers an unknown encoding 415, a huge body 413 and bad JSON 400, each logged', async () => {
      const unsupported = await expectLoggedBodyError({ 'Content-Encoding': 'compress' }, '{}', 415);
      expect(unsupported.detail).toContain('Content-Encoding');
      await expectLoggedBodyError({}, JSON.stringify({ name: 'x'.repeat(100_000) }), 413);
      const malformed = await expectLoggedBodyError({}, '{bad json', 400);
      expect(malformed.detail).toBe('Malformed JSON in request body');
    });
  });

  describe('integers beyond their columns (defect 4)', () => {
    it('refuses ids in bodies above 2147483647, and 1e308', async () => {
      for (const value of ['2147483648', '1e308']) {
        await expectRefusedWithoutWrites(
          () =>
            postJsonText(
              '/api/v1/users/',
              `{"username":"big${value.length}","email":"big@example.com","password":"${TEST_PASSWORD}","organization_id":${value}}`,
            ),
          400,
          'organization_id',
        );
        await expectRefusedWithoutWrites(
          () => postJsonText('/api/v1/cas/', `{"name":"Big","subject_dn":"CN=Big","parent_ca_id":${value}}`),
          400,
          'parent_ca_id',
        );
      }
    });

    it('refuses query integers beyond int4', async () => {
      await expectRefusedWithoutWrites(
        () => getAsSuperuser('/api/v1/audit-logs/?user_id=99999999999999999999'),
        400,
        'user_id',
      );
      await expectRefusedWithoutWrites(
        () => getAsSuperuser('/api/v1/users/?skip=99999999999999999999'),
        400,
        'skip',
      );
    });
  });

  describe('lone UTF-16 surrogates (defect 4)', () => {
    it('refuses a lone surrogate in an email and in a name with 400', async () => {
      const email = await expectRefusedWithoutWrites(
        () =>
          postJsonText(
            '/api/v1/users/',
            `{"username":"surrogate","email":"\\ud800","password":"${TEST_PASSWORD}"}`,
          ),
        400,
        'email',
      );
      expect(email.detail).toContain('surrogate');
      await expectRefusedWithoutWrites(
        () => postJsonText('/api/v1/organizations/', '{"name":"\\udc00 org"}'),
        400,
        'name',
      );
    });

    it('still accepts a well-formed surrogate pair (an emoji)', async () => {
      const response = await postJsonText('/api/v1/organizations/', '{"name":"rocket \\ud83d\\ude80"}');
      expect(response.status).toBe(201);
      expect(response.body.name).toBe('rocket \u{1f680}');
    });
  });

  describe('path ids (defect 5)', () => {
    it('does not read 5e0, +5, " 5", 5.0 or 05 as an id', async () => {
      const id = String(member.id);
      for (const path of [`${id}e0`, `+${id}`, `%20${id}`, `${id}.0`, `0${id}`, `${id}%00`]) {
        const response = await rawRequest(testApp, {
          method: 'GET',
          path: `/api/v1/users/${path}`,
          headers: { Authorization: `Bearer ${superuser.token}` },
        });
        expect({ path, status: response.status }).toEqual({ path, status: 400 });
        expect(response.json).toEqual(expect.objectContaining({ detail: expect.any(String) }));
      }
    });

    it('does not delete a user addressed as 5e0', async () => {
      await expectRefusedWithoutWrites(
        () =>
          testApp
            .http()
            .delete(`/api/v1/users/${member.id}e0`)
            .set(...bearer(superuser)),
        400,
      );
      await testApp
        .http()
        .get(`/api/v1/users/${member.id}`)
        .set(...bearer(superuser))
        .expect(200);
    });
  });

  describe('field names from the client (defect 8)', () => {
    it('refuses a sign-in form with an unescaped "&" in the password without echoing any of it', async () => {
      for (const form of ['username=root&password=pa&ss word12', 'username=root&password=pa&ssword12=x']) {
        const before = await rowCounts(testApp);
        const response = await testApp.http().post('/api/v1/auth/token').type('form').send(form);
        expect(response.status).toBe(400);
        expect(response.body.detail).toEqual(expect.any(String));
        expect(response.text).not.toMatch(/ss ?word12/);
        expect(await rowCounts(testApp)).toEqual(before);
      }
    });

    it('never echoes an unknown JSON field name that is not a plain identifier', async () => {
      const body = await expectRefusedWithoutWrites(
        () => postJsonText('/api/v1/organizations/', '{"name":"ok","s3cret value!":1}'),
        400,
      );
      expect(JSON.stringify(body)).not.toContain('s3cret');
    });
  });
});
