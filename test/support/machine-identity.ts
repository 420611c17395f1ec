import { bearer, TestApp, TestUser } from './test-app';

/**
 * Service accounts, their API keys and personal keys (issue 17), created through the API. A key is
 * returned as a TestUser whose token is the key, so every helper that takes a caller takes a key.
 */

/** `pkca_<key id: 16 hex>_<secret: 32 bytes, base64url>`. */
export const API_KEY_FORMAT = /^pkca_([0-9a-f]{16})_([A-Za-z0-9_-]{43})$/;

export interface ServiceAccountBody {
  id: number;
  name: string;
  description: string | null;
  organization_id: number;
  enabled: boolean;
  profile_ids: number[];
  created_by_user_id: number | null;
  created_at: string;
  updated_at: string;
}

export interface ApiKeyBody {
  id: string;
  name: string;
  principal_id: number;
  capabilities: string[] | null;
  expires_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
  created_by_user_id: number | null;
  created_at: string;
}

/** A created key: its listing fields, the key itself (shown once), and a caller that sends it. */
export interface CreatedKey extends ApiKeyBody {
  key: string;
  secret: string;
  as: TestUser;
}

/** A profile for CI: server and client certificates for names under ci.internal (CN and O allowed). */
export async function createCiProfile(
  testApp: TestApp,
  user: TestUser,
  fields: Record<string, unknown> & { name: string },
): Promise<{ id: number; name: string }> {
  const response = await testApp
    .http()
    .post('/api/v1/profiles')
    .set(...bearer(user))
    .send({
      certificate_types: ['server', 'client'],
      allowed_dns: ['*.ci.internal'],
      allowed_subject_attributes: ['CN', 'O'],
      ...fields,
    });
  if (response.status !== 201)
    throw new Error(`POST /profiles answered ${response.status}: ${response.text}`);
  return response.body as { id: number; name: string };
}

export async function createServiceAccount(
  testApp: TestApp,
  user: TestUser,
  fields: Record<string, unknown> & { name: string; profile_ids: number[] },
): Promise<ServiceAccountBody> {
  const response = await testApp
    .http()
    .post('/api/v1/service-accounts')
    .set(...bearer(user))
    .send(fields);
  if (response.status !== 201)
    throw new Error(`POST /service-accounts answered ${response.status}: ${response.text}`);
  return response.body as ServiceAccountBody;
}

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** One call of /api/v1`path` as `user` (signed in, or a key as its token), with a JSON body if given. */
export function apiCall(testApp: TestApp, method: Method, user: TestUser, path: string, body?: object) {
  const request = testApp
    .http()
    [method](`/api/v1${path}`)
    .set(...bearer(user));
  return body === undefined ? request : request.send(body);
}

/** A caller that authenticates with `key` as its bearer value. */
export function keyCaller(key: string, principalId: number, name = 'api-key'): TestUser {
  return { id: principalId, username: name, token: key, refreshToken: '' };
}

function created(response: { status: number; text: string; body: unknown }, route: string): CreatedKey {
  if (response.status !== 201) throw new Error(`POST ${route} answered ${response.status}: ${response.text}`);
  const body = response.body as ApiKeyBody & { key: string };
  const match = API_KEY_FORMAT.exec(body.key);
  if (!match) throw new Error(`POST ${route} returned a key of another shape: ${body.key}`);
  return { ...body, secret: match[2], as: keyCaller(body.key, body.principal_id, body.name) };
}

export async function createServiceAccountKey(
  testApp: TestApp,
  user: TestUser,
  accountId: number,
  fields: Record<string, unknown> = {},
): Promise<CreatedKey> {
  const route = `/api/v1/service-accounts/${accountId}/keys`;
  const response = await testApp
    .http()
    .post(route)
    .set(...bearer(user))
    .send({ name: 'ci', ...fields });
  return created(response, route);
}

export async function createPersonalKey(
  testApp: TestApp,
  user: TestUser,
  fields: Record<string, unknown> & { capabilities: string[] },
): Promise<CreatedKey> {
  const route = '/api/v1/users/me/api-keys';
  const response = await testApp
    .http()
    .post(route)
    .set(...bearer(user))
    .send({ name: 'scripts', ...fields });
  return created(response, route);
}
