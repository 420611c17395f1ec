import type { Actor } from '../../access/policy';
import { AcmeAccount } from './acme-account';

/** An actor with the name audit rows give it. */
export type AcmePrincipal = Actor & { username: string };

/**
 * The principal an account acts as: its users row (same id, kind 'acme_account'), built from the
 * account without a round trip. The policy holds it to its one profile, like a service account.
 */
export function acmePrincipal(account: AcmeAccount): AcmePrincipal {
  return {
    id: account.id,
    username: acmePrincipalName(account.id),
    kind: 'acme_account',
    role: 'user',
    isActive: account.status === 'valid',
    organizationId: account.organizationId,
    canCreateCa: false,
    canCreateCert: false,
    canRevokeCert: false,
    canExportPrivateKey: false,
    canDeleteCa: false,
    canRequestCert: false,
    credential: { kind: 'acme_account', accountId: account.id },
    profileIds: [account.profileId],
  };
}

/** The principal's username, as the migration and the account insert write it. */
export function acmePrincipalName(accountId: number): string {
  return `acme-account-${accountId}`;
}
