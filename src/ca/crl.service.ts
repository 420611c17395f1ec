import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { CryptoService } from '../crypto/crypto.service';
import { CrlEntry } from '../crypto/crypto.types';
import { Transaction, Transactions } from '../database/transactions';
import { CertificateAuthority } from './certificate-authority.entity';
import { CertificateAuthorityRepository } from './certificate-authority.repository';
import { CrlFreshnessFacts, crlIsDueForRefresh } from './crl-freshness';
import { CrlState } from './crl-state.entity';
import { CrlRepository, CrlStateRow, CrlStateSummary } from './crl.repository';
import { IssuerCache } from './issuer-cache';

const DAY_MS = 86_400_000;

function crlStateIn(row: CrlStateRow | undefined): CrlStateSummary | undefined {
  return row?.crl_number === null ? undefined : row;
}

function summaryOf(row: CrlStateSummary): CrlFreshnessFacts {
  return {
    isStale: row.is_stale,
    isSigned: row.is_signed,
    thisUpdate: row.this_update === null ? null : new Date(row.this_update),
    nextUpdate: row.next_update === null ? null : new Date(row.next_update),
  };
}

/**
 * The revoked certificates (not CAs) a CA issued, in the signing transaction: certificates are the
 * cert module's rows, so it supplies them (CertificateRecordsService registers this at start-up).
 */
export type RevokedCertificatesSource = (caId: number, tx: Transaction) => Promise<CrlEntry[]>;

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
  private revokedCertificates: RevokedCertificatesSource | null = null;

  constructor(
    private readonly transactions: Transactions,
    private readonly repository: CrlRepository,
    private readonly cas: CertificateAuthorityRepository,
    private readonly crypto: CryptoService,
    private readonly issuers: IssuerCache,
    private readonly config: AppConfig,
  ) {}

  /** Where the revoked certificates of a CA come from (the cert module, at start-up). */
  useRevokedCertificates(source: RevokedCertificatesSource): void {
    this.revokedCertificates = source;
  }

  initialise(tx: Transaction, caId: number): Promise<void> {
    return this.repository.initialise(tx, caId);
  }

  markStale(tx: Transaction, caId: number): Promise<void> {
    return this.repository.markStale(tx, caId);
  }

  /**
   * The current CRL of a CA with a certificate, re-signed first when stale or ageing. A read costs
   * one small query; the signed bytes are loaded from the database only when the CRL number moved
   * (a CRL of 100 000 entries is megabytes, and CRL numbers never repeat, even across instances).
   */
  async current(ca: CertificateAuthority): Promise<SignedCrl> {
    const [row] = await this.repository.stateOf(ca.id);
    return this.fromState(ca.id, crlStateIn(row), async () => ca);
  }

  /**
   * The current CRL of CA `caId` if it is published (its certificate issued) under a name that
   * `nameMatches` accepts, else null. The whole CA row is loaded only when the CRL must be re-signed.
   */
  async published(caId: number, nameMatches: (name: string) => boolean): Promise<SignedCrl | null> {
    const [row] = await this.repository.stateOf(caId);
    if (!row || !row.has_certificate || !nameMatches(row.name)) return null;
    const loadCa = () => this.cas.findByIdOrFail(caId);
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

  /** For the metrics gauges: each CA's current CRL nextUpdate. */
  nextUpdates(): Promise<{ caId: number; nextUpdate: Date }[]> {
    return this.repository.nextUpdates();
  }

  forget(caId: number): void {
    this.signed.delete(caId);
  }

  /** The CAs with a certificate whose CRL is due for re-signing (crlIsDueForRefresh). */
  async dueForRefresh(): Promise<number[]> {
    const rows = await this.repository.statesOfCertifiedCas();
    const now = new Date();
    return rows.filter((row) => crlIsDueForRefresh(summaryOf(row), now)).map((row) => row.ca_id);
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
    const stored = await this.repository.find(caId);
    return this.remember(caId, toSignedCrl(stored));
  }

  private remember(caId: number, crl: SignedCrl): SignedCrl {
    const cached = this.signed.get(caId);
    if (!cached || cached.crlNumber <= crl.crlNumber) this.signed.set(caId, crl);
    return crl;
  }

  private async resign(ca: CertificateAuthority): Promise<SignedCrl> {
    const issuer = await this.issuers.issuerFor(ca);
    const revokedCertificates = this.revokedCertificates;
    // A CRL without the certificates' entries would unrevoke them: never sign one.
    if (!revokedCertificates) throw new Error('no source of revoked certificates was registered');
    return this.transactions.run(async (tx) => {
      const locked = await this.repository.lockOrCreate(tx, ca.id);
      // Another request or instance may have re-signed while we waited for the lock.
      if (!crlIsDueForRefresh({ ...locked, isSigned: locked.crlDerBase64 !== null }))
        return toSignedCrl(locked);
      const thisUpdate = new Date(Math.floor(Date.now() / 1000) * 1000);
      const nextUpdate = new Date(thisUpdate.getTime() + this.config.crlValidityDays * DAY_MS);
      const crlNumber = BigInt(locked.crlNumber) + 1n;
      // Revoked certificates and revoked child CAs issued by this CA.
      const entries = [
        ...(await revokedCertificates(ca.id, tx)),
        ...(await this.repository.revokedChildCas(tx, ca.id)),
      ];
      const der = await this.crypto.signCrl({ crlNumber, thisUpdate, nextUpdate, entries }, issuer);
      const signed = { der, crlNumber, thisUpdate, nextUpdate };
      await this.repository.saveSigned(tx, ca.id, signed);
      return signed;
    });
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
