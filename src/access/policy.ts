import { Capability, Credential } from './credential';

/**
 * The permission policy: every "who may do what" of the contract, decided here and nowhere else.
 * Pure functions over plain facts; guards, services and SQL list filters follow these rules.
 */
export type Role = 'superuser' | 'admin' | 'user';

export const ROLES: readonly Role[] = ['superuser', 'admin', 'user'];

/**
 * A person signs in; a service account (a CI pipeline, a workload) authenticates with keys or tokens;
 * an ACME account (src/acme/) with the key it registered, bound to one profile.
 */
export type PrincipalKind = 'person' | 'service_account' | 'acme_account';

export interface Actor {
  id: number;
  kind: PrincipalKind;
  role: Role;
  isActive: boolean;
  organizationId: number | null;
  canCreateCa: boolean;
  canCreateCert: boolean;
  canRevokeCert: boolean;
  canExportPrivateKey: boolean;
  canDeleteCa: boolean;
  canRequestCert: boolean;
  /** How this request authenticated (absent outside a request: the shell, background jobs). */
  credential?: Credential;
  /** A service account's profiles, the only ones it may issue through (loaded when it authenticates). */
  profileIds?: readonly number[];
}

/** A CA, certificate or certificate request: owned by an organisation and a creator. */
export interface OwnedResource {
  organizationId: number | null;
  createdByUserId: number | null;
}

/** A certificate request: owned by the submitter's organisation. */
export interface RequestTarget {
  organizationId: number | null;
  submittedByUserId: number | null;
}

export interface UserTarget {
  id: number;
  role: Role;
  organizationId: number | null;
}

export interface OrganizationTarget {
  id: number;
}

/** Actions on CAs and certificates; each write maps to one capability flag. */
export type PkiAction =
  | 'read'
  | 'create_ca'
  | 'manage_ca' // enable, disable, describe, upload or sign a pending CA's certificate
  | 'create_cert'
  | 'revoke_cert'
  | 'export_private_key'
  | 'delete_ca';

/** A certificate profile: owned like a CA, and known by id (service accounts are bound to some). */
export interface ProfileTarget extends OwnedResource {
  id: number | null;
}

/**
 * Actions on certificate profiles: members read and issue through them; admins, can_create_ca
 * members and the creator manage them. A service account reads and issues through its own only.
 * `manage_acme` (EAB keys, ACME accounts) is administration: the organisation's admins only.
 */
export type ProfileAction = 'read_profile' | 'issue_with_profile' | 'manage_profile' | 'manage_acme';

/** Actions on certificate requests (the CSR workflow). */
export type RequestAction =
  | 'read_request'
  | 'fulfil_request' // sign, reject, attach or detach a certificate
  | 'revoke_request'
  | 'delete_request';

export type UserAction =
  | 'read_user'
  | 'create_user'
  | 'delete_user'
  | 'update_user_profile' // email, password
  | 'update_user_capabilities' // can_* flags
  | 'update_user_account'; // role, is_active, organization_id

export type OrganizationAction =
  | 'read_organization'
  | 'update_organization'
  | 'delete_organization'
  | 'manage_organization_members'
  | 'manage_service_accounts'; // service accounts, their API keys and trust policies

/** Actions that need no particular resource. */
export type GlobalAction =
  | 'list_all_users'
  | 'create_organization'
  | 'read_audit_logs'
  | 'read_config'
  | 'submit_request'
  | 'back_up_system';

const CAPABILITY: Record<Exclude<PkiAction, 'read'>, keyof Actor> = {
  create_ca: 'canCreateCa',
  manage_ca: 'canCreateCa',
  create_cert: 'canCreateCert',
  revoke_cert: 'canRevokeCert',
  export_private_key: 'canExportPrivateKey',
  delete_ca: 'canDeleteCa',
};

export function can(actor: Actor, action: PkiAction, resource: OwnedResource): boolean;
export function can(actor: Actor, action: ProfileAction, resource: ProfileTarget): boolean;
export function can(actor: Actor, action: RequestAction, target: RequestTarget): boolean;
export function can(actor: Actor, action: UserAction, target: UserTarget): boolean;
export function can(actor: Actor, action: OrganizationAction, target: OrganizationTarget): boolean;
export function can(actor: Actor, action: GlobalAction): boolean;
export function can(
  actor: Actor,
  action: PkiAction | ProfileAction | RequestAction | UserAction | OrganizationAction | GlobalAction,
  target?: OwnedResource | RequestTarget | UserTarget | OrganizationTarget,
): boolean {
  if (!actor.isActive) return false;
  if (actor.kind !== 'person') return serviceAccountCan(actor, action, target);
  const narrowedTo = personalKeyCapabilities(actor);
  if (narrowedTo && !keyPermits(narrowedTo, action)) return false;
  if (actor.role === 'superuser') return true;
  switch (action) {
    case 'list_all_users':
    case 'back_up_system':
    case 'read_config': // describes the whole installation, not one organisation
      return false;
    case 'create_organization':
      return actor.role === 'admin';
    case 'read_audit_logs':
      return actor.role === 'admin';
    case 'submit_request':
      return actor.role === 'admin' || actor.canRequestCert || actor.canCreateCert;
    case 'read_request':
    case 'fulfil_request':
    case 'revoke_request':
    case 'delete_request':
      return canOnRequest(actor, action, target as RequestTarget);
    case 'manage_profile': // create, update and delete: CA managers govern what may be issued
      return canOnOwnedResource(actor, 'manage_ca', target as OwnedResource);
    case 'read_profile':
    case 'issue_with_profile':
      return canOnOwnedResource(actor, 'read', target as OwnedResource);
    case 'manage_acme': {
      // EAB keys let whoever holds one register an account that issues: not for the creator alone.
      const organizationId = (target as ProfileTarget).organizationId;
      return actor.role === 'admin' && organizationId !== null && isMemberOf(actor, organizationId);
    }
    case 'read_organization':
      return isMemberOf(actor, (target as OrganizationTarget).id);
    case 'update_organization':
    case 'manage_organization_members':
    case 'manage_service_accounts':
      return actor.role === 'admin' && isMemberOf(actor, (target as OrganizationTarget).id);
    case 'delete_organization':
      return false;
    case 'read_user':
    case 'update_user_profile':
      return isSelf(actor, target as UserTarget) || administers(actor, target as UserTarget);
    case 'create_user':
      // Only superusers create admins and superusers; an admin creates users in their own organisation.
      return administers(actor, target as UserTarget) && (target as UserTarget).role === 'user';
    case 'update_user_capabilities':
      return administers(actor, target as UserTarget);
    case 'update_user_account':
    case 'delete_user':
      return false;
    default:
      return canOnOwnedResource(actor, action, target as OwnedResource);
  }
}

/**
 * A service account issues and signs CSRs under its organisation's CAs through its profiles, and
 * reads, revokes and exports the keys of the certificates it issued. Nothing else: no users,
 * organisations, CAs, requests, audit or configuration. An ACME account is held to the same rules,
 * its one profile the one it registered with.
 */
function serviceAccountCan(
  actor: Actor,
  action: string,
  target: OwnedResource | ProfileTarget | RequestTarget | UserTarget | OrganizationTarget | undefined,
): boolean {
  switch (action) {
    case 'create_cert': {
      const { organizationId } = target as OwnedResource;
      // An ACME account is its profile's: an unowned profile's issues under the unowned CAs it names.
      if (actor.kind === 'acme_account') return organizationId === actor.organizationId;
      return isMemberOf(actor, organizationId ?? -1);
    }
    case 'read':
    case 'revoke_cert':
    case 'export_private_key': {
      const owned = target as OwnedResource;
      return owned.createdByUserId !== null && owned.createdByUserId === actor.id;
    }
    case 'read_profile':
    case 'issue_with_profile': {
      const id = (target as ProfileTarget).id;
      return id !== null && (actor.profileIds ?? []).includes(id);
    }
    default:
      return false;
  }
}

/** The capabilities a personal API key narrows its person to; null when the credential narrows nothing. */
function personalKeyCapabilities(actor: Actor): readonly Capability[] | null {
  return actor.credential?.kind === 'api_key' ? actor.credential.capabilities : null;
}

/**
 * Whether a personal key's capabilities cover an action. Reads need none (within the person's own
 * rights); each write needs the capability that grants it; administration (users, organisations,
 * ACME servers, audit, configuration, backups) is never done through a key.
 */
function keyPermits(capabilities: readonly Capability[], action: string): boolean {
  const needed = KEY_CAPABILITY[action];
  if (needed === undefined) return false;
  return needed === 'none' || needed.some((capability) => capabilities.includes(capability));
}

const KEY_CAPABILITY: Record<string, readonly Capability[] | 'none'> = {
  read: 'none',
  read_request: 'none',
  read_user: 'none',
  read_organization: 'none',
  read_profile: 'none',
  issue_with_profile: ['can_create_cert', 'can_request_cert'],
  create_ca: ['can_create_ca'],
  manage_ca: ['can_create_ca'],
  manage_profile: ['can_create_ca'],
  create_cert: ['can_create_cert'],
  revoke_cert: ['can_revoke_cert'],
  export_private_key: ['can_export_private_key'],
  delete_ca: ['can_delete_ca'],
  submit_request: ['can_request_cert', 'can_create_cert'],
  fulfil_request: ['can_create_cert'],
  revoke_request: ['can_revoke_cert'],
  delete_request: ['can_request_cert', 'can_create_cert'],
};

function canOnOwnedResource(actor: Actor, action: PkiAction, resource: OwnedResource): boolean {
  if (resource.createdByUserId !== null && resource.createdByUserId === actor.id) return true;
  if (resource.organizationId === null) return false; // unowned: superusers only
  if (!isMemberOf(actor, resource.organizationId)) return false;
  if (actor.role === 'admin' || action === 'read') return true;
  return actor[CAPABILITY[action]] === true;
}

function canOnRequest(actor: Actor, action: RequestAction, request: RequestTarget): boolean {
  const isSubmitter = request.submittedByUserId !== null && request.submittedByUserId === actor.id;
  const inOrganization = request.organizationId !== null && isMemberOf(actor, request.organizationId);
  const manages = inOrganization && (actor.role === 'admin' || actor.canCreateCert);
  switch (action) {
    case 'read_request':
      return isSubmitter || manages || (inOrganization && !isRequesterOnly(actor));
    case 'fulfil_request':
      return manages;
    case 'revoke_request':
      return inOrganization && (actor.role === 'admin' || actor.canRevokeCert);
    case 'delete_request':
      return isSubmitter || manages;
  }
}

/**
 * A requester (can_request_cert without issuing or revoking rights) sees only its own requests;
 * every other member of the organisation (readers, managers, revokers, admins) sees the organisation's.
 */
function isRequesterOnly(actor: Actor): boolean {
  return actor.role === 'user' && actor.canRequestCert && !actor.canCreateCert && !actor.canRevokeCert;
}

function isMemberOf(actor: Actor, organizationId: number): boolean {
  return actor.organizationId !== null && actor.organizationId === organizationId;
}

function isSelf(actor: Actor, target: UserTarget): boolean {
  return actor.id === target.id;
}

/** An admin manages the non-superuser accounts of their own organisation. */
function administers(actor: Actor, target: UserTarget): boolean {
  return (
    actor.role === 'admin' &&
    target.role !== 'superuser' &&
    target.organizationId !== null &&
    isMemberOf(actor, target.organizationId)
  );
}

export interface AnonymousRegistration {
  isFirstUser: boolean;
  openRegistrationEnabled: boolean;
  requestedRole: Role;
}

/**
 * Creating a user without a token: the first user may take any role (a system nobody can
 * administer is useless); afterwards only with open registration, and never as admin or superuser.
 */
export function canRegisterAnonymously(request: AnonymousRegistration): boolean {
  if (request.isFirstUser) return true;
  return request.openRegistrationEnabled && request.requestedRole === 'user';
}

/** The organisation scope an actor's list queries are limited to; null means every organisation. */
export function listScope(actor: Actor): { organizationId: number | null; everything: boolean } {
  if (actor.role === 'superuser') return { organizationId: null, everything: true };
  return { organizationId: actor.organizationId, everything: false };
}

/** The certificate requests an actor's list queries are limited to (the read_request rule in SQL terms). */
export function requestListScope(
  actor: Actor,
): { everything: true } | { everything: false; organizationId: number | null; submittedByUserId: number } {
  if (actor.role === 'superuser') return { everything: true };
  const seesOrganization = actor.isActive && actor.organizationId !== null && !isRequesterOnly(actor);
  return {
    everything: false,
    organizationId: seesOrganization ? actor.organizationId : null,
    submittedByUserId: actor.id,
  };
}
