import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { RequestTarget } from '../access/policy';
import { CertificateType, KeyType } from '../crypto/crypto.types';

export type RequestStatus = 'outstanding' | 'active' | 'rejected' | 'revoked';

export const REQUEST_STATUSES: readonly RequestStatus[] = ['outstanding', 'active', 'rejected', 'revoked'];

/** A submitted CSR and, once fulfilled, the certificate attached to it. */
@Entity({ name: 'certificate_requests' })
export class CertificateRequest implements RequestTarget {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text' })
  status!: RequestStatus;

  @Column({ type: 'text' })
  csrPem!: string;

  @Column({ type: 'text' })
  subjectDn!: string;

  @Column({ type: 'text', nullable: true })
  commonName!: string | null;

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  sanDnsNames!: string[];

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  sanIpAddresses!: string[];

  @Column({ type: 'text', array: true, default: () => "'{}'" })
  sanEmailAddresses!: string[];

  @Column({ type: 'text' })
  keyType!: KeyType;

  @Column({ type: 'integer' })
  keySize!: number;

  @Column({ type: 'text' })
  certificateType!: Exclude<CertificateType, 'ca'>;

  @Column({ type: 'text', nullable: true })
  comment!: string | null;

  @Column({ type: 'integer', nullable: true })
  organizationId!: number | null;

  @Column({ type: 'integer', nullable: true })
  submittedByUserId!: number | null;

  @Column({ type: 'integer', nullable: true })
  handledByUserId!: number | null;

  @Column({ type: 'text', nullable: true })
  rejectionReason!: string | null;

  /** Our certificate row, when one of our CAs signed the request. */
  @Column({ type: 'integer', nullable: true })
  certificateId!: number | null;

  @Column({ type: 'integer', nullable: true })
  issuerId!: number | null;

  @Column({ type: 'boolean', default: false })
  signedExternally!: boolean;

  @Column({ type: 'text', nullable: true })
  certificatePem!: string | null;

  /** The chain as uploaded (leaf first), for certificates signed outside. */
  @Column({ type: 'text', nullable: true })
  certificateChainPem!: string | null;

  @Column({ type: 'text', nullable: true })
  serialNumber!: string | null;

  @Column({ type: 'timestamptz', nullable: true })
  notBefore!: Date | null;

  @Column({ type: 'timestamptz', nullable: true })
  notAfter!: Date | null;

  /** The certificate we signed for it was shortened to end with its issuer's. */
  @Column({ type: 'boolean', default: false })
  validityClamped!: boolean;

  @Column({ type: 'timestamptz', nullable: true })
  revokedAt!: Date | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
