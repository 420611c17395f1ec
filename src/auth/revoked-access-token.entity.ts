import { Column, Entity, PrimaryColumn } from 'typeorm';

/** Access tokens signed out before their expiry (POST /auth/logout); purged once expired. */
@Entity({ name: 'revoked_access_tokens' })
export class RevokedAccessToken {
  @PrimaryColumn({ type: 'uuid' })
  jti!: string;

  @Column({ type: 'integer' })
  userId!: number;

  @Column({ type: 'timestamptz' })
  expiresAt!: Date;
}
