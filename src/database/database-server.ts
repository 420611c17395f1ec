import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';

/** Facts about the database server itself, for logs and status (not about any module's data). */
@Injectable()
export class DatabaseServer {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The server's version string, or null when it cannot be asked. */
  async version(): Promise<string | null> {
    return this.dataSource
      .query('SHOW server_version')
      .then((rows: { server_version: string }[]) => rows[0]?.server_version ?? null)
      .catch(() => null);
  }
}
