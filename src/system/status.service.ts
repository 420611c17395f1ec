import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
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

  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async status(): Promise<ServiceStatus> {
    try {
      const rows: { initialized: boolean }[] = await this.dataSource.query(
        'SELECT EXISTS (SELECT 1 FROM users) AS initialized',
      );
      this.knownInitialized = rows[0]?.initialized === true;
      return { initialized: this.knownInitialized, version: APP_VERSION, database: 'ok' };
    } catch {
      return { initialized: this.knownInitialized, version: APP_VERSION, database: 'unavailable' };
    }
  }
}
