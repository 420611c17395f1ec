/**
 * The permission policy: every "who may do what" of the contract, decided here and nowhere else.
 * Pure functions over plain facts; guards, services and SQL list filters follow these rules.
 */
export type Role = 'superuser' | 'admin' | 'user';

export const ROLES: readonly Role[] = ['superuser', 'admin', 'user'];

export interface Actor {
  id: number;
  role: Role;
  isActive: boolean;
  organizationId: number | null;
  canCreateCa: boolean;
  canCreateCert: boolean;
  canRevokeCert: boolean;
  canExportPrivateKey: boolean;
  canDeleteCa: boolean;
  canRequestCert: boolean;
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

/** Actions on certificate profiles: members read; admins, can_create_ca members and the creator manage. */
export type ProfileAction = 'read' | 'manage_profile';

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
  'read_organization' | 'update_organization' | 'delete_organization' | 'manage_organization_members';

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
export function can(actor: Actor, action: ProfileAction, resource: OwnedResource): boolean;
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
    case 'read_organization':
      return isMemberOf(actor, (target as OrganizationTarget).id);
    case 'update_organization':
    case 'manage_organization_members':
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
