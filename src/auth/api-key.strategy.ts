import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Passport } from 'passport';
import { Strategy } from 'passport-http-bearer';
import { ApiKeysService } from '../api-keys/api-keys.service';
import type { User } from '../users/user.entity';

export const API_KEY_STRATEGY = 'api-key';

/**
 * `Authorization: Bearer pkca_…`: an API key, beside the access-token strategy (AccessTokenGuard
 * picks this one for values with the key prefix). The principal comes back with its credential.
 */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(Strategy, API_KEY_STRATEGY) {
  constructor(private readonly keys: ApiKeysService) {
    super();
  }

  /** As AccessTokenStrategy: run by AccessTokenGuard directly, kept out of passport's global registry. */
  getPassportInstance() {
    return new Passport();
  }

  validate(key: string): Promise<User> {
    return this.keys.authenticate(key);
  }
}
