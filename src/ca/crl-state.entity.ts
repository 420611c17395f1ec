import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Per CA: the last CRL number and the signed CRL, re-signed when stale or near nextUpdate. */
@Entity({ name: 'crl_state' })
export class CrlState {
  @PrimaryColumn({ type: 'integer' })
  caId!: number;

  @Column({ type: 'bigint', default: '0' })
  crlNumber!: string;

  @Column({ type: 'text', nullable: true })
  crlDerBase64!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  thisUpdate!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  nextUpdate!: Date | null;

  @Column({ type: 'boolean', default: true })
  isStale!: boolean;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
