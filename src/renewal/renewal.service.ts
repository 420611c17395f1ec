import { Injectable } from '@nestjs/common';
import { createHash } from 'node:crypto';
import type { Certificate } from '../cert/certificate.entity';
import { CertificateIssuanceService } from '../cert/certificate-issuance.service';
import { CertificateRecordsService } from '../cert/certificate-records.service';
import { IssuedCertificateResponseDto } from '../cert/dto/certificate-response.dto';
import { ForbiddenError, InvalidInputError, UnauthorizedError } from '../common/errors';
import { RequestContext } from '../common/request-context';
import { AppConfig } from '../config/app-config';
import { CryptoService } from '../crypto/crypto.service';
import type { ParsedCertificate } from '../crypto/crypto.types';
import type { User } from '../users/user.entity';
import { ServiceAccountsService } from '../service-accounts/service-accounts.service';
import { UsersService } from '../users/users.service';
import { RenewCertificateDto } from './dto/renew-certificate.dto';
import { RenewalTokenUseRepository } from './renewal-token-use.repository';
import { decodeRenewalToken, DecodedRenewalToken, RenewalProof, verifyRenewalToken } from './renewal-token';

const DAY_MS = 86_400_000;

/** The path of the renew route below the API prefix: the token's audience is its public URL. */
export const RENEW_PATH = '/certificates/renew';

/**
 * POST /certificates/renew: a certificate this service issued is renewed by whoever holds its private
 * key, without any other secret. The proof (renewal-token.ts) names the certificate; this checks that
 * it is ours byte for byte, signed by its CA, not revoked, not expired beyond RENEWAL_GRACE_PERIOD_DAYS,
 * and that the token is new; then the certificate's owner renews it through the issuance pipeline,
 * with the token's use remembered in the same transaction as the new certificate and its audit row.
 */
@Injectable()
export class RenewalService {
  constructor(
    private readonly tokenUses: RenewalTokenUseRepository,
    private readonly certificates: CertificateRecordsService,
    private readonly issuance: CertificateIssuanceService,
    private readonly users: UsersService,
    private readonly serviceAccounts: ServiceAccountsService,
    private readonly crypto: CryptoService,
    private readonly config: AppConfig,
  ) {}

  /** The `aud` a renewal token must carry: the renew route's URL under PUBLIC_BASE_URL. */
  get audience(): string {
    return `${this.config.publicBaseUrl}${this.config.apiPrefix}${RENEW_PATH}`;
  }

  async renew(
    context: RequestContext,
    authorization: string | undefined,
    dto: RenewCertificateDto,
  ): Promise<IssuedCertificateResponseDto> {
    const now = new Date();
    const token = decodeRenewalToken(bearerToken(authorization));
    const { current, leaf } = await this.provenCertificate(token);
    const proof = verifyRenewalToken(token, leaf.publicKey, leafKeySpec(leaf), {
      audience: this.audience,
      now,
    });
    await this.assertSignedByItsCa(current, token.chain);
    const jtiSha256 = createHash('sha256').update(proof.jti, 'utf8').digest();
    if (await this.tokenUses.wasUsed(current.id, jtiSha256, now)) refuseReplay(proof);
    this.assertRenewable(current, now);
    const owner = await this.ownerOf(current);
    const csr = dto.csr ? await this.crypto.parseCsr(dto.csr) : null;
    const { certificate } = await this.renewAsOwner(owner, current, () =>
      this.issuance.renew(
        { user: owner, clientAddress: context.clientAddress },
        {
          certificate: current,
          csr,
          auditDetail: { renewed_serial_number: current.serialNumber },
          link: async (tx) => {
            const remembered = await this.tokenUses.remember(
              tx,
              { certificateId: current.id, jtiSha256, expiresAt: proof.expiresAt },
              now,
            );
            if (!remembered) refuseReplay(proof);
          },
        },
      ),
    );
    return certificate;
  }

  /** The owner's refusals (permissions, profile binding) say that they are the owner's. */
  private async renewAsOwner<T>(owner: User, current: Certificate, renew: () => Promise<T>): Promise<T> {
    try {
      return await renew();
    } catch (error) {
      if (!(error instanceof ForbiddenError)) throw error;
      throw new ForbiddenError(
        `Certificate ${current.id} cannot be renewed for its owner "${owner.username}": ${error.message}`,
      );
    }
  }

  /** The x5c leaf, which must be a certificate of ours, exactly as stored. */
  private async provenCertificate(
    token: DecodedRenewalToken,
  ): Promise<{ current: Certificate; leaf: ParsedCertificate }> {
    const [leafDer] = token.chain;
    let leaf: ParsedCertificate;
    try {
      leaf = this.crypto.parseCertificate(leafDer);
    } catch {
      throw new UnauthorizedError('Renewal token refused: x5c[0] is not a DER certificate');
    }
    const current = await this.certificates.findIssued(leaf.der);
    if (!current) {
      throw new UnauthorizedError(
        'Renewal token refused: x5c[0] is not a certificate this service issued (compared byte for byte)',
      );
    }
    return { current, leaf };
  }

  /**
   * The stored certificate verifies with its CA's public key, and whatever x5c carries after the leaf
   * is that CA's chain as this service serves it (leaf first, nothing else in between).
   */
  private async assertSignedByItsCa(current: Certificate, chain: readonly Buffer[]): Promise<void> {
    const caChain = (await this.certificates.caChainPems(current.issuerId)).map((pem) =>
      this.crypto.pemToDer(pem, 'CERTIFICATE'),
    );
    const [issuer] = caChain;
    const leafDer = chain[0];
    if (
      !issuer ||
      !(await this.crypto.verifyCertificateSignature(leafDer, this.crypto.parseCertificate(issuer).publicKey))
    ) {
      throw new UnauthorizedError(
        `Renewal token refused: certificate ${current.id} does not verify with the key of CA ${current.issuerId}`,
      );
    }
    chain.slice(1).forEach((der, index) => {
      if (!caChain[index]?.equals(der)) {
        throw new UnauthorizedError(
          `Renewal token refused: x5c[${index + 1}] is not the certificate at that place in the chain of CA ${current.issuerId}`,
        );
      }
    });
  }

  /** Revoked: never; expired: only within RENEWAL_GRACE_PERIOD_DAYS after its notAfter. */
  private assertRenewable(current: Certificate, now: Date): void {
    if (current.status === 'revoked') {
      throw new ForbiddenError(`Certificate ${current.id} is revoked: it cannot be renewed`);
    }
    const graceDays = this.config.renewalGracePeriodDays;
    const lastDay = new Date(current.notAfter.getTime() + graceDays * DAY_MS);
    if (lastDay <= now) {
      const grace = graceDays === 0 ? 'no grace period' : `a grace period of ${graceDays} days`;
      throw new ForbiddenError(
        `Certificate ${current.id} expired at ${current.notAfter.toISOString()} (RENEWAL_GRACE_PERIOD_DAYS: ${grace}): it cannot be renewed`,
      );
    }
  }

  /**
   * The principal who issued the certificate renews it (a person or a service account, with its
   * profiles), through the renewal credential: it must still exist and be active.
   */
  private async ownerOf(current: Certificate): Promise<User> {
    const ownerId = current.createdByUserId;
    const owner = ownerId === null ? null : await this.users.findPrincipal(ownerId);
    if (!owner) {
      throw new ForbiddenError(
        `Certificate ${current.id} has no owner any more (its user was deleted, or the service issued it for itself): it cannot be renewed`,
      );
    }
    if (!owner.isActive) {
      throw new ForbiddenError(
        `Certificate ${current.id} belongs to "${owner.username}", who is disabled: it cannot be renewed`,
      );
    }
    owner.credential = { kind: 'renewal', certificateId: current.id };
    if (owner.kind === 'service_account') {
      owner.profileIds = await this.serviceAccounts.profileIdsOf(owner.id);
    }
    return owner;
  }
}

function refuseReplay(proof: RenewalProof): never {
  throw new UnauthorizedError(
    `Renewal token refused: its jti was already used (until ${proof.expiresAt.toISOString()}); make a new token for every call`,
  );
}

function leafKeySpec(leaf: ParsedCertificate): NonNullable<ParsedCertificate['keySpec']> {
  if (!leaf.keySpec) throw new InvalidInputError('The certificate has a key this service does not issue');
  return leaf.keySpec;
}

/** The token of `Authorization: Bearer <token>`. */
function bearerToken(authorization: string | undefined): string {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? '');
  if (!match) {
    throw new UnauthorizedError(
      'Not authenticated: send "Authorization: Bearer <renewal token>", a JWT signed with the certificate\'s private key (docs/renewal.md)',
    );
  }
  return match[1];
}
