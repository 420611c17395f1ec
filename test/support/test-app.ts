import { NestExpressApplication } from '@nestjs/platform-express';
import request from 'supertest';
import { DataSource } from 'typeorm';
import { createApp } from '../../src/app.setup';
import { createTestDatabase } from './test-database';

export const TEST_PASSWORD = 'correct horse battery';

/** Every capability flag set: a plain user who may do everything a member can be allowed. */
export const EVERY_CAPABILITY = {
  can_create_ca: true,
  can_create_cert: true,
  can_revoke_cert: true,
  can_export_private_key: true,
  can_delete_ca: true,
};

/** Fast settings for tests; each file may override (for example the rate limit). */
const TEST_ENV = {
  LOG_LEVEL: 'silent',
  BCRYPT_ROUNDS: '4',
  AUTH_RATE_LIMIT: '10000/minute',
  CA_KEY_SIZE: '2048',
  PUBLIC_BASE_URL: 'http://pki.test',
};

export interface TestApp {
  app: NestExpressApplication;
  http: () => ReturnType<typeof request>;
  dataSource: DataSource;
  close(): Promise<void>;
}

/** The real app, built by the same function main.ts uses, on a fresh database of its own. */
export async function startTestApp(env: Record<string, string> = {}): Promise<TestApp> {
  const database = await createTestDatabase();
  const app = await createApp({ ...process.env, ...TEST_ENV, DATABASE_URL: database.url, ...env });
  await app.init();
  const server = app.getHttpServer();
  return {
    app,
    http: () => request(server),
    dataSource: app.get(DataSource),
    close: async () => {
      await app.close();
      await database.drop();
    },
  };
}

export interface TestUser {
  id: number;
  username: string;
  token: string;
  refreshToken: string;
}

export async function login(testApp: TestApp, username: string, password = TEST_PASSWORD): Promise<TestUser> {
  const response = await testApp
    .http()
    .post('/api/v1/auth/token')
    .type('form')
    .send({ username, password })
    .expect(200);
  const me = await testApp
    .http()
    .get('/api/v1/users/me')
    .set('Authorization', `Bearer ${response.body.access_token}`);
  return {
    id: me.body.id,
    username,
    token: response.body.access_token,
    refreshToken: response.body.refresh_token,
  };
}

let userCounter = 0;

/** Creates a user through the API (as `creator`, or anonymously for the first user) and signs in. */
export async function createUser(
  testApp: TestApp,
  creator: TestUser | null,
  fields: Record<string, unknown> = {},
): Promise<TestUser> {
  userCounter += 1;
  const username = (fields.username as string | undefined) ?? `user${userCounter}_${Date.now() % 100000}`;
  const call = testApp.http().post('/api/v1/users/');
  if (creator) call.set('Authorization', `Bearer ${creator.token}`);
  await call
    .send({ email: `${username}@example.com`, password: TEST_PASSWORD, ...fields, username })
    .expect(201);
  return login(testApp, username);
}

export function bearer(user: TestUser): [string, string] {
  return ['Authorization', `Bearer ${user.token}`];
}

let organizationCounter = 0;

/** Creates an organization as `creator` (an admin or superuser) and returns its id. */
export async function createOrganization(
  testApp: TestApp,
  creator: TestUser,
  name?: string,
): Promise<number> {
  organizationCounter += 1;
  const response = await testApp
    .http()
    .post('/api/v1/organizations/')
    .set(...bearer(creator))
    .send({ name: name ?? `org${organizationCounter}_${Date.now() % 100000}` })
    .expect(201);
  return response.body.id;
}

/** Fails when a response carries a password, a password field or a bcrypt hash. */
export function expectNoPasswordMaterial(responseText: string, ...passwords: string[]): void {
  expect(responseText).not.toMatch(/\$2[aby]\$\d{2}\$/);
  expect(responseText).not.toMatch(/"(hashed_?password|password|current_password)"/i);
  for (const password of [TEST_PASSWORD, ...passwords]) expect(responseText).not.toContain(password);
}
