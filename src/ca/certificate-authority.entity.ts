import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { OwnedResource } from '../access/policy';
import { earliest } from '../common/dates';
import { KeyType } from '../crypto/crypto.types';

/** Stored states; `expired` and `not_yet_valid` are derived from the certificate's dates when reading. */
export type StoredCaStatus = 'pending' | 'active' | 'disabled' | 'revoked';
export type CaStatus = StoredCaStatus | 'expired' | 'not_yet_valid';

export type SigningDates = Pick<CertificateAuthority, 'notBefore' | 'notAfter' | 'issuerChainNotAfter'>;

/**
 * When the CA's signatures can validate (RFC 5280 6.1.3): from its certificate's notBefore (an uploaded
 * certificate may start in the future) to its notAfter, or earlier when an issuer of an uploaded chain ends
 * first. What the CA signs is clamped into it.
 */
export function signingWindow(ca: SigningDates): { notBefore: Date | null; notAfter: Date | null } {
  return { notBefore: ca.notBefore, notAfter: earliest([ca.notAfter, ca.issuerChainNotAfter]) };
}

/**
 * The CA's status at `now`: the stored one, or for an active CA outside its signing window `expired` or
 * `not_yet_valid`. This is the rule of whether a CA may sign: it may when this says `active`.
 */
export function caStatusOf(
  ca: Pick<CertificateAuthority, 'status'> & SigningDates,
  now = new Date(),
): CaStatus {
  if (ca.status !== 'active') return ca.status;
  const window = signingWindow(ca);
  if (window.notAfter && window.notAfter <= now) return 'expired';
  if (window.notBefore && window.notBefore > now) return 'not_yet_valid';
  return 'active';
}

/** caStatusOf in SQL over certificate_authorities' columns, at the database's clock. */
export const CA_STATUS_SQL = `CASE WHEN status <> 'active' THEN status
            WHEN not_after <= now() OR issuer_chain_not_after <= now() THEN 'expired'
            WHEN not_before > now() THEN 'not_yet_valid'
            ELSE 'active' END`;

/** caStatusOf(ca) = 'active' in SQL, for statements that re-check it under a lock. */
export const MAY_SIGN_NOW_SQL = `(${CA_STATUS_SQL}) = 'active'`;

@Entity({ name: 'certificate_authorities' })
export class CertificateAuthority implements OwnedResource {
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
