import { Injectable } from '@nestjs/common';
import { UsersService } from '../users/users.service';
import { APP_VERSION } from './version';

export interface ServiceStatus {
  initialized: boolean;
  version: string;
  database: 'ok' | 'unavailable';
}

@Injectable()
export class StatusService {
  /** Once a user exists it always will be (the last superuser cannot delete itself). */
  private knownInitialized = false;

  constructor(private readonly users: UsersService) {}

  async status(): Promise<ServiceStatus> {
    try {
      this.knownInitialized = await this.users.anyUserExists();
      return { initialized: this.knownInitialized, version: APP_VERSION, database: 'ok' };
    } catch {
      return { initialized: this.knownInitialized, version: APP_VERSION, database: 'unavailable' };
    }
  }
}
