import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import type { CertificateProfileEntity } from '../profiles/certificate-profile.entity';
import { ProfilesService } from '../profiles/profiles.service';
import { AcmeProblem } from './acme-problem';
import { AcmeUrls, parseProfileSlug } from './acme-urls';

/** The profile an ACME request is addressed to, with its URLs. */
export interface AcmeServer {
  profile: CertificateProfileEntity;
  urls: AcmeUrls;
}

/** Finds the ACME server of `/acme/{profile-slug}/…`: an enabled profile with acme_enabled. */
@Injectable()
export class AcmeProfiles {
  constructor(
    private readonly profiles: ProfilesService,
    private readonly config: AppConfig,
  ) {}

  async serverFor(slug: string): Promise<AcmeServer> {
    const parsed = parseProfileSlug(slug);
    const profile = parsed ? await this.profiles.findById(parsed.id) : null;
    // Only the id decides: clients keep their account URLs across a rename of the profile, so the
    // name part of a former name still works, and every URL answered keeps the slug asked for.
    if (!parsed || !profile || !profile.acmeEnabled) {
      throw new AcmeProblem('malformed', `No ACME directory at /acme/${slug}`, { status: 404 });
    }
    if (!profile.enabled) {
      throw new AcmeProblem(
        'unauthorized',
        `Profile "${profile.name}" is disabled: its ACME server issues nothing`,
      );
    }
    return { profile, urls: new AcmeUrls(this.config.publicBaseUrl, profile, slug) };
  }

  /** The URLs of a profile's ACME server, for a response written before the profile is checked. */
  urlsFor(profile: { id: number; name: string }): AcmeUrls {
    return new AcmeUrls(this.config.publicBaseUrl, profile);
  }
}
