import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';
import type { Capability } from '../access/credential';

/** An API key of a principal: a service account's, or a person's personal key narrowed to capabilities. */
@Entity({ name: 'api_keys' })
export class ApiKey {
  /** The public part of the key (`pkca_<id>_…`), named in audit rows. */
  @PrimaryColumn({ type: 'text' })
  id!: string;

  @Column({ type: 'integer' })
  userId!: number;

  @Column({ type: 'text' })
  name!: string;

  /** SHA-256 of the secret part: a 256-bit random secret needs no slow hash. */
  @Column({ type: 'bytea', select: false })
  secretHash!: Buffer;

  /** A personal key's capabilities; null for a service account's key. */
  @Column({ type: 'text', array: true, nullable: true })
  capabilities!: Capability[] | null;

  @Column({ type: 'timestamptz' })
  expiresAt!: Date;

  @Column({ type: 'timestamptz', nullable: true })
  lastUsedAt!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ type: 'integer', nullable: true })
  createdByUserId!: number | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;
}
