import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { BoundClaims } from './bound-claims';

/**
 * A trust policy (table trust_policies): the service account accepts ID tokens that `issuer` signed
 * for `audience` whose claims match `boundClaims`, and trades them for its own access tokens.
 */
@Entity({ name: 'trust_policies' })
export class TrustPolicy {
  @PrimaryGeneratedColumn()
  id!: number;

  /** The service account (a users row of kind service_account). */
  @Column({ type: 'integer' })
  serviceAccountUserId!: number;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  /** Exactly the ID token's `iss`; its discovery document is `<issuer>/.well-known/openid-configuration`. */
  @Column({ type: 'text' })
  issuer!: string;

  /** One of the ID token's `aud` values. */
  @Column({ type: 'text' })
  audience!: string;

  @Column({ type: 'jsonb' })
  boundClaims!: BoundClaims;

  /** Null: WORKLOAD_TOKEN_MAX_MINUTES. */
  @Column({ type: 'integer', nullable: true })
  maxTokenMinutes!: number | null;

  @Column({ type: 'integer', nullable: true })
  createdByUserId!: number | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
