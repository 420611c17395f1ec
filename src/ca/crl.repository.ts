import { Injectable } from '@nestjs/common';
import { CrlEntry } from '../crypto/crypto.types';
import { PreparedStatement, queryPrepared } from '../database/prepared-statement';
import { entityManagerOf, Transaction, Transactions } from '../database/transactions';
import { CrlState } from './crl-state.entity';

/** What a CRL read needs of crl_state: no CRL bytes. */
export interface CrlStateSummary {
  crl_number: string;
  this_update: Date | string | null;
  next_update: Date | string | null;
  is_stale: boolean;
  is_signed: boolean;
}

/** A CA joined to its CRL state: the CRL columns are null when the CA has no crl_state row yet. */
export type CrlStateRow = { name: string; has_certificate: boolean } & (
  CrlStateSummary | { [column in Exclude<keyof CrlStateSummary, 'is_signed'>]: null }
);

/** Every CRL read, public or not: one round trip, without the CA's key or the CRL's bytes. */
const CRL_STATE_STATEMENT: PreparedStatement = {
  name: 'crl_state_of_ca',
  text: `SELECT ca.name, ca.certificate_pem IS NOT NULL AS has_certificate,
                s.crl_number, s.this_update, s.next_update, s.is_stale,
                s.crl_der_base64 IS NOT NULL AS is_signed
           FROM certificate_authorities ca LEFT JOIN crl_state s ON s.ca_id = ca.id
          WHERE ca.id = $1`,
};

/** The only code that reads and writes crl_state (the CA module's CRL bookkeeping). */
@Injectable()
export class CrlRepository {
  constructor(private readonly transactions: Transactions) {}

  async initialise(tx: Transaction, caId: number): Promise<void> {
    await entityManagerOf(tx).insert(CrlState, { caId, crlNumber: '0', isStale: true });
  }

  async markStale(tx: Transaction, caId: number): Promise<void> {
    await entityManagerOf(tx).update(CrlState, { caId }, { isStale: true });
  }

  /** The CA's name, whether it has a certificate, and its CRL state (prepared: on every CRL read). */
  stateOf(caId: number, tx: Transaction = this.transactions.none): Promise<CrlStateRow[]> {
    return queryPrepared<CrlStateRow>(entityManagerOf(tx), CRL_STATE_STATEMENT, [caId]);
  }

  /** The CRL state of every CA with a certificate, by CA id. */
  statesOfCertifiedCas(
    tx: Transaction = this.transactions.none,
  ): Promise<(CrlStateSummary & { ca_id: number })[]> {
    return entityManagerOf(tx).query(
      `SELECT s.ca_id, s.crl_number, s.this_update, s.next_update, s.is_stale,
              s.crl_der_base64 IS NOT NULL AS is_signed
         FROM crl_state s JOIN certificate_authorities ca ON ca.id = s.ca_id
        WHERE ca.certificate_pem IS NOT NULL
        ORDER BY s.ca_id`,
    );
  }

  /** The stored CRL of a CA (with its bytes). */
  find(caId: number, tx: Transaction = this.transactions.none): Promise<CrlState> {
    return entityManagerOf(tx).findOneByOrFail(CrlState, { caId });
  }

  /** The CA's crl_state row locked FOR UPDATE, created first when missing. */
  async lockOrCreate(tx: Transaction, caId: number): Promise<CrlState> {
    const manager = entityManagerOf(tx);
    const state = await manager
      .createQueryBuilder(CrlState, 'state')
      .setLock('pessimistic_write')
      .where('state.ca_id = :caId', { caId })
      .getOne();
    if (state) return state;
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

  async saveSigned(
    tx: Transaction,
    caId: number,
    crl: { crlNumber: bigint; der: Buffer; thisUpdate: Date; nextUpdate: Date },
  ): Promise<void> {
    await entityManagerOf(tx).update(
      CrlState,
      { caId },
      {
        crlNumber: crl.crlNumber.toString(),
        crlDerBase64: crl.der.toString('base64'),
        thisUpdate: crl.thisUpdate,
        nextUpdate: crl.nextUpdate,
        isStale: false,
      },
    );
  }

  /** Revoked child CAs of this CA (its CRL's entries for CAs; certificates come from the cert module). */
  async revokedChildCas(tx: Transaction, caId: number): Promise<CrlEntry[]> {
    const rows: { serial_number: string; revoked_at: Date; reason_code: number | null }[] =
      await entityManagerOf(tx).query(
        `SELECT serial_number, revoked_at, revocation_reason_code AS reason_code
           FROM certificate_authorities WHERE parent_ca_id = $1 AND status = 'revoked' AND serial_number IS NOT NULL`,
        [caId],
      );
    return rows.map((row) => ({
      serialNumberHex: row.serial_number,
      revokedAt: row.revoked_at,
      reasonCode: row.reason_code,
    }));
  }

  /** Each CA's current CRL nextUpdate, where one was signed. */
  async nextUpdates(): Promise<{ caId: number; nextUpdate: Date }[]> {
    const rows: { ca_id: number; next_update: Date | string }[] = await entityManagerOf(
      this.transactions.none,
    ).query('SELECT ca_id, next_update FROM crl_state WHERE next_update IS NOT NULL');
    return rows.map((row) => ({ caId: Number(row.ca_id), nextUpdate: new Date(row.next_update) }));
  }
}
