import { JsonObject } from '../common/json';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn } from 'typeorm';

@Entity({ name: 'audit_logs' })
export class AuditLog {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id!: string;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @Column({ type: 'text' })
  action!: string;

  @Column({ type: 'integer', nullable: true })
  userId!: number | null;

  @Column({ type: 'text', nullable: true })
  username!: string | null;

  /** The credential the actor used when it was not a password sign-in: `api_key:<id>`, `workload:<policy id>`… */
  @Column({ type: 'text', nullable: true })
  credential!: string | null;

  @Column({ type: 'integer', nullable: true })
  organizationId!: number | null;

  @Column({ type: 'text', nullable: true })
  resourceType!: string | null;

  @Column({ type: 'integer', nullable: true })
  resourceId!: number | null;

  @Column({ type: 'text', nullable: true })
  clientAddress!: string | null;

  @Column({ type: 'jsonb', nullable: true })
  detail!: JsonObject | null;
}
