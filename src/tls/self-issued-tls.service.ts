import { Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { Server as TlsServer } from 'node:tls';
import { caSlug } from '../ca/ca-slug';
import { CaService } from '../ca/ca.service';
import { CreateCaDto } from '../ca/dto/create-ca.dto';
import { CertificateIssuanceService } from '../cert/certificate-issuance.service';
import { CertificateRecordsService } from '../cert/certificate-records.service';
import type { Certificate } from '../cert/certificate.entity';
import { NotFoundError } from '../common/errors';
import { AppConfig } from '../config/app-config';
import { InvalidConfigError } from '../config/config-parsers';
import { Transaction } from '../database/transactions';
import { TlsConfig } from '../config/tls-config';
import { renewalTime, sameNames } from './renewal';
import { ServiceTlsRepository } from './service-tls.repository';

type SelfIssuedConfig = Extract<TlsConfig, { mode: 'self-issued' }>;

interface KeyedCertificate {
  certificate: Certificate;
  privateKeyPem: string;
}

/** Another instance stored its certificate (or root) first: use that one. */
class LostRace extends Error {}

/** How often each instance looks for a certificate to renew or one another instance renewed. */
const CHECK_INTERVAL_MS = 60_000;
/** A root the service made is reused only while it has more than this left to live. */
const DAY_MS = 24 * 60 * 60 * 1000;

/**
 * TLS_SELF_ISSUED: the HTTPS server's certificate is one this service issues from its own CA, a
 * normal certificate (stored, audited, revocable, on the CRL). Reused across restarts while valid
 * and its names are the configured ones; renewed when two thirds of its lifetime are past or when
 * it is revoked, and swapped into the running server (setSecureContext) without a restart.
 * Several instances on one database store one certificate: the store re-checks under a lock.
 */
@Injectable()
export class SelfIssuedTls implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('TLS');
  private timer: NodeJS.Timeout | null = null;
  private servedId: number | null = null;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    private readonly config: AppConfig,
    private readonly adapterHost: HttpAdapterHost,
    private readonly issuance: CertificateIssuanceService,
    private readonly certs: CertificateRecordsService,
    private readonly cas: CaService,
    private readonly repository: ServiceTlsRepository,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.config.tls.mode !== 'self-issued') return;
    this.certs.onRevocation(async (_manager, _auth, certificate) =>
      certificate.id === this.servedId ? () => void this.refreshLogged() : undefined,
    );
    await this.refresh();
    this.timer = setInterval(() => void this.refreshLogged(), CHECK_INTERVAL_MS);
    this.timer.unref();
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.queue;
  }

  /**
   * Serves a certificate that is good at `now`, issuing one when needed; returns the one served.
   * Calls run one after another.
   */
  refresh(now: Date = new Date()): Promise<Certificate> {
    const next = this.queue.then(() => this.refreshNow(now));
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async refreshLogged(): Promise<void> {
    try {
      await this.refresh();
    } catch (error) {
      this.logger.error(
        { err: error },
        'renewing the self-issued TLS certificate failed; still serving the old one',
      );
    }
  }

  private async refreshNow(now: Date): Promise<Certificate> {
    const tls = this.settings();
    const issuerId = await this.wantedIssuerId(tls);
    const latestId = await this.repository.latestCertificateId();
    const current =
      (await this.usable(tls, issuerId, latestId, now)) ?? (await this.issue(tls, issuerId, latestId, now));
    if (current.certificate.id !== this.servedId) {
      const chain = await this.certs.issuerChainPems(current.certificate.issuerId);
      this.server().setSecureContext({
        cert: [current.certificate.certificatePem, ...chain].map((pem) => pem.trim() + '\n').join(''),
        key: current.privateKeyPem,
      });
      this.servedId = current.certificate.id;
      this.logger.log(
        {
          certificate_id: current.certificate.id,
          serial_number: current.certificate.serialNumber,
          not_after: current.certificate.notAfter.toISOString(),
          renew_after: renewalTime(current.certificate).toISOString(),
        },
        'serving the self-issued TLS certificate',
      );
    }
    return current.certificate;
  }

  /** The newest root the service made that is active and valid for more than a day. */
  private async latestUsableRootId(tx?: Transaction): Promise<number | null> {
    const usableAfter = Date.now() + DAY_MS;
    for (const id of await this.repository.rootIdsNewestFirst(tx)) {
      const ca = await this.cas.findById(id, tx);
      if (ca?.status === 'active' && ca.notAfter !== null && ca.notAfter.getTime() > usableAfter) return id;
    }
    return null;
  }

  /** The configured CA, or the newest usable root the service made for itself (null: none yet). */
  private async wantedIssuerId(tls: SelfIssuedConfig): Promise<number | null> {
    if (tls.issuer === null) return this.latestUsableRootId();
    const id = /^\d+$/.test(tls.issuer) ? Number(tls.issuer) : Number(/-(\d+)$/.exec(tls.issuer)?.[1] ?? NaN);
    const ca = Number.isSafeInteger(id) ? await this.cas.findSigningCa(id).catch(notFoundAsNull) : null;
    if (!ca || (!/^\d+$/.test(tls.issuer) && caSlug(ca.name, ca.id) !== tls.issuer)) {
      throw new InvalidConfigError('TLS_SELF_ISSUED_CA', `no CA has the id or slug "${tls.issuer}"`);
    }
    return ca.id;
  }

  private async usable(
    tls: SelfIssuedConfig,
    issuerId: number | null,
    certificateId: number | null,
    now: Date,
  ): Promise<KeyedCertificate | null> {
    if (certificateId === null || issuerId === null) return null;
    const stored = await this.certs.serviceCertificate(certificateId);
    if (!stored) return null;
    const { certificate } = stored;
    const good =
      certificate.status === 'valid' &&
      certificate.issuerId === issuerId &&
      now < renewalTime(certificate) &&
      sameNames(certificate.sanDnsNames, tls.dnsNames) &&
      sameNames(certificate.sanIpAddresses, tls.ipAddresses);
    return good ? stored : null;
  }

  private async issue(
    tls: SelfIssuedConfig,
    wantedIssuerId: number | null,
    seenLatestId: number | null,
    now: Date,
  ): Promise<KeyedCertificate> {
    const issuerId = wantedIssuerId ?? (await this.createRoot());
    try {
      const issued = await this.issuance.issueServiceCertificate(
        {
          caId: issuerId,
          commonName: tls.dnsNames[0] ?? tls.ipAddresses[0],
          san: { dns: tls.dnsNames, ip: tls.ipAddresses, email: [], uri: [] },
          validDays: tls.validDays,
          purpose: 'service_tls',
        },
        async (tx, certificate) => {
          await this.repository.lock(tx);
          if ((await this.repository.latestCertificateId(tx)) !== seenLatestId) throw new LostRace();
          await this.repository.addCertificate(tx, certificate.id);
        },
      );
      this.logger.log(
        {
          certificate_id: issued.certificate.id,
          ca_id: issuerId,
          names: [...tls.dnsNames, ...tls.ipAddresses],
        },
        'issued the self-issued TLS certificate',
      );
      return issued;
    } catch (error) {
      if (!(error instanceof LostRace)) throw error;
      const winner = await this.usable(tls, issuerId, await this.repository.latestCertificateId(), now);
      if (!winner)
        throw new Error('another instance stored a TLS certificate that does not fit this configuration');
      return winner;
    }
  }

  /** "<host> TLS root (date)": a root of its own, path length 0, unowned (superusers only). */
  private async createRoot(): Promise<number> {
    const host = new URL(this.config.publicBaseUrl).hostname.replace(/^\[|\]$/g, '');
    const name = `${host} TLS root (${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC)`;
    const dto = Object.assign(new CreateCaDto(), {
      name,
      subject_dn: `CN=${host} TLS root`,
      description: 'Made by the service to issue its own HTTPS certificate (TLS_SELF_ISSUED)',
      key_type: 'ec',
      key_size: 256,
      path_length: 0,
    });
    try {
      const root = await this.cas.createServiceRoot(dto, async (tx, ca) => {
        await this.repository.lock(tx);
        if ((await this.latestUsableRootId(tx)) !== null) throw new LostRace();
        await this.repository.addRoot(tx, ca.id);
      });
      this.logger.log(
        { ca_id: root.id, name, fingerprint_sha256: root.fingerprintSha256 },
        'created the TLS root CA',
      );
      return root.id;
    } catch (error) {
      // LostRace, or the unique name of the root another instance was committing at the same minute.
      const winner = await this.latestUsableRootId();
      if (winner === null) throw error;
      return winner;
    }
  }

  private settings(): SelfIssuedConfig {
    const { tls } = this.config;
    if (tls.mode !== 'self-issued') throw new Error('TLS_SELF_ISSUED is not enabled');
    return tls;
  }

  private server(): TlsServer {
    const server: unknown = this.adapterHost.httpAdapter.getHttpServer();
    if (!(server instanceof TlsServer))
      throw new Error('TLS_SELF_ISSUED needs the HTTPS server (see httpsOptionsFor)');
    return server;
  }
}

function notFoundAsNull(error: unknown): null {
  if (error instanceof NotFoundError) return null;
  throw error;
}
