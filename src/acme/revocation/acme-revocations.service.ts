import { Injectable } from '@nestjs/common';
import type { Certificate } from '../../cert/certificate.entity';
import {
  AcmeRevocationProof,
  CertificateRecordsService,
  RevokingActor,
} from '../../cert/certificate-records.service';
import { ConflictError, NotFoundError } from '../../common/errors';
import { RevokeCertificateDto } from '../../common/revoke.dto';
import { CryptoService } from '../../crypto/crypto.service';
import type { AcmeAccount } from '../accounts/acme-account';
import { acmePrincipal } from '../accounts/acme-account-principal';
import { AcmeAccountRepository } from '../accounts/acme-account.repository';
import { AcmeProblem } from '../acme-problem';
import { AcmeServer } from '../acme-profiles';
import { AcmeResponse } from '../acme-response';
import { publicKeyOf } from '../jws/acme-jws';
import { VerifiedAcmeRequest } from '../jws/acme-request-verifier';
import { AcmeRevocationAuthorizationRepository } from './acme-revocation-authorization.repository';
import { coveredBy, neededAuthorizations } from './certificate-identifiers';
import { parseRevocationRequest } from './revocation-request';

/**
 * revokeCert (RFC 8555 7.6): a certificate this ACME server issued, byte for byte, revoked through
 * the certificate module's revocation (CRL marked stale, audit row) when the request is signed by
 * the account that ordered it, by an account with valid authorizations for all its names, or with
 * the certificate's own key.
 */
@Injectable()
export class AcmeRevocationsService {
  constructor(
    private readonly certificates: CertificateRecordsService,
    private readonly authorizations: AcmeRevocationAuthorizationRepository,
    private readonly accounts: AcmeAccountRepository,
    private readonly crypto: CryptoService,
  ) {}

  async revokeCertificate(
    request: VerifiedAcmeRequest & { account: AcmeAccount | null },
    clientAddress: string | null,
  ): Promise<AcmeResponse> {
    const { der, reasonCode } = parseRevocationRequest(request.payload);
    const certificate = await this.certificates.findIssued(der);
    // Another profile's certificate is answered like an unknown one: this server never issued it.
    if (!certificate || certificate.profileId !== request.profile.id) {
      throw new AcmeProblem('malformed', 'The certificate is not one this ACME server issued', {
        status: 404,
      });
    }
    const dto: RevokeCertificateDto = { reason_code: reasonCode };
    const revoke = request.account
      ? this.byAccount(request.account, certificate, dto, clientAddress)
      : this.byCertificateKey(request, der, certificate, dto, clientAddress);
    await translated(certificate, revoke);
    return { status: 200 };
  }

  /** RFC 8555 7.6, first and third bullets: the ordering account, or one authorized for every name. */
  private async byAccount(
    account: AcmeAccount,
    certificate: Certificate,
    dto: RevokeCertificateDto,
    clientAddress: string | null,
  ): Promise<void> {
    const context = { user: acmePrincipal(account), clientAddress };
    if (certificate.createdByUserId === account.id) {
      assertNotRevoked(certificate);
      await this.certificates.revoke(context, certificate.id, dto, { revoked_by: 'account' });
      return;
    }
    const needed = neededAuthorizations(certificate);
    const held = needed ? await this.authorizations.validFor(account.id, new Date()) : [];
    if (!needed || !coveredBy(needed, held)) {
      throw new AcmeProblem(
        'unauthorized',
        `Account ${account.id} neither ordered this certificate nor holds valid authorizations for every identifier in it`,
      );
    }
    await this.byProof(context, certificate, dto, 'authorizations');
  }

  /** RFC 8555 7.6, second bullet: signed with `jwk`, the certificate's public key. */
  private async byCertificateKey(
    request: VerifiedAcmeRequest,
    der: Buffer,
    certificate: Certificate,
    dto: RevokeCertificateDto,
    clientAddress: string | null,
  ): Promise<void> {
    const certificateKey = this.crypto.parseCertificate(der).publicKey;
    if (!publicKeyOf(request.jwk, request.header.alg).equals(certificateKey)) {
      throw new AcmeProblem(
        'unauthorized',
        'A revocation signed with "jwk" must be signed with the certificate\'s key; an account signs with "kid"',
      );
    }
    const user = await this.orderingAccount(request, certificate);
    await this.byProof({ user, clientAddress }, certificate, dto, 'certificate_key');
  }

  private async byProof(
    context: { user: RevokingActor | null; clientAddress: string | null },
    certificate: Certificate,
    dto: RevokeCertificateDto,
    proof: AcmeRevocationProof,
  ): Promise<void> {
    assertNotRevoked(certificate);
    await this.certificates.revokeByAcmeProof(context, certificate.id, dto, proof);
  }

  /** The audit row names the account that ordered the certificate; nobody when it is gone. */
  private async orderingAccount(server: AcmeServer, certificate: Certificate): Promise<RevokingActor | null> {
    const ownerId = certificate.createdByUserId;
    const owner = ownerId === null ? null : await this.accounts.findById(ownerId);
    return owner && owner.profileId === server.profile.id ? acmePrincipal(owner) : null;
  }
}

function assertNotRevoked(certificate: Certificate): void {
  if (certificate.status === 'revoked') throw alreadyRevoked(certificate);
}

function alreadyRevoked(certificate: Certificate): AcmeProblem {
  return new AcmeProblem(
    'alreadyRevoked',
    `The certificate (serial ${certificate.serialNumber}) is already revoked`,
  );
}

/** A revocation that raced another: the certificate module's refusals in ACME's words. */
async function translated(certificate: Certificate, revoke: Promise<void>): Promise<void> {
  try {
    await revoke;
  } catch (error) {
    if (error instanceof ConflictError) throw alreadyRevoked(certificate);
    if (error instanceof NotFoundError) {
      throw new AcmeProblem('malformed', 'The certificate is not one this ACME server issued', {
        status: 404,
      });
    }
    throw error;
  }
}
