import {
  Actor,
  can,
  canRegisterAnonymously,
  GlobalAction,
  listScope,
  OrganizationAction,
  OwnedResource,
  PkiAction,
  ProfileAction,
  ProfileTarget,
  RequestAction,
  requestListScope,
  RequestTarget,
  Role,
  UserAction,
  UserTarget,
} from './policy';
import { CAPABILITIES, Capability } from './credential';

const ACTOR_ID = 10;
const OWN_ORG = 1;
const OTHER_ORG = 2;

function actor(role: Role, overrides: Partial<Actor> = {}): Actor {
  return {
    id: ACTOR_ID,
    kind: 'person',
    role,
    isActive: true,
    organizationId: OWN_ORG,
    canCreateCa: false,
    canCreateCert: false,
    canRevokeCert: false,
    canExportPrivateKey: false,
    canDeleteCa: false,
    canRequestCert: false,
    ...overrides,
  };
}

const CAPABILITY_OF: Record<Exclude<PkiAction, 'read'>, keyof Actor> = {
  create_ca: 'canCreateCa',
  manage_ca: 'canCreateCa',
  create_cert: 'canCreateCert',
  revoke_cert: 'canRevokeCert',
  export_private_key: 'canExportPrivateKey',
  delete_ca: 'canDeleteCa',
};

/** The actor, with the capability flag that matches `action` set as given (read has none). */
function actorWithCapability(role: Role, action: PkiAction, flag: boolean): Actor {
  if (action === 'read') return actor(role);
  return actor(role, { [CAPABILITY_OF[action]]: flag });
}

type Relation = 'creator' | 'same org' | 'other org' | 'unowned';

const RESOURCES: Record<Relation, OwnedResource> = {
  creator: { organizationId: OWN_ORG, createdByUserId: ACTOR_ID },
  'same org': { organizationId: OWN_ORG, createdByUserId: 99 },
  'other org': { organizationId: OTHER_ORG, createdByUserId: 99 },
  unowned: { organizationId: null, createdByUserId: null },
};

const PKI_ACTIONS: PkiAction[] = [
  'read',
  'create_ca',
  'manage_ca',
  'create_cert',
  'revoke_cert',
  'export_private_key',
  'delete_ca',
];

const Y = true;
const N = false;

/**
 * The PKI matrix, written out from the rules: superusers always; the creator always; unowned
 * resources superuser-only; another organisation's resources never; the admin of the resource's
 * organisation everything; a member reads, and writes only with the matching can_* flag.
 * "flag" is the capability matching the action (read has none, so both rows agree).
 */
// prettier-ignore
const PKI_MATRIX: [Role, Relation, 'flag on' | 'flag off', boolean, boolean, boolean, boolean, boolean, boolean, boolean][] = [
  //  role         relation     flag        read create_ca manage_ca create_cert revoke_cert export_key delete_ca
  ['superuser', 'creator',   'flag off',  Y,   Y,        Y,        Y,          Y,          Y,         Y],
  ['superuser', 'creator',   'flag on',   Y,   Y,        Y,        Y,          Y,          Y,         Y],
  ['superuser', 'same org',  'flag off',  Y,   Y,        Y,        Y,          Y,          Y,         Y],
  ['superuser', 'same org',  'flag on',   Y,   Y,        Y,        Y,          Y,          Y,         Y],
  ['superuser', 'other org', 'flag off',  Y,   Y,        Y,        Y,          Y,          Y,         Y],
  ['superuser', 'other org', 'flag on',   Y,   Y,        Y,        Y,          Y,          Y,         Y],
  ['superuser', 'unowned',   'flag off',  Y,   Y,        Y,        Y,          Y,          Y,         Y],
  ['superuser', 'unowned',   'flag on',   Y,   Y,        Y,        Y,          Y,          Y,         Y],
  ['admin',     'creator',   'flag off',  Y,   Y,        Y,        Y,          Y,          Y,         Y],
  ['admin',     'creator',   'flag on',   Y,   Y,        Y,        Y,          Y,          Y,         Y],
  ['admin',     'same org',  'flag off',  Y,   Y,        Y,        Y,          Y,          Y,         Y],
  ['admin',     'same org',  'flag on',   Y,   Y,        Y,        Y,          Y,          Y,         Y],
  ['admin',     'other org', 'flag off',  N,   N,        N,        N,          N,          N,         N],
  ['admin',     'other org', 'flag on',   N,   N,        N,        N,          N,          N,         N],
  ['admin',     'unowned',   'flag off',  N,   N,        N,        N,          N,          N,         N],
  ['admin',     'unowned',   'flag on',   N,   N,        N,        N,          N,          N,         N],
  ['user',      'creator',   'flag off',  Y,   Y,        Y,        Y,          Y,          Y,         Y],
  ['user',      'creator',   'flag on',   Y,   Y,        Y,        Y,          Y,          Y,         Y],
  ['user',      'same org',  'flag off',  Y,   N,        N,        N,          N,          N,         N],
  ['user',      'same org',  'flag on',   Y,   Y,        Y,        Y,          Y,          Y,         Y],
  ['user',      'other org', 'flag off',  N,   N,        N,        N,          N,          N,         N],
  ['user',      'other org', 'flag on',   N,   N,        N,        N,          N,          N,         N],
  ['user',      'unowned',   'flag off',  N,   N,        N,        N,          N,          N,         N],
  ['user',      'unowned',   'flag on',   N,   N,        N,        N,          N,          N,         N],
];

const PKI_CASES = PKI_MATRIX.flatMap(([role, relation, flag, ...expected]) =>
  PKI_ACTIONS.map((action, index) => ({ role, relation, action, flag, expected: expected[index] })),
);

describe('policy: CAs, certificates and requests', () => {
  it('covers role × relation × action × capability completely', () => {
    expect(PKI_CASES).toHaveLength(3 * 4 * 7 * 2);
  });

  it.each(PKI_CASES)(
    '$role on a resource of relation "$relation", $action with $flag → $expected',
    ({ role, relation, action, flag, expected }) => {
      const subject = actorWithCapability(role, action, flag === 'flag on');
      expect(can(subject, action, RESOURCES[relation])).toBe(expected);
    },
  );

  it.each(PKI_ACTIONS.filter((action) => action !== 'read'))(
    'lets a member %s only with its own capability, not with every other flag set',
    (action) => {
      const ownFlag = CAPABILITY_OF[action as Exclude<PkiAction, 'read'>];
      const everyOtherFlag = Object.fromEntries(
        Object.values(CAPABILITY_OF)
          .filter((field) => field !== ownFlag)
          .map((field) => [field, true]),
      );
      expect(can(actor('user', everyOtherFlag), action, RESOURCES['same org'])).toBe(false);
    },
  );

  it.each(PKI_ACTIONS)(
    'lets the creator %s their resource even after it moved to another organisation',
    (action) => {
      expect(can(actor('user'), action, { organizationId: OTHER_ORG, createdByUserId: ACTOR_ID })).toBe(true);
    },
  );

  it.each(PKI_ACTIONS)('lets the creator %s their unowned resource', (action) => {
    expect(can(actor('user'), action, { organizationId: null, createdByUserId: ACTOR_ID })).toBe(true);
  });

  it.each(PKI_ACTIONS)('denies %s to a user without an organisation on an unowned resource', (action) => {
    expect(can(actor('user', { organizationId: null, canCreateCa: true }), action, RESOURCES.unowned)).toBe(
      false,
    );
  });

  it.each(PKI_ACTIONS)(
    'denies %s on an organisation resource to an admin without an organisation',
    (action) => {
      expect(can(actor('admin', { organizationId: null }), action, RESOURCES['same org'])).toBe(false);
    },
  );
});

type TargetKind =
  | 'self'
  | 'user in own org'
  | 'admin in own org'
  | 'superuser in own org'
  | 'user in other org'
  | 'user without org';

const TARGETS: Record<TargetKind, UserTarget> = {
  self: { id: ACTOR_ID, role: 'user', organizationId: OWN_ORG },
  'user in own org': { id: 20, role: 'user', organizationId: OWN_ORG },
  'admin in own org': { id: 21, role: 'admin', organizationId: OWN_ORG },
  'superuser in own org': { id: 22, role: 'superuser', organizationId: OWN_ORG },
  'user in other org': { id: 23, role: 'user', organizationId: OTHER_ORG },
  'user without org': { id: 24, role: 'user', organizationId: null },
};

const USER_ACTIONS: UserAction[] = [
  'read_user',
  'create_user',
  'update_user_profile',
  'update_user_capabilities',
  'update_user_account',
  'delete_user',
];

/**
 * Users, from the Users section: read self/admin (same org)/superuser; email and password
 * self/admin (same org)/superuser; can_* admin (same org)/superuser; role, is_active and
 * organization_id superuser only; delete superuser only; admins create "user" accounts in their
 * own organisation only. Admins never manage superusers. "self" is the actor's own account, seen
 * with the actor's role.
 */
// prettier-ignore
const USER_MATRIX: [Role, TargetKind, boolean, boolean, boolean, boolean, boolean, boolean][] = [
  //  role         target                   read create profile capabilities account delete
  ['superuser', 'self',                  Y,   Y,     Y,      Y,           Y,      Y],
  ['superuser', 'user in own org',       Y,   Y,     Y,      Y,           Y,      Y],
  ['superuser', 'admin in own org',      Y,   Y,     Y,      Y,           Y,      Y],
  ['superuser', 'superuser in own org',  Y,   Y,     Y,      Y,           Y,      Y],
  ['superuser', 'user in other org',     Y,   Y,     Y,      Y,           Y,      Y],
  ['superuser', 'user without org',      Y,   Y,     Y,      Y,           Y,      Y],
  ['admin',     'self',                  Y,   N,     Y,      Y,           N,      N],
  ['admin',     'user in own org',       Y,   Y,     Y,      Y,           N,      N],
  ['admin',     'admin in own org',      Y,   N,     Y,      Y,           N,      N],
  ['admin',     'superuser in own org',  N,   N,     N,      N,           N,      N],
  ['admin',     'user in other org',     N,   N,     N,      N,           N,      N],
  ['admin',     'user without org',      N,   N,     N,      N,           N,      N],
  ['user',      'self',                  Y,   N,     Y,      N,           N,      N],
  ['user',      'user in own org',       N,   N,     N,      N,           N,      N],
  ['user',      'admin in own org',      N,   N,     N,      N,           N,      N],
  ['user',      'superuser in own org',  N,   N,     N,      N,           N,      N],
  ['user',      'user in other org',     N,   N,     N,      N,           N,      N],
  ['user',      'user without org',      N,   N,     N,      N,           N,      N],
];

const USER_CASES = USER_MATRIX.flatMap(([role, target, ...expected]) =>
  USER_ACTIONS.map((action, index) => ({ role, target, action, expected: expected[index] })),
);

describe('policy: users', () => {
  it.each(USER_CASES)('$role → $action on $target → $expected', ({ role, target, action, expected }) => {
    const subject = actor(role);
    const resolved = target === 'self' ? { ...TARGETS.self, role } : TARGETS[target];
    expect(can(subject, action, resolved)).toBe(expected);
  });
});

type OrgKind = 'own org' | 'other org';

const ORGANIZATION_ACTIONS: OrganizationAction[] = [
  'read_organization',
  'update_organization',
  'manage_organization_members',
  'delete_organization',
];

/** Organizations: members and superusers read; its admins and superusers change it and its members; superusers delete. */
// prettier-ignore
const ORGANIZATION_MATRIX: [Role, OrgKind, boolean, boolean, boolean, boolean][] = [
  //  role         organization  read update members delete
  ['superuser', 'own org',     Y,   Y,     Y,      Y],
  ['superuser', 'other org',   Y,   Y,     Y,      Y],
  ['admin',     'own org',     Y,   Y,     Y,      N],
  ['admin',     'other org',   N,   N,     N,      N],
  ['user',      'own org',     Y,   N,     N,      N],
  ['user',      'other org',   N,   N,     N,      N],
];

const ORGANIZATION_CASES = ORGANIZATION_MATRIX.flatMap(([role, organization, ...expected]) =>
  ORGANIZATION_ACTIONS.map((action, index) => ({ role, organization, action, expected: expected[index] })),
);

describe('policy: organizations', () => {
  it.each(ORGANIZATION_CASES)(
    '$role → $action on $organization → $expected',
    ({ role, organization, action, expected }) => {
      const id = organization === 'own org' ? OWN_ORG : OTHER_ORG;
      expect(can(actor(role), action, { id })).toBe(expected);
    },
  );

  it.each(ORGANIZATION_ACTIONS)('denies %s to an admin who belongs to no organisation', (action) => {
    expect(can(actor('admin', { organizationId: null }), action, { id: OWN_ORG })).toBe(false);
  });
});

const GLOBAL_ACTIONS: GlobalAction[] = [
  'list_all_users',
  'create_organization',
  'read_audit_logs',
  'read_config',
  'submit_request',
  'back_up_system',
];

/** Actions without a resource: listing all users and the configuration are superuser-only; admins create organisations and read their audit trail. */
// prettier-ignore
const GLOBAL_MATRIX: [Role, boolean, boolean, boolean, boolean, boolean, boolean][] = [
  //  role         list_users create_org audit config submit_request backup
  ['superuser', Y,         Y,         Y,    Y,     Y,             Y],
  ['admin',     N,         Y,         Y,    N,     Y,             N],
  ['user',      N,         N,         N,    N,     N,             N],
];

const GLOBAL_CASES = GLOBAL_MATRIX.flatMap(([role, ...expected]) =>
  GLOBAL_ACTIONS.map((action, index) => ({ role, action, expected: expected[index] })),
);

describe('policy: actions without a resource', () => {
  it.each(GLOBAL_CASES)('$role → $action → $expected', ({ role, action, expected }) => {
    expect(can(actor(role), action)).toBe(expected);
  });
});

type RequestProfile = 'superuser' | 'admin' | 'manager' | 'revoker' | 'requester' | 'reader';

const REQUEST_ACTORS: Record<RequestProfile, Actor> = {
  superuser: actor('superuser'),
  admin: actor('admin'),
  manager: actor('user', { canCreateCert: true }),
  revoker: actor('user', { canRevokeCert: true }),
  requester: actor('user', { canRequestCert: true }),
  reader: actor('user'),
};

type RequestRelation = 'own' | 'same org' | 'other org' | 'no org';

const REQUESTS: Record<RequestRelation, RequestTarget> = {
  own: { organizationId: OWN_ORG, submittedByUserId: ACTOR_ID },
  'same org': { organizationId: OWN_ORG, submittedByUserId: 99 },
  'other org': { organizationId: OTHER_ORG, submittedByUserId: 99 },
  'no org': { organizationId: null, submittedByUserId: 99 },
};

const REQUEST_ACTIONS: RequestAction[] = [
  'read_request',
  'fulfil_request',
  'revoke_request',
  'delete_request',
];

/**
 * Certificate requests: the submitter reads and deletes its own; managers (can_create_cert) and
 * admins fulfil their organisation's; revocation follows can_revoke_cert; a requester sees only
 * its own while readers see the organisation's; other organisations' requests never.
 */
// prettier-ignore
const REQUEST_MATRIX: [RequestProfile, RequestRelation, boolean, boolean, boolean, boolean][] = [
  //  profile      relation     read fulfil revoke delete
  ['superuser', 'own',       Y,   Y,     Y,     Y],
  ['superuser', 'same org',  Y,   Y,     Y,     Y],
  ['superuser', 'other org', Y,   Y,     Y,     Y],
  ['superuser', 'no org',    Y,   Y,     Y,     Y],
  ['admin',     'own',       Y,   Y,     Y,     Y],
  ['admin',     'same org',  Y,   Y,     Y,     Y],
  ['admin',     'other org', N,   N,     N,     N],
  ['admin',     'no org',    N,   N,     N,     N],
  ['manager',   'own',       Y,   Y,     N,     Y],
  ['manager',   'same org',  Y,   Y,     N,     Y],
  ['manager',   'other org', N,   N,     N,     N],
  ['manager',   'no org',    N,   N,     N,     N],
  ['revoker',   'own',       Y,   N,     Y,     Y],
  ['revoker',   'same org',  Y,   N,     Y,     N],
  ['revoker',   'other org', N,   N,     N,     N],
  ['revoker',   'no org',    N,   N,     N,     N],
  ['requester', 'own',       Y,   N,     N,     Y],
  ['requester', 'same org',  N,   N,     N,     N],
  ['requester', 'other org', N,   N,     N,     N],
  ['requester', 'no org',    N,   N,     N,     N],
  ['reader',    'own',       Y,   N,     N,     Y],
  ['reader',    'same org',  Y,   N,     N,     N],
  ['reader',    'other org', N,   N,     N,     N],
  ['reader',    'no org',    N,   N,     N,     N],
];

const REQUEST_CASES = REQUEST_MATRIX.flatMap(([profile, relation, ...expected]) =>
  REQUEST_ACTIONS.map((action, index) => ({ profile, relation, action, expected: expected[index] })),
);

describe('policy: certificate requests', () => {
  it('covers profile × relation × action completely', () => {
    expect(REQUEST_CASES).toHaveLength(6 * 4 * 4);
  });

  it.each(REQUEST_CASES)(
    '$profile on a request of relation "$relation", $action → $expected',
    ({ profile, relation, action, expected }) => {
      expect(can(REQUEST_ACTORS[profile], action, REQUESTS[relation])).toBe(expected);
    },
  );

  it.each<[string, Partial<Actor>, boolean]>([
    ['a plain user', {}, false],
    ['a requester', { canRequestCert: true }, true],
    ['a manager', { canCreateCert: true }, true],
    ['a user with every other flag', { canCreateCa: true, canRevokeCert: true, canDeleteCa: true }, false],
  ])('lets %s submit requests: %s', (_name, flags, expected) => {
    expect(can(actor('user', flags), 'submit_request')).toBe(expected);
  });

  it.each<[string, Partial<Actor>]>([
    ['a manager', { canCreateCert: true }],
    ['a revoker', { canRevokeCert: true }],
  ])('keeps a requester that is also %s on the organisation view', (_name, flags) => {
    const both = actor('user', { canRequestCert: true, ...flags });
    expect(can(both, 'read_request', REQUESTS['same org'])).toBe(true);
    expect(requestListScope(both)).toEqual({
      everything: false,
      organizationId: OWN_ORG,
      submittedByUserId: ACTOR_ID,
    });
  });

  it('denies every request action to an inactive superuser', () => {
    const inactive = { ...REQUEST_ACTORS.superuser, isActive: false };
    for (const action of REQUEST_ACTIONS) expect(can(inactive, action, REQUESTS.own)).toBe(false);
  });

  it.each<[RequestProfile, ReturnType<typeof requestListScope>]>([
    ['superuser', { everything: true }],
    ['admin', { everything: false, organizationId: OWN_ORG, submittedByUserId: ACTOR_ID }],
    ['manager', { everything: false, organizationId: OWN_ORG, submittedByUserId: ACTOR_ID }],
    ['reader', { everything: false, organizationId: OWN_ORG, submittedByUserId: ACTOR_ID }],
    ['requester', { everything: false, organizationId: null, submittedByUserId: ACTOR_ID }],
  ])('scopes the request list of a %s like the read rule', (profile, expected) => {
    expect(requestListScope(REQUEST_ACTORS[profile])).toEqual(expected);
  });
});

describe('policy: inactive users', () => {
  const ROLES: Role[] = ['superuser', 'admin', 'user'];
  const everything = actor('user', {
    canCreateCa: true,
    canCreateCert: true,
    canRevokeCert: true,
    canExportPrivateKey: true,
    canDeleteCa: true,
  });

  it.each(ROLES.flatMap((role) => PKI_ACTIONS.map((action) => ({ role, action }))))(
    'denies an inactive $role $action on their own resource',
    ({ role, action }) => {
      const inactive = { ...everything, role, isActive: false };
      expect(can(inactive, action, RESOURCES.creator)).toBe(false);
    },
  );

  it.each(ROLES.flatMap((role) => USER_ACTIONS.map((action) => ({ role, action }))))(
    'denies an inactive $role $action even on themselves',
    ({ role, action }) => {
      const inactive = { ...everything, role, isActive: false };
      expect(can(inactive, action, { ...TARGETS.self, role })).toBe(false);
    },
  );

  it.each(ROLES.flatMap((role) => ORGANIZATION_ACTIONS.map((action) => ({ role, action }))))(
    'denies an inactive $role $action on their own organisation',
    ({ role, action }) => {
      expect(can({ ...everything, role, isActive: false }, action, { id: OWN_ORG })).toBe(false);
    },
  );

  it.each(ROLES.flatMap((role) => GLOBAL_ACTIONS.map((action) => ({ role, action }))))(
    'denies an inactive $role $action',
    ({ role, action }) => {
      expect(can({ ...everything, role, isActive: false }, action)).toBe(false);
    },
  );
});

/**
 * Anonymous registration: the first user may take any role (a system nobody can administer is
 * useless); later only with open registration, and only as a plain user.
 */
// prettier-ignore
const ANONYMOUS_MATRIX: [boolean, boolean, Role, boolean][] = [
  // first user  open registration  requested role  allowed
  [true,         false,             'superuser',    Y],
  [true,         false,             'admin',        Y],
  [true,         false,             'user',         Y],
  [true,         true,              'superuser',    Y],
  [true,         true,              'admin',        Y],
  [true,         true,              'user',         Y],
  [false,        false,             'superuser',    N],
  [false,        false,             'admin',        N],
  [false,        false,             'user',         N],
  [false,        true,              'superuser',    N],
  [false,        true,              'admin',        N],
  [false,        true,              'user',         Y],
];

describe('policy: anonymous registration', () => {
  it.each(ANONYMOUS_MATRIX)(
    'first user %s, open registration %s, role %s → %s',
    (isFirstUser, openRegistrationEnabled, requestedRole, expected) => {
      expect(canRegisterAnonymously({ isFirstUser, openRegistrationEnabled, requestedRole })).toBe(expected);
    },
  );
});

describe('policy: list scope', () => {
  it('lets superusers list every organisation', () => {
    expect(listScope(actor('superuser'))).toEqual({ organizationId: null, everything: true });
  });

  it.each<Role>(['admin', 'user'])('limits a %s to their own organisation', (role) => {
    expect(listScope(actor(role))).toEqual({ organizationId: OWN_ORG, everything: false });
  });

  it('limits a user without an organisation to nothing', () => {
    expect(listScope(actor('user', { organizationId: null }))).toEqual({
      organizationId: null,
      everything: false,
    });
  });
});

const PROFILE_ACTIONS: ProfileAction[] = [
  'read_profile',
  'issue_with_profile',
  'manage_profile',
  'manage_acme',
];

const PROFILE_ID = 7;

function profileOf(relation: Relation): ProfileTarget {
  return { ...RESOURCES[relation], id: PROFILE_ID };
}

/**
 * Certificate profiles: superusers always; the creator always; the organisation's members read; its
 * admins and members with can_create_ca manage (create, update, delete); other organisations never;
 * unowned profiles superuser-only. "flag" is can_create_ca. Their ACME servers (EAB keys, accounts)
 * only the organisation's admins and superusers manage: neither the creator nor the flag is enough.
 */
// prettier-ignore
const PROFILE_MATRIX: [Role, Relation, 'flag on' | 'flag off', boolean, boolean, boolean, boolean][] = [
  //  role         relation     flag        read issue manage_profile manage_acme
  ['superuser', 'creator',   'flag off',  Y,   Y,   Y,             Y],
  ['superuser', 'same org',  'flag off',  Y,   Y,   Y,             Y],
  ['superuser', 'other org', 'flag off',  Y,   Y,   Y,             Y],
  ['superuser', 'unowned',   'flag off',  Y,   Y,   Y,             Y],
  ['admin',     'creator',   'flag off',  Y,   Y,   Y,             Y],
  ['admin',     'same org',  'flag off',  Y,   Y,   Y,             Y],
  ['admin',     'other org', 'flag off',  N,   N,   N,             N],
  ['admin',     'other org', 'flag on',   N,   N,   N,             N],
  ['admin',     'unowned',   'flag off',  N,   N,   N,             N],
  ['user',      'creator',   'flag off',  Y,   Y,   Y,             N],
  ['user',      'same org',  'flag off',  Y,   Y,   N,             N],
  ['user',      'same org',  'flag on',   Y,   Y,   Y,             N],
  ['user',      'other org', 'flag off',  N,   N,   N,             N],
  ['user',      'other org', 'flag on',   N,   N,   N,             N],
  ['user',      'unowned',   'flag on',   N,   N,   N,             N],
];

const PROFILE_CASES = PROFILE_MATRIX.flatMap(([role, relation, flag, ...expected]) =>
  PROFILE_ACTIONS.map((action, index) => ({ role, relation, action, flag, expected: expected[index] })),
);

describe('policy: certificate profiles', () => {
  it.each(PROFILE_CASES)(
    '$role on a profile of relation "$relation", $action with can_create_ca $flag → $expected',
    ({ role, relation, action, flag, expected }) => {
      const subject = actor(role, { canCreateCa: flag === 'flag on' });
      expect(can(subject, action, profileOf(relation))).toBe(expected);
    },
  );

  it('does not let a member manage profiles with every flag but can_create_ca', () => {
    const everyOtherFlag = actor('user', {
      canCreateCert: true,
      canRevokeCert: true,
      canExportPrivateKey: true,
      canDeleteCa: true,
      canRequestCert: true,
    });
    expect(can(everyOtherFlag, 'manage_profile', profileOf('same org'))).toBe(false);
    expect(can(everyOtherFlag, 'read_profile', profileOf('same org'))).toBe(true);
  });

  it.each(PROFILE_ACTIONS)('denies %s to an inactive superuser', (action) => {
    expect(can({ ...actor('superuser'), isActive: false }, action, profileOf('creator'))).toBe(false);
  });
});

/** A service account of OWN_ORG bound to profile PROFILE_ID; it created the 'creator' resources. */
function serviceAccount(overrides: Partial<Actor> = {}): Actor {
  return {
    ...actor('user', { canCreateCert: true, canRevokeCert: true }),
    kind: 'service_account',
    profileIds: [PROFILE_ID],
    credential: { kind: 'api_key', keyId: 'k1', capabilities: null },
    ...overrides,
  };
}

/**
 * A service account issues under its organisation's CAs, and reads, revokes and exports the keys of
 * what it created. Nothing else, whatever its flags say.
 */
// prettier-ignore
const SERVICE_ACCOUNT_PKI_MATRIX: [Relation, boolean, boolean, boolean, boolean, boolean, boolean, boolean][] = [
  //  relation     read create_ca manage_ca create_cert revoke_cert export_private_key delete_ca
  ['creator',      Y,   N,        N,        Y,          Y,          Y,                 N],
  ['same org',     N,   N,        N,        Y,          N,          N,                 N],
  ['other org',    N,   N,        N,        N,          N,          N,                 N],
  ['unowned',      N,   N,        N,        N,          N,          N,                 N],
];

describe('policy: service accounts', () => {
  const pkiCases = SERVICE_ACCOUNT_PKI_MATRIX.flatMap(([relation, ...expected]) =>
    PKI_ACTIONS.map((action, index) => ({ relation, action, expected: expected[index] })),
  );

  it.each(pkiCases)(
    'on a resource of relation "$relation", $action → $expected',
    ({ relation, action, expected }) => {
      expect(can(serviceAccount(), action, RESOURCES[relation])).toBe(expected);
    },
  );

  it('issues through its own profiles only, and manages none', () => {
    const own = profileOf('same org');
    const other = { ...own, id: PROFILE_ID + 1 };
    expect(can(serviceAccount(), 'read_profile', own)).toBe(true);
    expect(can(serviceAccount(), 'issue_with_profile', own)).toBe(true);
    expect(can(serviceAccount(), 'issue_with_profile', other)).toBe(false);
    expect(can(serviceAccount(), 'read_profile', other)).toBe(false);
    expect(can(serviceAccount(), 'manage_profile', own)).toBe(false);
    expect(can(serviceAccount(), 'manage_acme', own)).toBe(false);
  });

  it("an ACME account manages no ACME server, not even its own profile's", () => {
    const acmeAccount = serviceAccount({
      kind: 'acme_account',
      credential: { kind: 'acme_account', accountId: ACTOR_ID },
    });
    expect(can(acmeAccount, 'issue_with_profile', profileOf('same org'))).toBe(true);
    expect(can(acmeAccount, 'manage_acme', profileOf('same org'))).toBe(false);
  });

  it.each(GLOBAL_ACTIONS)('may not %s', (action) => {
    expect(can(serviceAccount(), action)).toBe(false);
  });

  it.each(USER_ACTIONS)('may not %s, not even on itself', (action) => {
    expect(can(serviceAccount(), action, { id: ACTOR_ID, role: 'user', organizationId: OWN_ORG })).toBe(
      false,
    );
  });

  it.each(ORGANIZATION_ACTIONS)('may not %s of its own organisation', (action) => {
    expect(can(serviceAccount(), action, { id: OWN_ORG })).toBe(false);
  });

  it.each(REQUEST_ACTIONS)('may not %s, not even its own', (action) => {
    expect(can(serviceAccount(), action, { organizationId: OWN_ORG, submittedByUserId: ACTOR_ID })).toBe(
      false,
    );
  });

  it('gains nothing from an admin role or from being disabled and re-enabled', () => {
    expect(can(serviceAccount({ role: 'admin' }), 'create_ca', RESOURCES['same org'])).toBe(false);
    expect(can(serviceAccount({ isActive: false }), 'create_cert', RESOURCES['same org'])).toBe(false);
    expect(can(serviceAccount({ isActive: false }), 'read', RESOURCES.creator)).toBe(false);
  });
});

/**
 * A personal API key narrows its person: each write needs its capability in the key, reads stay
 * within the person's rights, and administration never goes through a key.
 */
describe('policy: personal API keys', () => {
  const keyed = (role: Role, capabilities: Capability[], flags: Partial<Actor> = {}): Actor =>
    actor(role, { ...flags, credential: { kind: 'api_key', keyId: 'k2', capabilities } });
  const allFlags = {
    canCreateCa: true,
    canCreateCert: true,
    canRevokeCert: true,
    canExportPrivateKey: true,
    canDeleteCa: true,
    canRequestCert: true,
  };

  it.each(PKI_ACTIONS.filter((action) => action !== 'read'))(
    'a key without the capability refuses %s the person could do',
    (action) => {
      expect(can(actor('user', allFlags), action, RESOURCES['same org'])).toBe(true);
      expect(can(keyed('user', [], allFlags), action, RESOURCES['same org'])).toBe(false);
    },
  );

  it('a key with can_create_cert issues, and still reads what the person may read', () => {
    const subject = keyed('user', ['can_create_cert'], allFlags);
    expect(can(subject, 'create_cert', RESOURCES['same org'])).toBe(true);
    expect(can(subject, 'read', RESOURCES['same org'])).toBe(true);
    expect(can(subject, 'revoke_cert', RESOURCES['same org'])).toBe(false);
    expect(can(subject, 'read', RESOURCES['other org'])).toBe(false);
  });

  it('a key never widens the person: a capability the person lacks stays refused', () => {
    expect(can(keyed('user', ['can_create_cert']), 'create_cert', RESOURCES['same org'])).toBe(false);
  });

  it("an admin's or superuser's key does not administer", () => {
    for (const role of ['admin', 'superuser'] as const) {
      const subject = keyed(role, [...CAPABILITIES]);
      expect(can(subject, 'create_cert', RESOURCES['same org'])).toBe(true);
      expect(can(subject, 'read_audit_logs')).toBe(false);
      expect(can(subject, 'create_user', { id: 0, role: 'user', organizationId: OWN_ORG })).toBe(false);
      expect(can(subject, 'update_organization', { id: OWN_ORG })).toBe(false);
      expect(can(subject, 'manage_acme', profileOf('same org'))).toBe(false);
    }
  });

  it("a password session is not narrowed: the person's flags alone decide", () => {
    const session = actor('user', { ...allFlags, credential: { kind: 'session' } });
    expect(can(session, 'delete_ca', RESOURCES['same org'])).toBe(true);
  });
});

describe('policy: ACME accounts', () => {
  /** An account of an ACME profile in OWN_ORG (or of an unowned profile): a principal held to that profile. */
  function acmeAccount(organizationId: number | null = OWN_ORG): Actor {
    return serviceAccount({
      kind: 'acme_account',
      organizationId,
      credential: { kind: 'acme_account', accountId: ACTOR_ID },
    });
  }

  it("issues under the CAs of its profile's organisation only, like a service account", () => {
    expect(can(acmeAccount(), 'create_cert', RESOURCES['same org'])).toBe(true);
    expect(can(acmeAccount(), 'create_cert', RESOURCES['other org'])).toBe(false);
    expect(can(acmeAccount(), 'create_cert', RESOURCES.unowned)).toBe(false);
    expect(can(acmeAccount(), 'issue_with_profile', { ...profileOf('same org'), id: PROFILE_ID })).toBe(true);
    expect(can(acmeAccount(), 'issue_with_profile', { ...profileOf('same org'), id: PROFILE_ID + 1 })).toBe(
      false,
    );
  });

  it("of an unowned profile, issues under unowned CAs and no organisation's", () => {
    expect(can(acmeAccount(null), 'create_cert', RESOURCES.unowned)).toBe(true);
    expect(can(acmeAccount(null), 'create_cert', RESOURCES['same org'])).toBe(false);
  });

  it('revokes what it obtained and nothing else; administers nothing', () => {
    expect(can(acmeAccount(), 'revoke_cert', RESOURCES.creator)).toBe(true);
    expect(can(acmeAccount(), 'revoke_cert', RESOURCES['same org'])).toBe(false);
    expect(can(acmeAccount(), 'create_ca', RESOURCES['same org'])).toBe(false);
    expect(can(acmeAccount(), 'manage_profile', profileOf('same org'))).toBe(false);
    expect(can({ ...acmeAccount(), isActive: false }, 'create_cert', RESOURCES['same org'])).toBe(false);
  });
});
