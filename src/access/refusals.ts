import { Actor, GlobalAction } from './policy';
import { ResourceActions, ResourceKind } from './resources';

type Refusal = string | ((actor: Actor) => string);

/**
 * Every 403 message of the service, by resource kind and action: what was refused and which
 * permission would allow it. The only place these messages are written.
 */
export const REFUSALS: { [K in ResourceKind]: Record<ResourceActions[K], Refusal> } & {
  global: Record<GlobalAction, Refusal>;
} = {
  ca: {
    read: 'You may not view this CA',
    create_ca: 'You may not create CAs here (needs can_create_ca in the organization, admin or superuser)',
    manage_ca: 'You may not manage this CA (needs can_create_ca)',
    create_cert: 'You may not issue certificates under this CA (needs can_create_cert)',
    revoke_cert: 'You may not revoke this CA (needs can_revoke_cert)',
    export_private_key: 'You may not export this private key (needs can_export_private_key)',
    delete_ca: 'You may not delete this CA (needs can_delete_ca)',
  },
  certificate: {
    read: 'You may not view this certificate',
    revoke_cert: 'You may not revoke this certificate (needs can_revoke_cert)',
    export_private_key: 'You may not export this private key (needs can_export_private_key)',
  },
  certificate_request: {
    read_request: 'You may not view this certificate request',
    fulfil_request: 'You may not fulfil this certificate request (needs can_create_cert or admin)',
    revoke_request: 'You may not revoke this certificate request (needs can_revoke_cert or admin)',
    delete_request: 'You may not delete this certificate request (submitter, can_create_cert or admin)',
  },
  profile: {
    read_profile: 'You may not view this profile',
    issue_with_profile: (actor) =>
      actor.kind !== 'person'
        ? `This ${actor.kind === 'acme_account' ? 'ACME account' : 'service account'} may only issue through its own profiles (ids ${(actor.profileIds ?? []).join(', ')})`
        : 'You may not issue through this profile',
    manage_profile:
      'You may not manage certificate profiles here (needs can_create_ca in the organization, admin or superuser)',
    manage_acme:
      "Only admins of the profile's organization and superusers may manage its ACME server (EAB keys, accounts)",
  },
  user: {
    read_user: 'You may not view this user',
    create_user: (actor) =>
      actor.role === 'admin'
        ? 'Admins may only create users with role "user" in their own organization'
        : 'Only admins and superusers may create users',
    delete_user: 'Only superusers may delete users',
    update_user_profile: 'You may not change this user',
    update_user_capabilities:
      'Only admins of the same organization and superusers may change capability flags',
    update_user_account: 'Only superusers may change role, is_active or organization_id',
  },
  organization: {
    read_organization: 'Only members of the organization and superusers may view it',
    update_organization: 'Only admins of the organization and superusers may change it',
    manage_organization_members: 'Only admins of the organization and superusers may change it',
    manage_service_accounts: 'Only admins of the organization and superusers may manage its service accounts',
    delete_organization: 'Only superusers may delete organizations',
  },
  global: {
    list_all_users: 'Only superusers may list all users',
    create_organization: 'Only admins and superusers may create organizations',
    read_audit_logs: 'Only admins and superusers may read audit logs',
    read_config: 'Only superusers may read the configuration',
    submit_request: 'You may not submit certificate requests (needs can_request_cert)',
    back_up_system: 'Only superusers may back up the service',
  },
};

/**
 * Refusals of moving a member between organisations: deciding it is the policy's
 * update_user_account on the member (superusers only), worded for the membership routes.
 */
export const MEMBERSHIP_REFUSALS = {
  moveFromAnotherOrganization: 'The user belongs to another organization; only a superuser may move them',
  superuserMembership: 'Only superusers may change the organization of a superuser',
} as const;

export function refusalFor(actor: Actor, kind: ResourceKind | 'global', action: string): string {
  const refusal = (REFUSALS[kind] as Record<string, Refusal>)[action];
  return typeof refusal === 'function' ? refusal(actor) : refusal;
}

/** A service account issues only through one of its profiles, so every issuance of one names it. */
export function serviceAccountNeedsProfile(actor: Actor): string {
  return `A service account issues only through one of its profiles (ids ${(actor.profileIds ?? []).join(', ')}): name one with "profile"`;
}
