import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { Credential } from '../access/credential';
import { AppConfig } from '../config/app-config';

export interface AccessTokenClaims {
  sub: string;
  jti: string;
  /** Seconds since the epoch with millisecond precision, so "issued before" checks are exact. */
  iat: number;
  exp: number;
  /** The refresh-token family (sign-in session) this token belongs to; null for a workload's token. */
  fam: string | null;
  /** A token exchange's workload credential; absent for a password sign-in. */
  cred?: WorkloadCredentialClaim;
}

/** `cred` of a token-exchange access token: the trust policy and the workload's claims. */
export interface WorkloadCredentialClaim {
  kind: 'workload';
  tp: number;
  claims: Record<string, string>;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** HS256 JWTs signed with SECRET_KEY; AccessTokenStrategy verifies them. */
@Injectable()
export class AccessTokenService {
  constructor(
    private readonly jwt: JwtService,
    private readonly config: AppConfig,
  ) {}

  sign(userId: number, familyId: string, now: Date): Promise<string> {
    const payload = { sub: String(userId), jti: randomUUID(), iat: now.getTime() / 1000, fam: familyId };
    return this.jwt.signAsync(payload, {
      algorithm: 'HS256',
      expiresIn: this.config.accessTokenExpireMinutes * 60,
    });
  }

  /** A service account's token from a token exchange: no sign-in session, the workload's credential. */
  signWorkload(
    userId: number,
    credential: Extract<Credential, { kind: 'workload' }>,
    now: Date,
    expiresInSeconds: number,
  ): Promise<string> {
    const cred: WorkloadCredentialClaim = {
      kind: 'workload',
      tp: credential.trustPolicyId,
      claims: { ...credential.claims },
    };
    const payload = { sub: String(userId), jti: randomUUID(), iat: now.getTime() / 1000, cred };
    return this.jwt.signAsync(payload, { algorithm: 'HS256', expiresIn: expiresInSeconds });
  }
}

function workloadCredential(value: unknown): WorkloadCredentialClaim | null {
  if (typeof value !== 'object' || value === null) return null;
  const { kind, tp, claims } = value as Partial<WorkloadCredentialClaim>;
  if (kind !== 'workload' || typeof tp !== 'number' || !Number.isInteger(tp)) return null;
  if (typeof claims !== 'object' || claims === null || Array.isArray(claims)) return null;
  if (Object.values(claims).some((claim) => typeof claim !== 'string')) return null;
  return { kind, tp, claims };
}

/** The claims of a verified token when they have the shape `sign` gives them, else null. */
export function accessTokenClaims(payload: unknown): AccessTokenClaims | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const { sub, jti, iat, exp, fam, cred } = payload as Partial<AccessTokenClaims>;
  if (typeof sub !== 'string' || !/^\d{1,10}$/.test(sub)) return null;
  if (typeof jti !== 'string' || typeof iat !== 'number' || typeof exp !== 'number') return null;
  if (cred !== undefined) {
    const workload = workloadCredential(cred);
    return workload && fam === undefined ? { sub, jti, iat, exp, fam: null, cred: workload } : null;
  }
  if (typeof fam !== 'string' || !UUID.test(fam)) return null;
  return { sub, jti, iat, exp, fam };
}
