import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';
import { OwnedResource } from '../access/policy';
import { CertificateType, KeyType } from '../crypto/crypto.types';
import type { FixedSubjectAttribute } from '../issuance/profile-policy';

export type { IssuerLifetime } from '../issuance/profile-policy';
import type { IssuerLifetime } from '../issuance/profile-policy';

/** san_templates as stored and shown: the API's shape. */
export interface StoredSanTemplates {
  dns_names: string[];
  uris: string[];
}

/** A certificate profile: what may be issued under the CAs of an organisation (table certificate_profiles). */
@Entity({ name: 'certificate_profiles' })
export class CertificateProfileEntity implements OwnedResource {
  @PrimaryGeneratedColumn()
  id!: number;

  @Column({ type: 'text' })
  name!: string;

  @Column({ type: 'text', nullable: true })
  description!: string | null;

  @Column({ type: 'boolean', default: true })
  enabled!: boolean;

  /** Null: unowned (made by a superuser outside every organisation), for unowned CAs. */
  @Column({ type: 'integer', nullable: true })
  organizationId!: number | null;

  /** Empty: any CA of the organisation. */
  @Column({ type: 'integer', array: true, default: () => "'{}'" })
  caIds!: number[];

  /** Empty: any type. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  certificateTypes!: CertificateType[];

  /** Empty: any key type. */
  @Column({ type: 'text', array: true, default: () => "'{}'" })
  keyTypes!: KeyType[];

  @Column({ type: 'integer', nullable: true })
  minRsaBits!: number | null;

  /** Null: any DNS name; empty: none. */
  @Column({ type: 'text', array: true, nullable: true })
  allowedDns!: string[] | null;

  @Column({ type: 'boolean', default: false })
  allowWildcardCertificates!: boolean;

  @Column({ type: 'text', array: true, nullable: true })
  allowedIpRanges!: string[] | null;

  @Column({ type: 'text', array: true, nullable: true })
  allowedEmails!: string[] | null;

  @Column({ type: 'text', array: true, nullable: true })
  allowedUris!: string[] | null;

  @Column({ type: 'text', array: true, default: () => "'{CN}'" })
  allowedSubjectAttributes!: string[];

  /** Attributes the profile writes whatever the request says. */
  @Column({ type: 'jsonb', default: () => "'{}'" })
  subject!: Partial<Record<FixedSubjectAttribute, string>>;

  @Column({ type: 'integer', nullable: true })
  defaultValidityDays!: number | null;

  @Column({ type: 'integer', nullable: true })
  maxValidityDays!: number | null;

  @Column({ type: 'integer', default: 60 })
  backdateSeconds!: number;

  @Column({ type: 'text', default: 'clamp' })
  issuerLifetime!: IssuerLifetime;

  /** SAN templates rendered from a workload's claims (src/issuance/san-templates.ts); null: none. */
  @Column({ type: 'jsonb', nullable: true })
  sanTemplates!: StoredSanTemplates | null;
  /** A renewal without a CSR may certify the certificate's public key again. */
  @Column({ type: 'boolean', default: false })
  renewalReusesKey!: boolean;

  /** Serves an ACME directory at /acme/{profile-slug}/directory (src/acme/). */
  @Column({ type: 'boolean', default: false })
  acmeEnabled!: boolean;

  /** New ACME accounts must bind one of the profile's EAB keys (RFC 8555 7.3.4). */
  @Column({ type: 'boolean', default: true })
  acmeEabRequired!: boolean;

  /** The CA ACME orders are issued from; null: the profile's only CA. */
  @Column({ type: 'integer', nullable: true })
  acmeCaId!: number | null;

  @Column({ type: 'integer', nullable: true })
  createdByUserId!: number | null;

  @CreateDateColumn({ type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ type: 'timestamptz' })
  updatedAt!: Date;
}
