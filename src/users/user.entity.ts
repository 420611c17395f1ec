import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { Actor, Role } from '../access/policy';

@Entity({ name: 'users' })
export class User implements Actor {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text' })
  username!: string;

  @Column({ type: 'text' })
  email!: string;

  @Column({ type: 'text', select: false })
  hashedPassword!: string;

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
}
