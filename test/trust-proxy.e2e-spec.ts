import { loadAppConfig } from '../src/config/app-config';
import { startTestApp, TestApp } from './support/test-app';

/** Two clients behind one reverse proxy: the sign-in rate limit must tell them apart only when told to. */
describe.each([
  { trustProxy: '1', separated: true },
  { trustProxy: '127.0.0.1/8,::1', separated: true },
  { trustProxy: undefined, separated: false },
])('sign-in rate limit behind a proxy (TRUST_PROXY=$trustProxy)', ({ trustProxy, separated }) => {
  let testApp: TestApp;

  beforeAll(async () => {
    testApp = await startTestApp({
      AUTH_RATE_LIMIT: '2/minute',
      ...(trustProxy === undefined ? {} : { TRUST_PROXY: trustProxy }),
    });
  });

  afterAll(() => testApp.close());

  const signInFrom = (forwardedFor: string) =>
    testApp
      .http()
      .post('/api/v1/auth/token')
      .set('X-Forwarded-For', forwardedFor)
      .type('form')
      .send({ username: 'someone', password: 'wrong password' });

  it(
    separated
      ? 'keys on the X-Forwarded-For client: a second client is not limited by the first'
      : 'ignores X-Forwarded-For: every client behind the proxy shares one limit',
    async () => {
      await signInFrom('203.0.113.1').expect(401);
      await signInFrom('203.0.113.1').expect(401);
      await signInFrom('203.0.113.1').expect(429);
      await signInFrom('203.0.113.2').expect(separated ? 401 : 429);
    },
  );
});

describe('TRUST_PROXY validation', () => {
  it.each(['true', 'ten', '10.0.0.0/33', 'loopback,300.1.1.1', '-1'])(
    'refuses TRUST_PROXY=%s at start-up, naming the variable',
    (value) => {
      expect(() => loadAppConfig({ TRUST_PROXY: value })).toThrow(/TRUST_PROXY/);
    },
  );
});
