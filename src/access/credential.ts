import type { Actor } from './policy';

/** The capability flags of a person, by their API names; a personal API key is narrowed to some of them. */
export const CAPABILITY_FIELDS = {
  can_create_ca: 'canCreateCa',
  can_create_cert: 'canCreateCert',
  can_revoke_cert: 'canRevokeCert',
  can_export_private_key: 'canExportPrivateKey',
  can_delete_ca: 'canDeleteCa',
  can_request_cert: 'canRequestCert',
} as const satisfies Record<string, keyof Actor>;

export type Capability = keyof typeof CAPABILITY_FIELDS;

export const CAPABILITIES = Object.keys(CAPABILITY_FIELDS) as Capability[];

/**
 * How the request's principal proved who it is. Set by the authentication strategy on the loaded
 * principal; the policy narrows by it and audit rows name it.
 */
export type Credential =
  | { readonly kind: 'session' }
  | {
      readonly kind: 'api_key';
      readonly keyId: string;
      /** A personal key's narrowing; null for a service account's key (the account's own rights). */
      readonly capabilities: readonly Capability[] | null;
    }
  | {
      readonly kind: 'workload';
      readonly trustPolicyId: number;
      /** The ID token's string claims that profiles may template SANs from. */
      readonly claims: Readonly<Record<string, string>>;
    }
  | { readonly kind: 'renewal'; readonly certificateId: number }
  | { readonly kind: 'acme_account'; readonly accountId: number };

/**
 * How an audit row names a credential: `api_key:<id>`, `workload:<policy id>`, `renewal:<cert id>`,
 * `acme_account:<account id>`.
 */
export function credentialLabel(credential: Credential | undefined): string | null {
  switch (credential?.kind) {
    case undefined:
    case 'session':
      return null;
    case 'api_key':
      return `api_key:${credential.keyId}`;
    case 'workload':
      return `workload:${credential.trustPolicyId}`;
    case 'renewal':
      return `renewal:${credential.certificateId}`;
    case 'acme_account':
      return `acme_account:${credential.accountId}`;
  }
}

/** Whether the actor's capability holds through its credential: every person has each one to grant. */
export function heldCapability(actor: Actor, capability: Capability): boolean {
  if (actor.role === 'superuser' || actor.role === 'admin') return true;
  return actor[CAPABILITY_FIELDS[capability]] === true;
}
