import { Injectable } from '@nestjs/common';
import type { Certificate } from '../../cert/certificate.entity';
import { ProfilesService } from '../../profiles/profiles.service';
import type { AcmeAccount } from '../accounts/acme-account';
import { acmeNotFound, AcmeIdentifier, AcmeProblem } from '../acme-problem';
import { AcmeServer } from '../acme-profiles';
import { AcmeResponse } from '../acme-response';
import { authorizationFor, identifierKey, neededAuthorizations } from '../revocation/certificate-identifiers';
import { AcmeReplacementRepository } from './acme-replacement.repository';
import { parseAriCertificateId } from './ari-certificate-id';
import { AriCertificates } from './ari-certificates';
import { rfc3339, suggestedWindow } from './renewal-window';

/** How soon a client should ask again (RFC 9773 4.3): the window rarely moves. */
const RETRY_AFTER_SECONDS = 6 * 3600;

/** ARI (RFC 9773): when to renew a certificate, and newOrder's `replaces`. */
@Injectable()
export class AcmeRenewalInfoService {
  constructor(
    private readonly lookup: AriCertificates,
    private readonly replacements: AcmeReplacementRepository,
    private readonly profiles: ProfilesService,
  ) {}

  /** GET renewal-info/{certID} (RFC 9773 4.1, 4.2). */
  async renewalInfo(server: AcmeServer, certificateId: string): Promise<AcmeResponse> {
    const certificate = await this.lookup.find(server.profile, parseAriCertificateId(certificateId));
    if (!certificate) throw acmeNotFound('The certificate this ARI identifier names');
    const window = suggestedWindow(certificate, new Date());
    return {
      status: 200,
      body: { suggestedWindow: { start: rfc3339(window.start), end: rfc3339(window.end) } },
      retryAfterSeconds: RETRY_AFTER_SECONDS,
    };
  }

  /**
   * newOrder's `replaces` (RFC 9773 5): the ARI certificate ID of a certificate the account obtained
   * and no other order replaces; the certificate's id, or null when `replaces` is absent. With the
   * order's identifiers, the certificate must share one of them.
   */
  async checkReplaces(
    account: AcmeAccount,
    replaces: unknown,
    identifiers?: readonly AcmeIdentifier[],
  ): Promise<number | null> {
    if (replaces === undefined) return null;
    if (typeof replaces !== 'string') {
      throw new AcmeProblem('malformed', '"replaces" must be an ARI certificate identifier (a string)');
    }
    const id = parseAriCertificateId(replaces);
    const profile = await this.profiles.findById(account.profileId);
    const certificate = profile ? await this.lookup.find(profile, id) : null;
    // A certificate of another account is answered like an unknown one.
    if (!certificate || certificate.createdByUserId !== account.id) {
      throw new AcmeProblem(
        'malformed',
        '"replaces" names no certificate this account obtained (RFC 9773 5)',
      );
    }
    if (identifiers && !sharesIdentifier(certificate, identifiers)) {
      throw new AcmeProblem(
        'malformed',
        'The order shares no identifier with the certificate it "replaces" (RFC 9773 5)',
      );
    }
    if (await this.replacements.isReplaced(account.id, certificate.id)) {
      throw new AcmeProblem(
        'alreadyReplaced',
        'Another order of this account already replaces this certificate',
      );
    }
    return certificate.id;
  }
}

function sharesIdentifier(certificate: Certificate, identifiers: readonly AcmeIdentifier[]): boolean {
  const names = new Set((neededAuthorizations(certificate) ?? []).map(identifierKey));
  return identifiers.some((identifier) => names.has(identifierKey(authorizationFor(identifier))));
}
