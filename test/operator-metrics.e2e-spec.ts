import { caSlug } from '../src/ca/ca-slug';
import { createRootCa } from './support/fixtures';
import { CaBody, fetchCrl, issueCertificate } from './support/pki';
import { createUser, startTestApp, TEST_PASSWORD, TestApp, TestUser } from './support/test-app';

/** The series an operator alerts on: per-CA expiry, each CA's own notAfter, CRL nextUpdate, rate limiting. */
describe('operator metrics on /metrics', () => {
  let testApp: TestApp;
  let admin: TestUser;
  let root: CaBody;
  let other: CaBody;
  let metrics: string;

  const unixSeconds = (at: string | Date) => Math.floor(new Date(at).getTime() / 1000);
  const sample = (series: string): number | null => {
    const line = metrics.split('\n').find((candidate) => candidate.startsWith(`${series} `));
    return line === undefined ? null : Number(line.slice(series.length + 1));
  };

  beforeAll(async () => {
    testApp = await startTestApp({ AUTH_RATE_LIMIT: '2/minute' });
    admin = await createUser(testApp, null, { username: 'metrics-root' });
    root = await createRootCa(testApp, admin, { name: 'Metrics Root', key_type: 'ec', valid_days: 400 });
    other = await createRootCa(testApp, admin, { name: 'Other Root', key_type: 'ec', valid_days: 800 });
    const issue = (ca: CaBody, cn: string, days: number) =>
      issueCertificate(testApp, admin, ca.id, {
        common_name: cn,
        certificate_type: 'server',
        key_type: 'ec',
        valid_days: days,
      });
    await issue(root, 'tomorrow.example.com', 1);
    await issue(root, 'soon.example.com', 5);
    await issue(other, 'later.example.com', 60);
    await fetchCrl(testApp, admin, root.id);
    const signIn = () =>
      testApp
        .http()
        .post('/api/v1/auth/token')
        .type('form')
        .send({ username: 'metrics-root', password: TEST_PASSWORD });
    await signIn().expect(200);
    await signIn().expect(429);
    await signIn().expect(429);
    metrics = (await testApp.http().get('/metrics').expect(200)).text;
  });

  afterAll(() => testApp.close());

  it('counts expiring certificates per issuing CA', () => {
    const rootSlug = caSlug(root.name, root.id);
    const otherSlug = caSlug(other.name, other.id);
    expect(sample(`ca_certificates_expiring{ca="${rootSlug}",within_days="1"}`)).toBe(1);
    expect(sample(`ca_certificates_expiring{ca="${rootSlug}",within_days="7"}`)).toBe(2);
    expect(sample(`ca_certificates_expiring{ca="${otherSlug}",within_days="30"}`)).toBe(0);
    expect(sample(`ca_certificates_expiring{ca="${otherSlug}",within_days="90"}`)).toBe(1);
  });

  it("gives each CA certificate's notAfter in Unix seconds", () => {
    expect(sample(`ca_certificate_not_after_seconds{ca="${caSlug(root.name, root.id)}"}`)).toBe(
      unixSeconds(root.not_after),
    );
    expect(sample(`ca_certificate_not_after_seconds{ca="${caSlug(other.name, other.id)}"}`)).toBe(
      unixSeconds(other.not_after),
    );
  });

  it("gives each signed CRL's nextUpdate in Unix seconds", async () => {
    const [state]: { next_update: Date }[] = await testApp.dataSource.query(
      'SELECT next_update FROM crl_state WHERE ca_id = $1',
      [root.id],
    );
    expect(sample(`ca_crl_next_update_seconds{ca="${caSlug(root.name, root.id)}"}`)).toBe(
      unixSeconds(state.next_update),
    );
    expect(unixSeconds(state.next_update)).toBeGreaterThan(Date.now() / 1000);
  });

  it('counts the sign-ins refused by the rate limit', () => {
    expect(sample('ca_auth_rate_limited_total{operation="token"}')).toBe(2);
  });
});
