import { entityManagerOf, Transaction } from './transactions';

/**
 * The rows of a raw `UPDATE`/`DELETE … RETURNING` (or any statement) run in `tx`. TypeORM's query()
 * answers UPDATE and DELETE as `[rows, rowCount]` and everything else as the rows: this hides that.
 */
export async function returningRows<T>(
  tx: Transaction,
  sql: string,
  params: readonly unknown[],
): Promise<T[]> {
  const result: unknown = await entityManagerOf(tx).query(sql, [...params]);
  if (
    Array.isArray(result) &&
    result.length === 2 &&
    Array.isArray(result[0]) &&
    typeof result[1] === 'number'
  ) {
    return result[0] as T[];
  }
  return result as T[];
}
