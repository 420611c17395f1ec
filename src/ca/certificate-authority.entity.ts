import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { OwnedResource } from '../access/policy';
import { KeyType } from '../crypto/crypto.types';
import { StoredCaStatus } from '../issuance/ca-signing-status';
import { IssuingCa } from '../issuance/issuance-template';
import type { NameConstraints } from '../issuance/name-constraints';

@Entity({ name: 'certificate_authorities' })
export class CertificateAuthority implements OwnedResource, Omit<IssuingCa, 'nameConstraints'> {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'text' })
  subjectDn!: string;

  @Column({ type: 'text' })
  keyType!: KeyType;

  @Column({ type: 'integer' })
  keySize!: number;

  @Column({ type: 'integer' })
  validDays!: number;

  @Column({ type: 'text' })
  status!: StoredCaStatus;

  @Column({ type: 'text', nullable: true })
  certificatePem!: string | null;

  @Column({ type: 'text', nullable: true })
  csrPem!: string | null;

  @Column({ type: 'text', nullable: true })
  serialNumber!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  notBefore!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  notAfter!: Date | null;

  @Column({ type: 'text', nullable: true })
  fingerprintSha256!: string | null;

  /** The private key sealed by the key sealer (AES-256-GCM); never a PEM. */
  @Column({ type: 'text', select: false })
  sealedPrivateKey!: string;

  @Column({ type: 'integer', nullable: true })
  organizationId!: number | null;

  @Column({ type: 'integer', nullable: true })
  createdByUserId!: number | null;

  @Column({ type: 'integer', nullable: true })
  parentCaId!: number | null;

  @Column({ type: 'integer', nullable: true })
  pathLength!: number | null;

  @Column({ type: 'boolean' })
  allowLeafCerts!: boolean;

  /** True when someone set allow_leaf_certs; otherwise it is managed automatically. */
  @Column({ type: 'boolean', default: false })
  allowLeafCertsExplicit!: boolean;

  /** True when the certificate was signed outside and uploaded (parent_ca_id stays null). */
  @Column({ type: 'boolean', default: false })
  signedExternally!: boolean;

  /** The uploaded issuers above this CA's certificate (PEM, nearest first), for chains. */
  @Column({ type: 'text', nullable: true })
  issuerChainPem!: string | null;

  /** The earliest notAfter among the uploaded issuers: nothing this CA signs may outlive it. */
  @Column({ type: 'timestamptz', nullable: true })
  issuerChainNotAfter!: Date | null;

  /**
   * The CA's own nameConstraints: those it was created with (in its certificate, or its CSR while
   * pending), or those of the certificate uploaded for it. Null: none.
   */
  @Column({ type: 'jsonb', nullable: true })
  nameConstraints!: NameConstraints | null;
  /** Issuing under this CA needs a named profile. */
  @Column({ type: 'boolean', default: false })
  requireProfile!: boolean;

  /** This CA's certificate was shortened to end with its issuer's. */
  @Column({ type: 'boolean', default: false })
  validityClamped!: boolean;

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
