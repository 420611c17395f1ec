/** Every action the audit trail records (lowercase snake_case, as returned by the API). */
export const AUDIT_ACTIONS = [
  'login_success',
  'login_failure',
  'logout',
  'token_refresh',
  'token_invalidate',
  'user_create',
  'user_update',
  'user_delete',
  'org_create',
  'org_update',
  'org_delete',
  'org_add_user',
  'org_remove_user',
  'ca_create',
  'ca_delete',
  'ca_export_private_key',
  'cert_create',
  'cert_sign_csr',
  'cert_revoke',
  'cert_export_private_key',
] as const;

export type AuditAction = (typeof AUDIT_ACTIONS)[number];
