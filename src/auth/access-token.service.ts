import { Injectable } from '@nestjs/common';
import { JwtService } from '@nestjs/jwt';
import { randomUUID } from 'node:crypto';
import { AppConfig } from '../config/app-config';

export interface AccessTokenClaims {
  sub: string;
  jti: string;
  /** Seconds since the epoch with millisecond precision, so "issued before" checks are exact. */
  iat: number;
  exp: number;
  /** The refresh-token family (sign-in session) this token belongs to. */
  fam: string;
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
}

/** The claims of a verified token when they have the shape `sign` gives them, else null. */
export function accessTokenClaims(payload: unknown): AccessTokenClaims | null {
  if (typeof payload !== 'object' || payload === null) return null;
  const { sub, jti, iat, exp, fam } = payload as Partial<AccessTokenClaims>;
  if (typeof sub !== 'string' || !/^\d{1,10}$/.test(sub)) return null;
  if (typeof jti !== 'string' || typeof iat !== 'number' || typeof exp !== 'number') return null;
  if (typeof fam !== 'string' || !UUID.test(fam)) return null;
  return { sub, jti, iat, exp, fam };
}
