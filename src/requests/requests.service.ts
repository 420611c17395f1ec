import { Injectable, OnModuleInit } from '@nestjs/common';
import { authorize } from '../access/authorize';
import { Actor, RequestAction } from '../access/policy';
import { resource } from '../access/resources';
import { AuditAction } from '../audit/audit-action';
import { AuditService } from '../audit/audit.service';
import { CertificateIssuanceService } from '../cert/certificate-issuance.service';
import type { Certificate } from '../cert/certificate.entity';
import { CertificateRecordsService, RevokingContext } from '../cert/certificate-records.service';
import { RevokeCertificateDto } from '../common/revoke.dto';
import { CertificateChainDto } from '../common/certificate-chain.dto';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/errors';
import { JsonObject } from '../common/json';
import { AuthContext } from '../common/request-context';
import { CryptoService } from '../crypto/crypto.service';
import { Transaction, Transactions } from '../database/transactions';
import { DomainMetrics } from '../system/domain-metrics';
import { CertificateRequest, REQUEST_STATUSES, RequestStatus } from './certificate-request.entity';
import { CertificateRequestRepository } from './certificate-request.repository';
import { RejectRequestDto, RequestQueryDto, SignRequestDto, SubmitRequestDto } from './dto/request.dto';
import { RequestResponseDto, SignedRequestResponseDto, toRequestResponse } from './dto/request-response.dto';

type RequestEvent = 'sign' | 'reject' | 'upload_certificate' | 'remove_certificate' | 'revoke' | 'delete';

const AUDIT_ACTION: Record<RequestEvent | 'submit', AuditAction> = {
  submit: 'csr_submit',
  sign: 'csr_sign',
  reject: 'csr_reject',
  upload_certificate: 'csr_upload_certificate',
  remove_certificate: 'csr_remove_certificate',
  revoke: 'csr_revoke',
  delete: 'csr_delete',
};

/** The states each event starts from; anything else is a 409 naming the current state. */
const ALLOWED_FROM: Record<RequestEvent, readonly RequestStatus[]> = {
  sign: ['outstanding'],
  reject: ['outstanding'],
  upload_certificate: ['outstanding'],
  remove_certificate: ['active'],
  revoke: ['active'],
  delete: ['outstanding', 'active', 'rejected', 'revoked'],
};

/** The policy action each event is authorised as (the refusals' wording is in access/refusals.ts). */
const PERMISSION: Record<RequestEvent, RequestAction> = {
  sign: 'fulfil_request',
  reject: 'fulfil_request',
  upload_certificate: 'fulfil_request',
  remove_certificate: 'fulfil_request',
  revoke: 'revoke_request',
  delete: 'delete_request',
};

const OUTCOME: Record<RequestEvent, string> = {
  sign: 'be signed',
  reject: 'be rejected',
  upload_certificate: 'receive a certificate',
  remove_certificate: 'have their certificate removed',
  revoke: 'be revoked',
  delete: 'be deleted',
};

/** The certificate-request workflow: outstanding → active | rejected; active → outstanding | revoked. */
@Injectable()
export class RequestsService implements OnModuleInit {
  constructor(
    private readonly transactions: Transactions,
    private readonly requests: CertificateRequestRepository,
    private readonly crypto: CryptoService,
    private readonly issuance: CertificateIssuanceService,
    private readonly certificates: CertificateRecordsService,
    private readonly audit: AuditService,
    private readonly metrics: DomainMetrics,
  ) {}

  /** Revoking a request's certificate, by either route, revokes the request in the same transaction. */
  onModuleInit(): void {
    this.certificates.onRevocation(async (tx, auth, certificate) => {
      const requests = await this.requests.lockActiveByCertificate(tx, certificate.id);
      for (const request of requests) {
        Object.assign(request, {
          status: 'revoked',
          revokedAt: certificate.revokedAt,
          handledByUserId: auth.user?.id ?? null,
        });
        await this.requests.save(tx, request);
        await this.record(tx, auth, 'revoke', request, {
          certificate_id: certificate.id,
          serial_number: certificate.serialNumber,
          reason_code: certificate.revocationReasonCode,
        });
      }
      if (requests.length > 0)
        return () => this.metrics.requestEvents.inc({ action: 'revoke' }, requests.length);
    });
  }

  async submit(auth: AuthContext, dto: SubmitRequestDto): Promise<RequestResponseDto> {
    authorize(auth.user, 'submit_request');
    const csr = await this.crypto.parseCsr(dto.csr);
    const { keySpec } = csr; // keySpecOf refused unsupported keys; the RSA exponent is checked by NAME_RULES
    const certificateType = dto.certificate_type ?? 'server';
    this.issuance.checkedSans({ subject: csr.subject, san: csr.san, certificateType, keySpec });
    const request = await this.transactions.run(async (tx) => {
      const created = await this.requests.create(tx, {
        status: 'outstanding',
        csrPem: this.crypto.derToPem(csr.der, 'CERTIFICATE REQUEST'),
        subjectDn: this.crypto.formatDistinguishedName(csr.subject),
        commonName: this.crypto.commonName(csr.subject),
        sanDnsNames: csr.san.dns,
        sanIpAddresses: csr.san.ip,
        sanEmailAddresses: csr.san.email,
        keyType: keySpec.type,
        keySize: keySpec.size,
        certificateType,
        comment: dto.comment ?? null,
        organizationId: auth.user.organizationId,
        submittedByUserId: auth.user.id,
      });
      await this.record(tx, auth, 'submit', created, { subject_dn: created.subjectDn });
      return created;
    });
    this.metrics.requestEvents.inc({ action: 'submit' });
    return toRequestResponse(request);
  }

  /** For the metrics gauges: requests by status, every status present (zero when none). */
  async statusCounts(): Promise<{ status: string; count: number }[]> {
    const counted = new Map((await this.requests.countByStatus()).map((row) => [row.status, row.count]));
    return REQUEST_STATUSES.map((status) => ({ status, count: counted.get(status) ?? 0 }));
  }

  async list(actor: Actor, query: RequestQueryDto): Promise<RequestResponseDto[]> {
    const rows = await this.requests.list(actor, query);
    return rows.map(toRequestResponse);
  }

  async get(actor: Actor, id: number): Promise<RequestResponseDto> {
    return toRequestResponse(await this.findReadable(actor, id));
  }

  async csrPem(actor: Actor, id: number): Promise<string> {
    return (await this.findReadable(actor, id)).csrPem;
  }

  async sign(auth: AuthContext, id: number, dto: SignRequestDto): Promise<SignedRequestResponseDto> {
    // Checked before the (slow) signature, and again under the row lock before anything is stored.
    const request = await this.findReadable(auth.user, id);
    this.assertMay(auth.user, 'sign', request);
    const csr = await this.crypto.parseCsr(request.csrPem);
    const overrides = {
      subject_dn: dto.subject_dn,
      common_name: dto.common_name,
      san_dns_names: dto.san_dns_names,
      san_ip_addresses: dto.san_ip_addresses,
      san_email_addresses: dto.san_email_addresses,
      san_uris: dto.san_uris,
      issuer_lifetime: dto.issuer_lifetime,
    };
    const signed = await this.issuance.signRequestCsr(auth, {
      caId: dto.ca_id,
      csr,
      certificateType: dto.certificate_type ?? request.certificateType,
      validDays: dto.valid_days,
      overrides,
      profile: dto.profile,
      requestId: id,
      link: async (tx, certificate) => {
        const locked = await this.lockedForEvent(tx, auth.user, id, 'sign');
        Object.assign(locked, {
          status: 'active',
          certificateId: certificate.id,
          issuerId: certificate.issuerId,
          signedExternally: false,
          certificatePem: certificate.certificatePem,
          certificateChainPem: null,
          serialNumber: certificate.serialNumber,
          notBefore: certificate.notBefore,
          notAfter: certificate.notAfter,
          validityClamped: certificate.validityClamped,
          handledByUserId: auth.user?.id ?? null,
        });
        await this.requests.save(tx, locked);
        const changes = overridesAgainstCsr(request, csr.san.uri, certificate, dto);
        await this.record(tx, auth, 'sign', locked, {
          certificate_id: certificate.id,
          ca_id: certificate.issuerId,
          serial_number: certificate.serialNumber,
          ...(certificate.profileId !== null
            ? { profile_id: certificate.profileId, profile_name: certificate.profileName }
            : {}),
          ...(changes ? { overrides: changes } : {}),
        });
        return locked;
      },
    });
    this.metrics.requestEvents.inc({ action: 'sign' });
    return { ...toRequestResponse(signed), chain_pem: await this.certificates.issuingChainPem(dto.ca_id) };
  }

  reject(auth: AuthContext, id: number, dto: RejectRequestDto): Promise<RequestResponseDto> {
    return this.transition(auth, id, 'reject', async (request) => {
      request.status = 'rejected';
      request.rejectionReason = dto.reason ?? null;
      return { reason: request.rejectionReason };
    });
  }

  async uploadCertificate(
    auth: AuthContext,
    id: number,
    dto: CertificateChainDto,
  ): Promise<RequestResponseDto> {
    const request = await this.findReadable(auth.user, id);
    this.assertMay(auth.user, 'upload_certificate', request);
    const chain = await this.crypto.parseLinkedChain(dto.certificate_chain);
    const csr = await this.crypto.parseCsr(request.csrPem);
    const [leaf] = chain;
    if (!leaf.publicKey.equals(csr.publicKey)) {
      throw new InvalidInputError("The certificate's public key is not the key of the request's CSR");
    }
    if (leaf.isCa) {
      throw new InvalidInputError(
        "A request's certificate must be an end-entity certificate, not a CA certificate",
      );
    }
    if (leaf.notAfter <= new Date()) throw new InvalidInputError('The certificate has expired');
    return this.transition(auth, id, 'upload_certificate', async (locked) => {
      Object.assign(locked, {
        status: 'active',
        certificateId: null,
        issuerId: null,
        signedExternally: true,
        certificatePem: this.crypto.derToPem(leaf.der, 'CERTIFICATE'),
        certificateChainPem: chain.map((item) => this.crypto.derToPem(item.der, 'CERTIFICATE')).join(''),
        serialNumber: leaf.serialNumberHex,
        notBefore: leaf.notBefore,
        notAfter: leaf.notAfter,
        validityClamped: false,
      });
      return { serial_number: leaf.serialNumberHex, chain_length: chain.length };
    });
  }

  removeCertificate(auth: AuthContext, id: number): Promise<RequestResponseDto> {
    return this.transition(auth, id, 'remove_certificate', async (request) => {
      const detail = { certificate_id: request.certificateId, serial_number: request.serialNumber };
      Object.assign(request, {
        status: 'outstanding',
        certificateId: null,
        issuerId: null,
        signedExternally: false,
        certificatePem: null,
        certificateChainPem: null,
        serialNumber: null,
        notBefore: null,
        notAfter: null,
        validityClamped: false,
      });
      return detail;
    });
  }

  async revoke(auth: AuthContext, id: number, dto: RevokeCertificateDto): Promise<RequestResponseDto> {
    const reasonCode = this.certificates.reasonCodeOf(dto);
    const request = await this.findReadable(auth.user, id);
    this.assertMay(auth.user, 'revoke', request);
    const certificateId = this.revocableCertificateId(request);
    // Certificate first, then request: the order POST /certificates/{id}/revoke locks them in.
    const { revoked, afterCommit } = await this.transactions.run(async (tx) => {
      const certificate = await this.certificates.lockedCertificate(tx, certificateId);
      const locked = await this.lockedForEvent(tx, auth.user, id, 'revoke');
      if (this.revocableCertificateId(locked) !== certificate.id) {
        throw new ConflictError(`The certificate of request ${id} changed meanwhile; read it again`);
      }
      const followUps = await this.certificates.revokeWithin(tx, auth, certificate, dto, {
        certificate_request_id: id,
      });
      return { revoked: await this.requests.findByIdOrFail(tx, id), afterCommit: followUps };
    });
    this.certificates.countRevocation(reasonCode);
    afterCommit.forEach((followUp) => followUp());
    return toRequestResponse(revoked);
  }

  private revocableCertificateId(request: CertificateRequest): number {
    if (request.signedExternally) {
      throw new ConflictError(
        `The certificate of request ${request.id} was signed outside this service; revoke it with its issuer`,
      );
    }
    if (request.certificateId === null) {
      throw new ConflictError(`The certificate of request ${request.id} no longer exists here`);
    }
    return request.certificateId;
  }

  async remove(auth: AuthContext, id: number): Promise<void> {
    await this.transactions.run(async (tx) => {
      const request = await this.lockedForEvent(tx, auth.user, id, 'delete');
      await this.requests.delete(tx, id);
      await this.record(tx, auth, 'delete', request, {
        status: request.status,
        certificate_id: request.certificateId,
      });
    });
    this.metrics.requestEvents.inc({ action: 'delete' });
  }

  /** Locks the row, checks permission and state, applies `change`, stores it and its audit row together. */
  private async transition(
    auth: AuthContext,
    id: number,
    event: RequestEvent,
    change: (request: CertificateRequest) => Promise<JsonObject>,
  ): Promise<RequestResponseDto> {
    const request = await this.transactions.run(async (tx) => {
      const locked = await this.lockedForEvent(tx, auth.user, id, event);
      const detail = await change(locked);
      locked.handledByUserId = auth.user.id;
      await this.requests.save(tx, locked);
      await this.record(tx, auth, event, locked, detail);
      return locked;
    });
    this.metrics.requestEvents.inc({ action: event });
    return toRequestResponse(request);
  }

  private async lockedForEvent(
    tx: Transaction,
    actor: Actor,
    id: number,
    event: RequestEvent,
  ): Promise<CertificateRequest> {
    const request = await this.requests.lockForUpdate(tx, id);
    if (!request) throw new NotFoundError(`Certificate request ${id} not found`);
    authorize(actor, 'read_request', resource.certificateRequest(request));
    this.assertMay(actor, event, request);
    return request;
  }

  /** Permission first, then state, so a caller without rights learns nothing about the state. */
  private assertMay(actor: Actor, event: RequestEvent, request: CertificateRequest): void {
    authorize(actor, PERMISSION[event], resource.certificateRequest(request));
    const allowed = ALLOWED_FROM[event];
    if (!allowed.includes(request.status)) {
      throw new ConflictError(
        `Certificate request ${request.id} is ${request.status}; ` +
          `only ${allowed.join(' or ')} requests can ${OUTCOME[event]}`,
      );
    }
  }

  private async findReadable(actor: Actor, id: number): Promise<CertificateRequest> {
    const request = await this.requests.findById(id);
    if (!request) throw new NotFoundError(`Certificate request ${id} not found`);
    authorize(actor, 'read_request', resource.certificateRequest(request));
    return request;
  }

  private record(
    tx: Transaction,
    auth: RevokingContext,
    event: RequestEvent | 'submit',
    request: CertificateRequest,
    detail: JsonObject,
  ): Promise<void> {
    return this.audit.record(tx, {
      action: AUDIT_ACTION[event],
      actor: auth.user,
      organizationId: request.organizationId,
      resourceType: 'certificate_request',
      resourceId: request.id,
      clientAddress: auth.clientAddress,
      detail,
    });
  }
}

/**
 * What the approver changed against the CSR (item 6 of issue 16): for each override given, the CSR's
 * value and the issued one, when they differ; null when nothing was overridden or nothing changed.
 */
function overridesAgainstCsr(
  request: CertificateRequest,
  csrUris: readonly string[],
  certificate: Certificate,
  dto: SignRequestDto,
): JsonObject | null {
  const changes: JsonObject = {};
  const compare = (
    field: string,
    given: boolean,
    csr: string | string[] | null,
    issued: string | string[],
  ) => {
    if (given && JSON.stringify(csr) !== JSON.stringify(issued)) changes[field] = { csr, issued };
  };
  compare(
    'subject',
    dto.subject_dn !== undefined || dto.common_name !== undefined,
    request.subjectDn,
    certificate.subjectDn,
  );
  compare('san_dns_names', dto.san_dns_names !== undefined, request.sanDnsNames, certificate.sanDnsNames);
  compare(
    'san_ip_addresses',
    dto.san_ip_addresses !== undefined,
    request.sanIpAddresses,
    certificate.sanIpAddresses,
  );
  compare(
    'san_email_addresses',
    dto.san_email_addresses !== undefined,
    request.sanEmailAddresses,
    certificate.sanEmailAddresses,
  );
  compare('san_uris', dto.san_uris !== undefined, [...csrUris], certificate.sanUris);
  compare(
    'certificate_type',
    dto.certificate_type !== undefined,
    request.certificateType,
    certificate.certificateType,
  );
  if (dto.valid_days !== undefined) changes.valid_days = { csr: null, issued: certificate.validDays };
  return Object.keys(changes).length > 0 ? changes : null;
}
