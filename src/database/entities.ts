import { ApiKey } from '../api-keys/api-key.entity';
import { AuditLog } from '../audit/audit-log.entity';
import { RefreshToken } from '../auth/refresh-token.entity';
import { RevokedAccessToken } from '../auth/revoked-access-token.entity';
import { CertificateAuthority } from '../ca/certificate-authority.entity';
import { CrlState } from '../ca/crl-state.entity';
import { Certificate } from '../cert/certificate.entity';
import { CertificateRequest } from '../requests/certificate-request.entity';
import { Organization } from '../orgs/organization.entity';
import { TrustPolicy } from '../federation/trust-policy.entity';
import { CertificateProfileEntity } from '../profiles/certificate-profile.entity';
import { ServiceAccountFacts } from '../service-accounts/service-account.entity';
import { User } from '../users/user.entity';

export const ENTITIES = [
  Organization,
  User,
  RefreshToken,
  RevokedAccessToken,
  AuditLog,
  CertificateAuthority,
  Certificate,
  CrlState,
  CertificateRequest,
  CertificateProfileEntity,
  TrustPolicy,
  ServiceAccountFacts,
  ApiKey,
];
