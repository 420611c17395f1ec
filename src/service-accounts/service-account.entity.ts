import { Column, Entity, PrimaryColumn } from 'typeorm';

/** A service account's own facts; its principal (name, organisation, enabled) is its `users` row. */
@Entity({ name: 'service_accounts' })
export class ServiceAccountFacts {
  /** The principal's `users.id`. */
  @PrimaryColumn({ type: 'integer' })
  userId!: number;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  /** The profiles it may issue through (at least one). */
  @Column({ type: 'integer', array: true })
  profileIds!: number[];

  @Column({ type: 'integer', nullable: true })
  createdByUserId!: number | null;
}
