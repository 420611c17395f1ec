import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { KEY_SEALER, KeySealer } from '../crypto/key-sealer';

const SEALED_COLUMNS = [
  { table: 'certificate_authorities', column: 'sealed_private_key' },
  { table: 'certificates', column: 'sealed_private_key' },
] as const;

/**
 * KEK rotation: every sealed key is unsealed with the current sealer and sealed again with the
 * new one, in one transaction, so the database never holds a mix the running config cannot read.
 */
@Injectable()
export class KeyResealer {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(KEY_SEALER) private readonly current: KeySealer,
  ) {}

  async resealAll(next: KeySealer): Promise<number> {
    return this.dataSource.transaction(async (manager) => {
      let count = 0;
      for (const { table, column } of SEALED_COLUMNS) {
        const rows: { id: number; sealed: string }[] = await manager.query(
          `SELECT id, ${column} AS sealed FROM ${table} WHERE ${column} IS NOT NULL FOR UPDATE`,
        );
        for (const row of rows) {
          const resealed = await next.seal(await this.current.unseal(row.sealed));
          await manager.query(`UPDATE ${table} SET ${column} = $1 WHERE id = $2`, [resealed, row.id]);
          count += 1;
        }
      }
      return count;
    });
  }
}
