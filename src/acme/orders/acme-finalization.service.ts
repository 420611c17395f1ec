import { createPublicKey } from 'node:crypto';
import type { JWK } from 'jose';
import { Injectable } from '@nestjs/common';
import { CertificateIssuanceService } from '../../cert/certificate-issuance.service';
import { CertificateRecordsService } from '../../cert/certificate-records.service';
import { ForbiddenError, InvalidInputError, NotFoundError } from '../../common/errors';
import { CryptoService } from '../../crypto/crypto.service';
import type { ParsedCsr } from '../../crypto/crypto.types';
import { Transactions } from '../../database/transactions';
import { DomainMetrics } from '../../system/domain-metrics';
import { acmePrincipal } from '../accounts/acme-account-principal';
import { acmeNotFound, AcmeProblem } from '../acme-problem';
import { AcmeResponse } from '../acme-response';
import { AccountRequest } from '../jws/acme-request-verifier';
import { acmeCaIdOf } from './acme-new-orders';
import { orderObject } from './acme-objects';
import { AcmeOrder } from './acme-order';
import { AcmeOrderRepository } from './acme-order.repository';
import { AcmeOrderStates } from './acme-order-states';
import { objectPayload, requirePostAsGet } from '../acme-payloads';
import { assertCsrMatchesOrder } from './csr-identifiers';

/** How long a client waits before asking again about an order being finalized (RFC 8555 7.4). */
const PROCESSING_RETRY_AFTER_SECONDS = 1;
const BASE64URL = /^[A-Za-z0-9_-]+$/;
/** How PROFILE_RULES and CONSTRAINT_RULES refuse a name (rather than the subject or the key). */
const NAME_REFUSAL =
  /^san_(dns_names|ip_addresses)\[\d+\] ".*" is not allowed by profile|outside the name constraints/;

/** finalize and the certificate download (RFC 8555 7.4, 7.4.2). */
@Injectable()
export class AcmeFinalizationService {
  constructor(
    private readonly transactions: Transactions,
    private readonly states: AcmeOrderStates,
    private readonly orders: AcmeOrderRepository,
    private readonly issuance: CertificateIssuanceService,
    private readonly records: CertificateRecordsService,
    private readonly crypto: CryptoService,
    private readonly metrics: DomainMetrics,
  ) {}

  /**
   * A ready order's CSR, checked against its identifiers, then issued through the issuance pipeline
   * as the account's principal. The order is processing meanwhile, so a concurrent finalize is answered
   * with the order and Retry-After.
   */
  async finalize(request: AccountRequest, id: number, clientAddress: string | null): Promise<AcmeResponse> {
    const order = await this.ownedOrder(request, id);
    const payload = objectPayload(request.payload, 'finalize');
    if (order.status === 'processing') return this.processing(request, order);
    if (order.status !== 'ready') throw notReady(order);
    const csr = await this.parsedCsr(payload.csr);
    assertCsrMatchesOrder(csr, order.identifiers);
    if (csr.subjectPublicKeyDer.equals(spkiOfJwk(request.account.jwk))) {
      // A leaked TLS key must not also be the key of the account that renews it (as Boulder refuses).
      throw new AcmeProblem(
        'badCSR',
        "The CSR's public key is the account key: use a key of its own for the certificate",
      );
    }
    if (!(await this.transactions.run((tx) => this.orders.startProcessing(tx, id)))) {
      const now = (await this.states.order(id)) ?? order;
      if (now.status === 'processing') return this.processing(request, now);
      throw notReady(now);
    }
    try {
      await this.issuance.signAcmeCsr(
        { user: acmePrincipal(request.account), clientAddress },
        {
          caId: acmeCaIdOf(request.profile),
          profileId: request.profile.id,
          csr,
          auditDetail: { acme_order_id: id, acme_account_id: request.account.id },
          link: async (tx, certificate) => {
            if (!(await this.orders.markValid(tx, id, certificate.id))) {
              throw new AcmeProblem('orderNotReady', `Order ${id} expired while it was being finalized`);
            }
          },
        },
      );
    } catch (error) {
      const refusal = refusalProblem(error);
      if (refusal) {
        await this.orders.markRefused(id, refusal.toDocument());
        throw refusal;
      }
      await this.orders.backToReady(id);
      throw error;
    }
    this.metrics.acmeIssuance.observe((Date.now() - order.createdAt.getTime()) / 1000);
    return this.orderResponse(request, (await this.orders.findById(id)) ?? order);
  }

  /** The order (POST-as-GET, RFC 8555 7.1.3), its expiry decided now. */
  async order(request: AccountRequest, id: number): Promise<AcmeResponse> {
    requirePostAsGet(request.payload, 'An order');
    const order = await this.ownedOrder(request, id);
    return order.status === 'processing'
      ? this.processing(request, order)
      : this.orderResponse(request, order);
  }

  /**
   * RFC 8555 7.4.2: the leaf and the CAs above it, the self-signed root left out, for the account
   * that ordered it under this ACME server's profile only.
   */
  async certificate(request: AccountRequest, id: number): Promise<AcmeResponse> {
    requirePostAsGet(request.payload, 'A certificate');
    const certificate = await this.records
      .findAllowed(acmePrincipal(request.account), id, 'read')
      // Not found or not its own: a 404; anything else (the database) stays a server error to retry.
      .catch((error: unknown) => {
        if (error instanceof NotFoundError || error instanceof ForbiddenError) return null;
        throw error;
      });
    if (
      !certificate ||
      certificate.createdByUserId !== request.account.id ||
      certificate.profileId !== request.profile.id
    ) {
      throw acmeNotFound(`Certificate ${id}`);
    }
    const chain = await this.records.issuerChainPems(certificate.issuerId);
    return {
      status: 200,
      contentType: 'application/pem-certificate-chain',
      body: [certificate.certificatePem, ...chain].map(withNewline).join(''),
    };
  }

  private async ownedOrder(request: AccountRequest, id: number): Promise<AcmeOrder> {
    const order = await this.states.order(id);
    if (!order || order.accountId !== request.account.id) throw acmeNotFound(`Order ${id}`);
    return order;
  }

  private async parsedCsr(value: unknown): Promise<ParsedCsr> {
    if (typeof value !== 'string' || !BASE64URL.test(value)) {
      throw new AcmeProblem(
        'malformed',
        '"csr" must be a DER CSR in base64url without padding (RFC 8555 7.4)',
      );
    }
    try {
      return await this.crypto.parseCsr(Buffer.from(value, 'base64url'));
    } catch (error) {
      if (error instanceof InvalidInputError) throw new AcmeProblem('badCSR', error.message);
      throw error;
    }
  }

  private orderResponse(request: AccountRequest, order: AcmeOrder): AcmeResponse {
    return { status: 200, location: request.urls.order(order.id), body: orderObject(request.urls, order) };
  }

  private processing(request: AccountRequest, order: AcmeOrder): AcmeResponse {
    return { ...this.orderResponse(request, order), retryAfterSeconds: PROCESSING_RETRY_AFTER_SECONDS };
  }
}

function notReady(order: AcmeOrder): AcmeProblem {
  return new AcmeProblem(
    'orderNotReady',
    `Order ${order.id} is ${order.status}: it can be finalized once every authorization is valid (status "ready")`,
  );
}

function withNewline(pem: string): string {
  return pem.endsWith('\n') ? pem : `${pem}\n`;
}

/** The issuance pipeline's refusal of this CSR as the problem the order keeps; null for other failures. */
function refusalProblem(error: unknown): AcmeProblem | null {
  if (error instanceof AcmeProblem) return error;
  if (error instanceof ForbiddenError) return new AcmeProblem('unauthorized', error.message);
  if (error instanceof InvalidInputError) {
    return new AcmeProblem(NAME_REFUSAL.test(error.message) ? 'rejectedIdentifier' : 'badCSR', error.message);
  }
  return null;
}

function spkiOfJwk(jwk: JWK): Buffer {
  return createPublicKey({ key: { ...jwk }, format: 'jwk' }).export({ type: 'spki', format: 'der' });
}
