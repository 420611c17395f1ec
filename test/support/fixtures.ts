import { CaBody, createCa } from './pki';
import { createOrganization, createUser, EVERY_CAPABILITY, login, TestApp, TestUser } from './test-app';

/**
 * The cast the e2e specs set up again and again: the first user (a superuser), organizations, their
 * admins and members with capability flags, a root CA and the CAs it signs. Each goes through the API.
 */
export { createOrganization, login as signIn };

export type Capability = keyof typeof EVERY_CAPABILITY;

/** The first user of a fresh app, who becomes its superuser. */
export function createSuperuser(testApp: TestApp, username = 'root'): Promise<TestUser> {
  return createUser(testApp, null, { username });
}

/** An organization admin, created by `creator`. */
export function createAdmin(testApp: TestApp, creator: TestUser, organizationId: number): Promise<TestUser> {
  return createUser(testApp, creator, { role: 'admin', organization_id: organizationId });
}

/** A member of the organization (or of none) with the given capability flags, created by `creator`. */
export function createMember(
  testApp: TestApp,
  creator: TestUser,
  organizationId: number | null,
  capabilities: Partial<Record<Capability, boolean>> = {},
): Promise<TestUser> {
  const organization = organizationId === null ? {} : { organization_id: organizationId };
  return createUser(testApp, creator, { ...organization, ...capabilities });
}

/** A self-signed CA; `fields` as in POST /cas (name required). */
export function createRootCa(
  testApp: TestApp,
  user: TestUser,
  fields: Record<string, unknown> & { name: string },
): Promise<CaBody> {
  return createCa(testApp, user, fields);
}

/** A CA signed by `parent`; `fields` as in POST /cas (name required). */
export function createIntermediate(
  testApp: TestApp,
  user: TestUser,
  parent: Pick<CaBody, 'id'>,
  fields: Record<string, unknown> & { name: string },
): Promise<CaBody> {
  return createCa(testApp, user, { ...fields, parent_ca_id: parent.id });
}
