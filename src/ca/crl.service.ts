import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { CryptoService } from '../crypto/crypto.service';
import { PreparedStatement, queryPrepared } from '../database/prepared-statement';
import { CrlEntry } from '../crypto/crypto.types';
import { CertificateAuthority } from './certificate-authority.entity';
import { CrlFreshnessFacts, crlIsDueForRefresh } from './crl-freshness';
import { CrlState } from './crl-state.entity';
import { IssuerCache } from './issuer-cache';

const DAY_MS = 86_400_000;

interface CrlStateSummary {
  crl_number: string;
  this_update: Date | string | null;
  next_update: Date | string | null;
  is_stale: boolean;
  is_signed: boolean;
}

/** A CA joined to its CRL state: the CRL columns are null when the CA has no crl_state row yet. */
type CrlStateRow = { name: string; has_certificate: boolean } & (
  CrlStateSummary | { [column in Exclude<keyof CrlStateSummary, 'is_signed'>]: null }
);

function crlStateIn(row: CrlStateRow | undefined): CrlStateSummary | undefined {
  return row?.crl_number === null ? undefined : row;
}

/** Every CRL read, public or not: one round trip, without the CA's key or the CRL's bytes. */
const CRL_STATE_STATEMENT: PreparedStatement = {
  name: 'crl_state_of_ca',
  text: `SELECT ca.name, ca.certificate_pem IS NOT NULL AS has_certificate,
                s.crl_number, s.this_update, s.next_update, s.is_stale,
                s.crl_der_base64 IS NOT NULL AS is_signed
           FROM certificate_authorities ca LEFT JOIN crl_state s ON s.ca_id = ca.id
          WHERE ca.id = $1`,
};

function summaryOf(row: CrlStateSummary): CrlFreshnessFacts {
  return {
    isStale: row.is_stale,
    isSigned: row.is_signed,
    thisUpdate: row.this_update === null ? null : new Date(row.this_update),
    nextUpdate: row.next_update === null ? null : new Date(row.next_update),
  };
}

export interface SignedCrl {
  der: Buffer;
  crlNumber: bigint;
  thisUpdate: Date;
  nextUpdate: Date;
}

/**
 * CRLs are stored signed and served as reads. A revocation only marks the CA's CRL stale (in its
 * transaction); the next reader re-signs it once under a row lock on crl_state, so a burst of
 * revocations costs one signature, and concurrent readers or instances never reuse a CRL number.
 */
@Injectable()
export class CrlService {
  /** The last signed CRL seen per CA (one per CA, replaced when its number moves). */
  private readonly signed = new Map<number, SignedCrl>();
  private readonly pems = new WeakMap<SignedCrl, string>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly crypto: CryptoService,
    private readonly issuers: IssuerCache,
    private readonly config: AppConfig,
  ) {}

  async initialise(manager: EntityManager, caId: number): Promise<void> {
    await manager.insert(CrlState, { caId, crlNumber: '0', isStale: true });
  }

  async markStale(manager: EntityManager, caId: number): Promise<void> {
    await manager.update(CrlState, { caId }, { isStale: true });
  }

  /**
   * The current CRL of a CA with a certificate, re-signed first when stale or ageing. A read costs
   * one small query; the signed bytes are loaded from the database only when the CRL number moved
   * (a CRL of 100 000 entries is megabytes, and CRL numbers never repeat, even across instances).
   */
  async current(ca: CertificateAuthority): Promise<SignedCrl> {
    const [row] = await this.stateOf(ca.id);
    return this.fromState(ca.id, crlStateIn(row), async () => ca);
  }

  /**
   * The current CRL of CA `caId` if it is published (its certificate issued) under a name that
   * `nameMatches` accepts, else null. The whole CA row is loaded only when the CRL must be re-signed.
   */
  async published(caId: number, nameMatches: (name: string) => boolean): Promise<SignedCrl | null> {
    const [row] = await this.stateOf(caId);
    if (!row || !row.has_certificate || !nameMatches(row.name)) return null;
    const loadCa = () => this.dataSource.getRepository(CertificateAuthority).findOneByOrFail({ id: caId });
    return this.fromState(caId, crlStateIn(row), loadCa);
  }

  /** PEM text of a signed CRL, converted once per CRL. */
  pem(crl: SignedCrl): string {
    let pem = this.pems.get(crl);
    if (pem === undefined) {
      pem = this.crypto.derToPem(crl.der, 'X509 CRL');
      this.pems.set(crl, pem);
    }
    return pem;
  }

  forget(caId: number): void {
    this.signed.delete(caId);
  }

  /** The CAs with a certificate whose CRL is due for re-signing (crlIsDueForRefresh). */
  async dueForRefresh(): Promise<number[]> {
    const rows: (CrlStateSummary & { ca_id: number })[] = await this.dataSource.query(
      `SELECT s.ca_id, s.crl_number, s.this_update, s.next_update, s.is_stale,
              s.crl_der_base64 IS NOT NULL AS is_signed
         FROM crl_state s JOIN certificate_authorities ca ON ca.id = s.ca_id
        WHERE ca.certificate_pem IS NOT NULL
        ORDER BY s.ca_id`,
    );
    const now = new Date();
    return rows.filter((row) => crlIsDueForRefresh(summaryOf(row), now)).map((row) => row.ca_id);
  }

  private stateOf(caId: number): Promise<CrlStateRow[]> {
    return queryPrepared<CrlStateRow>(this.dataSource.manager, CRL_STATE_STATEMENT, [caId]);
  }

  private async fromState(
    caId: number,
    state: CrlStateSummary | undefined,
    loadCa: () => Promise<CertificateAuthority>,
  ): Promise<SignedCrl> {
    if (!state || crlIsDueForRefresh(summaryOf(state)))
      return this.remember(caId, await this.resign(await loadCa()));
    const cached = this.signed.get(caId);
    if (cached && cached.crlNumber === BigInt(state.crl_number)) return cached;
    const stored = await this.dataSource.getRepository(CrlState).findOneByOrFail({ caId });
    return this.remember(caId, toSignedCrl(stored));
  }

  private remember(caId: number, crl: SignedCrl): SignedCrl {
    const cached = this.signed.get(caId);
    if (!cached || cached.crlNumber <= crl.crlNumber) this.signed.set(caId, crl);
    return crl;
  }

  private async resign(ca: CertificateAuthority): Promise<SignedCrl> {
    const issuer = await this.issuers.issuerFor(ca);
    return this.dataSource.transaction(async (manager) => {
      const state = await manager
        .createQueryBuilder(CrlState, 'state')
        .setLock('pessimistic_write')
        .where('state.ca_id = :caId', { caId: ca.id })
        .getOne();
      const locked = state ?? (await this.initialiseLocked(manager, ca.id));
      // Another request or instance may have re-signed while we waited for the lock.
      if (!crlIsDueForRefresh({ ...locked, isSigned: locked.crlDerBase64 !== null }))
        return toSignedCrl(locked);
      const thisUpdate = new Date(Math.floor(Date.now() / 1000) * 1000);
      const nextUpdate = new Date(thisUpdate.getTime() + this.config.crlValidityDays * DAY_MS);
      const crlNumber = BigInt(locked.crlNumber) + 1n;
      const entries = await this.revokedEntries(manager, ca.id);
      const der = await this.crypto.signCrl({ crlNumber, thisUpdate, nextUpdate, entries }, issuer);
      await manager.update(
        CrlState,
        { caId: ca.id },
        {
          crlNumber: crlNumber.toString(),
          crlDerBase64: der.toString('base64'),
          thisUpdate,
          nextUpdate,
          isStale: false,
        },
      );
      return { der, crlNumber, thisUpdate, nextUpdate };
    });
  }

  private async initialiseLocked(manager: EntityManager, caId: number): Promise<CrlState> {
    await manager
      .createQueryBuilder()
      .insert()
      .into(CrlState)
      .values({ caId, crlNumber: '0', isStale: true })
      .orIgnore()
      .execute();
    return manager
      .createQueryBuilder(CrlState, 'state')
      .setLock('pessimistic_write')
      .where('state.ca_id = :caId', { caId })
      .getOneOrFail();
  }

  /** Revoked certificates and revoked child CAs issued by this CA. */
  private async revokedEntries(manager: EntityManager, caId: number): Promise<CrlEntry[]> {
    const rows: { serial_number: string; revoked_at: Date; reason_code: number | null }[] =
      await manager.query(
        `SELECT serial_number, revoked_at, revocation_reason_code AS reason_code
         FROM certificates WHERE issuer_id = $1 AND status = 'revoked'
       UNION ALL
       SELECT serial_number, revoked_at, revocation_reason_code
         FROM certificate_authorities WHERE parent_ca_id = $1 AND status = 'revoked' AND serial_number IS NOT NULL`,
        [caId],
      );
    return rows.map((row) => ({
      serialNumberHex: row.serial_number,
      revokedAt: row.revoked_at,
      reasonCode: row.reason_code,
    }));
  }
}

function toSignedCrl(state: CrlState): SignedCrl {
  return {
    der: Buffer.from(state.crlDerBase64 ?? '', 'base64'),
    crlNumber: BigInt(state.crlNumber),
    thisUpdate: state.thisUpdate ?? new Date(0),
    nextUpdate: state.nextUpdate ?? new Date(0),
  };
}
