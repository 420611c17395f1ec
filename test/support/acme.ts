import { createRootCa, createSuperuser } from './fixtures';
import { CaBody } from './pki';
import { freePort } from './service-process';
import { bearer, startTestApp, TestApp, TestUser } from './test-app';

/** The ACME URLs are absolute, so the app must know its port before it starts. */
export interface AcmeTestApp extends TestApp {
  baseUrl: string;
}

/** The real app listening on 127.0.0.1, PUBLIC_BASE_URL its own address, for ACME clients. */
export async function startListeningTestApp(env: Record<string, string> = {}): Promise<AcmeTestApp> {
  const port = await freePort();
  const baseUrl = `http://127.0.0.1:${port}`;
  const testApp = await startTestApp({ PUBLIC_BASE_URL: baseUrl, ...env });
  await testApp.app.listen(port, '127.0.0.1');
  return { ...testApp, baseUrl };
}

export interface AcmeProfileBody {
  id: number;
  name: string;
  acme_enabled: boolean;
  acme_eab_required: boolean;
  acme_directory_url: string | null;
}

/** A profile with an ACME directory, issuing from `ca`. */
export async function createAcmeProfile(
  testApp: TestApp,
  user: TestUser,
  ca: Pick<CaBody, 'id'>,
  fields: Record<string, unknown> = {},
): Promise<AcmeProfileBody> {
  const response = await testApp
    .http()
    .post('/api/v1/profiles')
    .set(...bearer(user))
    .send({
      name: 'acme web',
      ca_ids: [ca.id],
      acme_enabled: true,
      certificate_types: ['server'],
      ...fields,
    });
  if (response.status !== 201) throw new Error(`profile: ${response.status} ${response.text}`);
  return response.body as AcmeProfileBody;
}

/** A superuser and a root CA on a listening app: where every ACME spec starts. */
export async function acmeFixture(testApp: TestApp): Promise<{ superuser: TestUser; root: CaBody }> {
  const superuser = await createSuperuser(testApp);
  const root = await createRootCa(testApp, superuser, { name: 'ACME Root', key_type: 'ec', key_size: 256 });
  return { superuser, root };
}
