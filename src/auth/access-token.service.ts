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

/** HS256 JWTs signed with SECRET_KEY; verification accepts HS256 only (no `none`, no RS/ES confusion). */
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

  /** The claims of a valid token, or null for anything expired, forged or malformed. */
  async verify(token: string): Promise<AccessTokenClaims | null> {
    try {
      const claims = await this.jwt.verifyAsync<Partial<AccessTokenClaims>>(token, { algorithms: ['HS256'] });
      const { sub, jti, iat, exp, fam } = claims;
      if (typeof sub !== 'string' || !/^\d{1,10}$/.test(sub)) return null;
      if (typeof jti !== 'string' || typeof iat !== 'number' || typeof exp !== 'number') return null;
      if (typeof fam !== 'string' || !UUID.test(fam)) return null;
      return { sub, jti, iat, exp, fam };
    } catch {
      return null;
    }
  }
}
