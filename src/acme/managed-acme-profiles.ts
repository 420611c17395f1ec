import { Injectable } from '@nestjs/common';
import { authorize } from '../access/authorize';
import { Actor } from '../access/policy';
import { resource } from '../access/resources';
import { NotFoundError } from '../common/errors';
import type { CertificateProfileEntity } from '../profiles/certificate-profile.entity';
import { ProfilesService } from '../profiles/profiles.service';

/** The profile whose ACME server (EAB keys, accounts) an administrator acts on: 404 unknown, 403 not theirs. */
@Injectable()
export class ManagedAcmeProfiles {
  constructor(private readonly profiles: ProfilesService) {}

  async find(actor: Actor, profileId: number): Promise<CertificateProfileEntity> {
    const profile = await this.profiles.findById(profileId);
    if (!profile) throw new NotFoundError(`Profile ${profileId} not found`);
    authorize(actor, 'manage_acme', resource.profile(profile));
    return profile;
  }
}
