import { PATH_METADATA } from '@nestjs/common/constants';
import { MetadataScanner, ModulesContainer, Reflector } from '@nestjs/core';
import { AUTH_MODE } from '../src/common/public.decorator';
import { startTestApp, TestApp } from './support/test-app';

/** Every route that skips the token check is listed here, so a new one cannot slip in unnoticed. */
const EXPECTED = [
  // The ACME servers (RFC 8555): the JWS is the credential.
  ...[
    'account',
    'accountOrders',
    'authorization',
    'certificate',
    'challenge',
    'finalize',
    'getDirectory',
    'getNonce',
    'headNonce',
    'keyChange',
    'newAccount',
    'newOrder',
    'order',
    'renewalInfo',
    'revokeCert',
    'unknownGet',
    'unknownPost',
  ].map((method) => `AcmeController.${method}: public`),
  'AuthController.refresh: public',
  'AuthController.token: public',
  'MetricsController.index: public',
  'PublicPkiController.certificate: public',
  'PublicPkiController.crl: public',
  'RenewalController.renew: public',
  'StatusController.status: public',
  'UsersController.create: optional',
];

describe('routes without a token', () => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp();
  });

  afterAll(() => testApp.close());

  it('are exactly the listed ones', () => {
    const reflector = testApp.app.get(Reflector);
    const scanner = new MetadataScanner();
    const found: string[] = [];
    const controllers = [...testApp.app.get(ModulesContainer).values()].flatMap((module) => [
      ...module.controllers.values(),
    ]);
    for (const wrapper of controllers) {
      const instance = wrapper.instance as Record<string, unknown> | undefined;
      if (!instance) continue;
      const prototype = Object.getPrototypeOf(instance) as object;
      for (const method of scanner.getAllMethodNames(prototype)) {
        const handler = (prototype as Record<string, unknown>)[method] as (() => void) | undefined;
        // Route handlers only: a controller's private helpers serve no request.
        if (typeof handler !== 'function' || Reflect.getMetadata(PATH_METADATA, handler) === undefined)
          continue;
        const mode = reflector.getAllAndOverride<string | undefined>(AUTH_MODE, [
          handler,
          wrapper.metatype as () => void,
        ]);
        if (mode) found.push(`${wrapper.name}.${method}: ${mode}`);
      }
    }
    expect(found.sort()).toEqual(EXPECTED);
  });

  it('refuses every other API route without a token', async () => {
    for (const path of [
      '/api/v1/users/me',
      '/api/v1/cas/',
      '/api/v1/certificates/',
      '/api/v1/audit-logs/',
      '/api/v1/config',
    ]) {
      await testApp.http().get(path).expect(401);
    }
  });
});
