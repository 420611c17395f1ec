import { Injectable } from '@nestjs/common';
import { SqlCondition } from '../access/list-scope';
import { AuditEntry, insertFromCte } from '../audit/audit-row-sql';
import { In } from 'typeorm';
import { CrlEntry } from '../crypto/crypto.types';
import { PreparedStatement, queryPrepared } from '../database/prepared-statement';
import { entityManagerOf, Transaction, Transactions } from '../database/transactions';
import { activeIssuerSql } from '../issuance/ca-signing-status';
import { Certificate } from './certificate.entity';

/** The filters of GET /certificates besides the read scope. */
export interface CertificateListFilter {
  caId?: number;
  status?: 'valid' | 'revoked' | 'expired';
  /** A profile id, or the profile's name at issuance. */
  profile?: { id: number } | { name: string };
  now: Date;
  skip: number;
  limit: number;
}

/** Valid certificates of one issuer expiring within each window (days → count). */
export interface ExpiringByIssuer {
  issuerId: number;
  expiring: Record<number, number>;
}

/** A sealed private key and the row it belongs to. */
export interface SealedCertificateKey {
  id: number;
  sealed: string;
}

/** The only code that reads and writes certificates rows. */
@Injectable()
export class CertificateRepository {
  constructor(private readonly transactions: Transactions) {}

  findById(id: number, tx: Transaction = this.transactions.none): Promise<Certificate | null> {
    return entityManagerOf(tx).findOneBy(Certificate, { id });
  }

  /** The certificates with this SHA-256 fingerprint (one, unless two rows hold the same bytes). */
  findByFingerprint(fingerprint: string, tx: Transaction = this.transactions.none): Promise<Certificate[]> {
    return entityManagerOf(tx).findBy(Certificate, { fingerprintSha256: fingerprint });
  }

  /** By issuer and serial (the unique index certificates_issuer_serial_key), for several issuers. */
  findBySerial(
    issuerIds: readonly number[],
    serialNumberHex: string,
    tx: Transaction = this.transactions.none,
  ): Promise<Certificate[]> {
    return entityManagerOf(tx).findBy(Certificate, {
      issuerId: In([...issuerIds]),
      serialNumber: serialNumberHex,
    });
  }

  /** The certificate with its sealed private key selected (null when not stored). */
  findWithSealedKey(id: number, tx: Transaction = this.transactions.none): Promise<Certificate | null> {
    return entityManagerOf(tx)
      .createQueryBuilder(Certificate, 'cert')
      .addSelect('cert.sealedPrivateKey')
      .where('cert.id = :id', { id })
      .getOne();
  }

  /** Only the sealed private key of a certificate known to exist (null: the service never had it). */
  async sealedPrivateKey(id: number, tx: Transaction = this.transactions.none): Promise<string | null> {
    const row = await entityManagerOf(tx)
      .createQueryBuilder(Certificate, 'cert')
      .select(['cert.id', 'cert.sealedPrivateKey'])
      .where('cert.id = :id', { id })
      .getOneOrFail();
    return row.sealedPrivateKey;
  }

  /** The certificate locked FOR UPDATE until the transaction ends (revocation). */
  lockForUpdate(tx: Transaction, id: number): Promise<Certificate | null> {
    return entityManagerOf(tx)
      .createQueryBuilder(Certificate, 'cert')
      .setLock('pessimistic_write')
      .where('cert.id = :id', { id })
      .getOne();
  }

  async save(tx: Transaction, certificate: Certificate): Promise<void> {
    await entityManagerOf(tx).save(certificate);
  }

  /** Newest first, within `scope` (listScopeCondition over `cert`). */
  list(
    scope: SqlCondition,
    filter: CertificateListFilter,
    tx: Transaction = this.transactions.none,
  ): Promise<Certificate[]> {
    const builder = entityManagerOf(tx)
      .createQueryBuilder(Certificate, 'cert')
      .where(scope.sql, scope.params);
    if (filter.caId !== undefined) builder.andWhere('cert.issuer_id = :caId', { caId: filter.caId });
    const profile = filter.profile;
    if (profile && 'id' in profile)
      builder.andWhere('cert.profile_id = :profileId', { profileId: profile.id });
    if (profile && 'name' in profile)
      builder.andWhere('cert.profile_name = :profileName', { profileName: profile.name });
    const now = filter.now;
    if (filter.status === 'revoked') builder.andWhere("cert.status = 'revoked'");
    if (filter.status === 'valid')
      builder.andWhere("cert.status = 'valid' AND cert.not_after > :now", { now });
    if (filter.status === 'expired')
      builder.andWhere("cert.status = 'valid' AND cert.not_after <= :now", { now });
    return builder.orderBy('cert.id', 'DESC').offset(filter.skip).limit(filter.limit).getMany();
  }

  /** The revoked certificates CA `caId` issued: its CRL's entries for certificates. */
  async revokedEntriesIssuedBy(caId: number, tx: Transaction = this.transactions.none): Promise<CrlEntry[]> {
    const rows: { serial_number: string; revoked_at: Date; reason_code: number | null }[] =
      await entityManagerOf(tx).query(
        `SELECT serial_number, revoked_at, revocation_reason_code AS reason_code
           FROM certificates WHERE issuer_id = $1 AND status = 'revoked'`,
        [caId],
      );
    return rows.map((row) => ({
      serialNumberHex: row.serial_number,
      revokedAt: row.revoked_at,
      reasonCode: row.reason_code,
    }));
  }

  /** Every certificate's sealed key, locked FOR UPDATE (KEK rotation). */
  lockSealedKeys(tx: Transaction): Promise<SealedCertificateKey[]> {
    return entityManagerOf(tx).query(
      'SELECT id, sealed_private_key AS sealed FROM certificates WHERE sealed_private_key IS NOT NULL FOR UPDATE',
    );
  }

  async updateSealedKey(tx: Transaction, id: number, sealed: string): Promise<void> {
    await entityManagerOf(tx).query('UPDATE certificates SET sealed_private_key = $1 WHERE id = $2', [
      sealed,
      id,
    ]);
  }

  /**
   * Inserts the certificate and its audit row in ONE statement (7 round trips became 2), only while
   * the issuing CA may still sign (activeIssuerSql: the issuance rule in SQL, share-locked, so a
   * concurrent disable or revocation waits or is seen). Fills in the generated id and timestamps and
   * returns true; false when the CA could not sign (nothing was written).
   */
  async insertWithAudit(
    tx: Transaction,
    certificate: Certificate,
    sealedPrivateKey: string | null,
    audit: Omit<AuditEntry, 'resourceId'>,
  ): Promise<boolean> {
    const columns: [string, unknown, string][] = [
      ['common_name', certificate.commonName, 'text'],
      ['subject_dn', certificate.subjectDn, 'text'],
      ['certificate_type', certificate.certificateType, 'text'],
      ['key_type', certificate.keyType, 'text'],
      ['key_size', certificate.keySize, 'integer'],
      ['valid_days', certificate.validDays, 'integer'],
      ['status', certificate.status, 'text'],
      ['certificate_pem', certificate.certificatePem, 'text'],
      ['serial_number', certificate.serialNumber, 'text'],
      ['not_before', certificate.notBefore, 'timestamptz'],
      ['not_after', certificate.notAfter, 'timestamptz'],
      ['fingerprint_sha256', certificate.fingerprintSha256, 'text'],
      ['san_dns_names', certificate.sanDnsNames, 'text[]'],
      ['san_ip_addresses', certificate.sanIpAddresses, 'text[]'],
      ['san_email_addresses', certificate.sanEmailAddresses, 'text[]'],
      ['san_uris', certificate.sanUris, 'text[]'],
      ['path_length', certificate.pathLength, 'integer'],
      ['sealed_private_key', sealedPrivateKey, 'text'],
      ['organization_id', certificate.organizationId, 'integer'],
      ['created_by_user_id', certificate.createdByUserId, 'integer'],
      ['profile_id', certificate.profileId, 'integer'],
      ['profile_name', certificate.profileName, 'text'],
      ['validity_clamped', certificate.validityClamped, 'boolean'],
      ['renewed_from_id', certificate.renewedFromId, 'integer'],
    ];
    const values = columns.map(([, , type], index) => `$${index + 2}::${type}`);
    const auditRow = insertFromCte(audit, 'certificate', columns.length + 2);
    const leaves = certificate.certificateType !== 'ca';
    // The text depends only on `leaves`, so each name always stands for the same statement.
    const statement: PreparedStatement = {
      name: leaves ? 'certificate_insert_leaf' : 'certificate_insert_ca',
      text: `WITH issuer AS (${activeIssuerSql('$1', { leaves })}),
       certificate AS (
         INSERT INTO certificates (issuer_id, ${columns.map(([name]) => name).join(', ')})
         SELECT issuer.id, ${values.join(', ')} FROM issuer
         RETURNING id, created_at, updated_at
       ),
       audit AS (${auditRow.sql})
       SELECT id, created_at, updated_at FROM certificate`,
    };
    const rows = await queryPrepared<{ id: number; created_at: Date | string; updated_at: Date | string }>(
      entityManagerOf(tx),
      statement,
      [certificate.issuerId, ...columns.map(([, value]) => value), ...auditRow.parameters],
    );
    if (rows.length === 0) return false;
    Object.assign(certificate, {
      id: rows[0].id,
      createdAt: new Date(rows[0].created_at),
      updatedAt: new Date(rows[0].updated_at),
    });
    return true;
  }

  /** Certificates by status, a valid one past its notAfter counted as `expired`. */
  async countByStatus(): Promise<{ status: string; count: number }[]> {
    const rows: { status: string; count: string }[] = await entityManagerOf(this.transactions.none).query(
      `SELECT CASE WHEN status = 'valid' AND not_after <= now() THEN 'expired' ELSE status END AS status,
              count(*) AS count
         FROM certificates GROUP BY 1`,
    );
    return rows.map((row) => ({ status: row.status, count: Number(row.count) }));
  }

  /** Per issuing CA: valid certificates expiring within each of `windowsDays`. */
  async expiringByIssuer(windowsDays: readonly number[]): Promise<ExpiringByIssuer[]> {
    const windows = windowsDays.map(
      (days, index) =>
        `count(*) FILTER (WHERE not_after <= now() + make_interval(days => $${index + 1})) AS d${index}`,
    );
    const rows: Record<string, string | number>[] = await entityManagerOf(this.transactions.none).query(
      `SELECT issuer_id, ${windows.join(', ')} FROM certificates
        WHERE status = 'valid' AND not_after > now() GROUP BY issuer_id`,
      [...windowsDays],
    );
    return rows.map((row) => ({
      issuerId: Number(row.issuer_id),
      expiring: Object.fromEntries(windowsDays.map((days, index) => [days, Number(row[`d${index}`])])),
    }));
  }
}
