import { freePort, startService } from './support/service-process';

/** The real entry point refuses a production start that would write a guessed URL into certificates. */
describe('start-up configuration', () => {
  it('exits non-zero in production without PUBLIC_BASE_URL, saying what to set', async () => {
    const env: Record<string, string> = {
      NODE_ENV: 'production',
      DATABASE_URL: 'memory://',
      SECRET_KEY: 'a-secret-key-of-at-least-thirty-two-characters',
      PORT: String(await freePort()),
    };
    delete process.env.PUBLIC_BASE_URL;
    const service = startService(env);
    expect(await service.closed).toBe(1);
    expect(service.output()).toContain('PUBLIC_BASE_URL: is required when NODE_ENV=production');
  });
});
