import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import type { Credential } from '../access/credential';
import { Actor, PrincipalKind, Role } from '../access/policy';

@Entity({ name: 'users' })
export class User implements Actor {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text' })
  username!: string;

  /** A person, or a service account (no email, no password; its facts in the service-accounts module). */
  @Column({ type: 'text', default: 'person' })
  kind!: PrincipalKind;

  /** Null for service accounts only. */
  @Column({ type: 'text', nullable: true })
  email!: string | null;

  /** Null for service accounts only: they cannot sign in with a password. */
  @Column({ type: 'text', select: false, nullable: true })
  hashedPassword!: string | null;

  @Column({ type: 'text' })
  role!: Role;

  @Column({ type: 'boolean', default: true })
  isActive!: boolean;

  @Column({ type: 'integer', nullable: true })
  organizationId!: number | null;

  @Column({ type: 'boolean', default: false })
  canCreateCa!: boolean;

  @Column({ type: 'boolean', default: false })
  canCreateCert!: boolean;

  @Column({ type: 'boolean', default: false })
  canRevokeCert!: boolean;

  @Column({ type: 'boolean', default: false })
  canExportPrivateKey!: boolean;

  @Column({ type: 'boolean', default: false })
  canDeleteCa!: boolean;

  @Column({ type: 'boolean', default: false })
  canRequestCert!: boolean;

  /** Access tokens issued before this instant are refused (POST /auth/invalidate). */
  @Column({ type: 'timestamptz', nullable: true })
  tokensValidAfter!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;

  /** Not a column: how the current request authenticated, set by the authentication strategy. */
  credential?: Credential;

  /** Not a column: a service account's profiles, loaded when it authenticates. */
  profileIds?: readonly number[];
}
