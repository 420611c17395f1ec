import { Identity1732300000000 } from '../../migrations/1732300000000-identity';
import { Pki1732300100000 } from '../../migrations/1732300100000-pki';
import { Requests1732300200000 } from '../../migrations/1732300200000-requests';
import { ServiceTls1732300400000 } from '../../migrations/1732300400000-service-tls';
import { AuthRateLimits1732300500000 } from '../../migrations/1732300500000-auth-rate-limits';
import { Profiles1733000100000 } from '../../migrations/1733000100000-profiles';
import { CertificateUriSans1733000200000 } from '../../migrations/1733000200000-certificate-uri-sans';
import { CaNameConstraints1733000300000 } from '../../migrations/1733000300000-ca-name-constraints';
import { MachineIdentity1733000400000 } from '../../migrations/1733000400000-machine-identity';
import { TrustPolicies1733000500000 } from '../../migrations/1733000500000-trust-policies';
import { CertificateRenewal1733000600000 } from '../../migrations/1733000600000-certificate-renewal';
import { Acme1733000700000 } from '../../migrations/1733000700000-acme';

/** Every migration, in order. One set serves PGlite and PostgreSQL. */
export const MIGRATIONS = [
  Identity1732300000000,
  Pki1732300100000,
  Requests1732300200000,
  ServiceTls1732300400000,
  AuthRateLimits1732300500000,
  Profiles1733000100000,
  CertificateUriSans1733000200000,
  CaNameConstraints1733000300000,
  MachineIdentity1733000400000,
  TrustPolicies1733000500000,
  CertificateRenewal1733000600000,
  Acme1733000700000,
];
