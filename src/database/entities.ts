import { AuditLog } from '../audit/audit-log.entity';
import { RefreshToken } from '../auth/refresh-token.entity';
import { RevokedAccessToken } from '../auth/revoked-access-token.entity';
import { Organization } from '../orgs/organization.entity';
import { User } from '../users/user.entity';

export const ENTITIES = [Organization, User, RefreshToken, RevokedAccessToken, AuditLog];
