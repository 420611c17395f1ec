import { PGlite } from '@electric-sql/pglite';
import { Capability, Credential } from './credential';
import { ListedKind, listScopeCondition, ScopeColumns, SqlCondition } from './list-scope';
import { Actor, can, Role } from './policy';

/**
 * The list-scope SQL and the pure policy must agree: for every actor, the rows a list query's
 * condition keeps are exactly the rows the policy lets that actor read. Run on a real PostgreSQL
 * (PGlite, in memory) over a table that covers every organisation/owner combination.
 */

const ACTOR_ID = 10;
const SOMEONE_ELSE = 20;
const OWN_ORG = 1;
const OTHER_ORG = 2;

interface Row {
  id: number;
  organizationId: number | null;
  ownerId: number | null;
}

const ROWS: Row[] = [OWN_ORG, OTHER_ORG, null].flatMap((organizationId, o) =>
  [ACTOR_ID, SOMEONE_ELSE, null].map((ownerId, u) => ({ id: o * 3 + u + 1, organizationId, ownerId })),
);

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

/** Rows 1 and 5 (organisation 1's, organisation 2's) as the ids of profiles a service account is bound to. */
const BOUND_PROFILES = [1, 5];

function serviceAccount(overrides: Partial<Actor> = {}): Actor {
  return actor('user', { kind: 'service_account', credential: apiKey(null), ...overrides });
}

function apiKey(capabilities: readonly Capability[] | null): Credential {
  return { kind: 'api_key', keyId: '0123456789abcdef', capabilities };
}

const ACTIVE_ACTORS: [string, Actor][] = [
  ['superuser', actor('superuser')],
  ['superuser without organisation', actor('superuser', { organizationId: null })],
  ['admin of org 1', actor('admin')],
  ['admin without organisation', actor('admin', { organizationId: null })],
  ['plain user of org 1 (no flags)', actor('user')],
  ['user of org 1 with can_create_cert', actor('user', { canCreateCert: true })],
  ['user of org 1 with can_revoke_cert', actor('user', { canRevokeCert: true })],
  ['user of org 1 with can_create_ca', actor('user', { canCreateCa: true })],
  ['user of org 1 with can_export_private_key', actor('user', { canExportPrivateKey: true })],
  ['user of org 1 with can_delete_ca', actor('user', { canDeleteCa: true })],
  [
    'user of org 1 with can_request_cert and can_create_cert',
    actor('user', { canRequestCert: true, canCreateCert: true }),
  ],
  [
    'user of org 1 with can_request_cert and can_revoke_cert',
    actor('user', { canRequestCert: true, canRevokeCert: true }),
  ],
  ['requester-only user of org 1 (can_request_cert only)', actor('user', { canRequestCert: true })],
  [
    'requester of org 1 with can_request_cert and can_export_private_key',
    actor('user', { canRequestCert: true, canExportPrivateKey: true }),
  ],
  ['user without organisation', actor('user', { organizationId: null })],
  ['requester without organisation', actor('user', { organizationId: null, canRequestCert: true })],
  // A personal key narrows writes, not reads: the person's rows.
  ['admin of org 1 through a personal key', actor('admin', { credential: apiKey(['can_create_cert']) })],
  [
    'user of org 1 with can_create_cert through a personal key',
    actor('user', { canCreateCert: true, credential: apiKey(['can_create_cert']) }),
  ],
  ['service account of org 1 bound to profiles 1 and 5', serviceAccount({ profileIds: BOUND_PROFILES })],
  ['service account of org 1 bound to no profile', serviceAccount({ profileIds: [] })],
  ['service account of org 1, profiles not loaded', serviceAccount()],
];

const INACTIVE_ACTORS: [string, Actor][] = [
  ['inactive user of org 1', actor('user', { isActive: false })],
  ['inactive requester of org 1', actor('user', { isActive: false, canRequestCert: true })],
  ['inactive admin of org 1', actor('admin', { isActive: false })],
  ['inactive superuser', actor('superuser', { isActive: false })],
  ['disabled service account of org 1', serviceAccount({ isActive: false, profileIds: BOUND_PROFILES })],
];

const WITH_OWNER: ScopeColumns = { organization: 'rows.organization_id', owner: 'rows.owner_id' };
const WITHOUT_OWNER: ScopeColumns = { organization: 'rows.organization_id' };

interface Case {
  kind: ListedKind;
  columns: ScopeColumns;
  /** The policy's answer for one row. */
  policy: (actor: Actor, row: Row) => boolean;
}

const CASES: Record<string, Case> = {
  'owned, with an owner column (CAs, certificates)': {
    kind: 'owned',
    columns: WITH_OWNER,
    policy: (a, row) => can(a, 'read', { organizationId: row.organizationId, createdByUserId: row.ownerId }),
  },
  // The policy's read rule also lets a creator read what it created (createdByUserId). A table
  // listed without an owner column (audit_logs, organisations) names no creator, so the condition
  // is the organisation rule only: the same as asking the policy with no owner. Rows the actor
  // "owns" are therefore NOT listed here, which is what the code does and what such tables mean.
  'owned, without an owner column (audit logs)': {
    kind: 'owned',
    columns: WITHOUT_OWNER,
    policy: (a, row) => can(a, 'read', { organizationId: row.organizationId, createdByUserId: null }),
  },
  certificate_request: {
    kind: 'certificate_request',
    columns: WITH_OWNER,
    policy: (a, row) =>
      can(a, 'read_request', { organizationId: row.organizationId, submittedByUserId: row.ownerId }),
  },
  // Profiles are owned rows whose id a service account may be bound to (rows' ids as profile ids).
  profiles: {
    kind: 'owned',
    columns: { ...WITH_OWNER, boundProfile: 'rows.id' },
    policy: (a, row) =>
      can(a, 'read_profile', {
        id: row.id,
        organizationId: row.organizationId,
        createdByUserId: row.ownerId,
      }),
  },
  // The CAs sign-csr finds by name: those of the signer's organisation (create_cert is checked after).
  // A person reads them by the organisation rule; a service account reads no CA, but issues under these.
  'signing_ca (CAs named by ca_name)': {
    kind: 'signing_ca',
    columns: WITHOUT_OWNER,
    policy: (a, row) =>
      a.kind === 'service_account'
        ? can(a, 'create_cert', { organizationId: row.organizationId, createdByUserId: null })
        : can(a, 'read', { organizationId: row.organizationId, createdByUserId: null }),
  },
};

/** TypeORM's `:name` parameters as PostgreSQL's `$n`. */
function positional(condition: SqlCondition): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const sql = condition.sql.replace(/(?<!:):([A-Za-z_]\w*)/g, (_, name: string) => {
    if (!(name in condition.params)) throw new Error(`No value for :${name}`);
    params.push(condition.params[name]);
    return `$${params.length}`;
  });
  return { sql, params };
}

describe('listScopeCondition agrees with the policy', () => {
  let db: PGlite;

  beforeAll(async () => {
    db = new PGlite();
    await db.exec('CREATE TABLE rows (id integer PRIMARY KEY, organization_id integer, owner_id integer)');
    for (const row of ROWS) {
      await db.query('INSERT INTO rows (id, organization_id, owner_id) VALUES ($1, $2, $3)', [
        row.id,
        row.organizationId,
        row.ownerId,
      ]);
    }
  });

  afterAll(async () => {
    await db.close();
  });

  async function listed(a: Actor, { kind, columns }: Case): Promise<number[]> {
    const { sql, params } = positional(listScopeCondition(a, kind, columns));
    const result = await db.query<{ id: number }>(`SELECT id FROM rows WHERE ${sql} ORDER BY id`, params);
    return result.rows.map((row) => row.id);
  }

  const permitted = (a: Actor, { policy }: Case) => ROWS.filter((row) => policy(a, row)).map((row) => row.id);

  describe.each(Object.entries(CASES))('%s', (_, scopeCase) => {
    it.each(ACTIVE_ACTORS)('%s lists exactly the rows the policy lets it read', async (_name, a) => {
      expect(await listed(a, scopeCase)).toEqual(permitted(a, scopeCase));
    });
  });

  // Anchors, so that the SQL and the policy cannot agree by both being wrong in the same way.
  // Rows 1-3 are organisation 1's, 4-6 organisation 2's, 7-9 nobody's; 1, 4 and 7 are the actor's.
  it('lists what the rules say for a few actors, written out', async () => {
    const [owned, unowned, requests, profiles, signingCas] = Object.values(CASES);
    expect(await listed(actor('user'), owned)).toEqual([1, 2, 3, 4, 7]);
    expect(await listed(actor('user'), unowned)).toEqual([1, 2, 3]);
    expect(await listed(actor('user'), requests)).toEqual([1, 2, 3, 4, 7]);
    expect(await listed(actor('user', { canRequestCert: true }), requests)).toEqual([1, 4, 7]);
    expect(await listed(actor('user', { organizationId: null }), owned)).toEqual([1, 4, 7]);
    expect(await listed(actor('user', { organizationId: null }), unowned)).toEqual([]);
    expect(await listed(actor('superuser'), owned)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await listed(actor('user'), profiles)).toEqual([1, 2, 3, 4, 7]);
    expect(await listed(actor('user'), signingCas)).toEqual([1, 2, 3]);
  });

  // A service account: the certificates it created, the profiles it is bound to, no requests or
  // audit rows, and (to sign under by name) its organisation's CAs.
  it('lists for a service account what the rules say, written out', async () => {
    const [owned, unowned, requests, profiles, signingCas] = Object.values(CASES);
    const bound = serviceAccount({ profileIds: BOUND_PROFILES });
    expect(await listed(bound, owned)).toEqual([1, 4, 7]);
    expect(await listed(bound, unowned)).toEqual([]);
    expect(await listed(bound, requests)).toEqual([]);
    expect(await listed(bound, profiles)).toEqual([1, 5]);
    expect(await listed(serviceAccount({ profileIds: [] }), profiles)).toEqual([]);
    expect(await listed(bound, signingCas)).toEqual([1, 2, 3]);
  });

  // Sign-in and the token check refuse inactive accounts first; the scope says no on its own as well.
  it.each(INACTIVE_ACTORS)('%s lists no row, as the policy lets it read none', async (_name, a) => {
    for (const scopeCase of Object.values(CASES)) {
      expect(permitted(a, scopeCase)).toEqual([]);
      expect(await listed(a, scopeCase)).toEqual([]);
    }
  });
});
