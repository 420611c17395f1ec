import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { JsonObject } from '../common/json';
import { AcmeServer } from './acme-profiles';

/** The directory object (RFC 8555 7.1.1), with ARI's renewalInfo (RFC 9773 3). */
@Injectable()
export class AcmeDirectory {
  constructor(private readonly config: AppConfig) {}

  of(server: AcmeServer): JsonObject {
    const { urls, profile } = server;
    const terms = this.config.acme.termsOfServiceUrl;
    return {
      newNonce: urls.newNonce,
      newAccount: urls.newAccount,
      newOrder: urls.newOrder,
      revokeCert: urls.revokeCert,
      keyChange: urls.keyChange,
      renewalInfo: urls.renewalInfo,
      meta: {
        ...(terms !== null && { termsOfService: terms }),
        website: this.config.publicBaseUrl,
        externalAccountRequired: profile.acmeEabRequired,
      },
    };
  }
}
