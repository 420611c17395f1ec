import {
  Column,
  CreateDateColumn,
  Entity,
  PrimaryGeneratedColumn,
  UpdateDateColumn,
  VirtualColumn,
} from 'typeorm';
import { OwnedResource } from '../access/policy';
import { CertificateType, KeyType } from '../crypto/crypto.types';

export type StoredCertificateStatus = 'valid' | 'revoked';
export type CertificateStatus = StoredCertificateStatus | 'expired';

@Entity({ name: 'certificates' })
export class Certificate implements OwnedResource {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text' })
  commonName!: string;

  @Column({ type: 'text' })
  subjectDn!: string;

  @Column({ type: 'text' })
  certificateType!: CertificateType;

  @Column({ type: 'text' })
  keyType!: KeyType;

  @Column({ type: 'integer' })
  keySize!: number;

  @Column({ type: 'integer' })
  validDays!: number;

  @Column({ type: 'text' })
  status!: StoredCertificateStatus;

  @Column({ type: 'text' })
  certificatePem!: string;

  @Column({ type: 'text' })
  serialNumber!: string;

  @Column({ type: 'timestamptz' })
  notBefore!: Date;

  @Column({ type: 'timestamptz' })
  notAfter!: Date;

  @Column({ type: 'text' })
  fingerprintSha256!: string;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  sanDnsNames!: string[];

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  sanIpAddresses!: string[];

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  sanEmailAddresses!: string[];

  /** uniformResourceIdentifier SANs (SPIFFE IDs, for example). */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  sanUris!: string[];

  @Column({ type: 'integer', nullable: true })
  pathLength!: number | null;

  /** Present only when the service generated the key; sealed, never a PEM. */
  @Column({ type: 'text', nullable: true, select: false })
  sealedPrivateKey!: string | null;

  @Column({ type: 'integer' })
  issuerId!: number;

  @Column({ type: 'integer', nullable: true })
  organizationId!: number | null;

  @Column({ type: 'integer', nullable: true })
  createdByUserId!: number | null;

  /** The profile it was issued under; null when none, or after the profile was deleted. */
  @Column({ type: 'integer', nullable: true })
  profileId!: number | null;

  /** The profile's name at issuance (kept when the profile is deleted). */
  @Column({ type: 'text', nullable: true })
  profileName!: string | null;

  /** The notAfter was shortened to the issuer's. */
  @Column({ type: 'boolean', default: false })
  validityClamped!: boolean;

  /** The certificate this one renewed (POST /certificates/renew); null for a first issuance. */
  @Column({ type: 'integer', nullable: true })
  renewedFromId!: number | null;

  /** The newest certificate renewed from this one (read through the partial index on renewed_from_id). */
  @VirtualColumn({
    type: 'integer',
    query: (alias) => `SELECT max(r.id) FROM certificates r WHERE r.renewed_from_id = ${alias}.id`,
  })
  renewedById!: number | null;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @Column({ type: 'text', nullable: true })
  revocationReason!: string | null;

  @Column({ type: 'integer', nullable: true })
  revocationReasonCode!: number | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
