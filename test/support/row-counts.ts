import { TestApp } from './test-app';

/** The tables a request could write to; a refused request must leave every count as it was. */
export const WRITTEN_TABLES = [
  'users',
  'organizations',
  'certificate_authorities',
  'certificates',
  'certificate_requests',
  'audit_logs',
] as const;

export type RowCounts = Record<(typeof WRITTEN_TABLES)[number], number>;

export async function rowCounts(testApp: TestApp): Promise<RowCounts> {
  const counts = {} as RowCounts;
  for (const table of WRITTEN_TABLES) {
    const [row] = (await testApp.dataSource.query(`SELECT count(*)::int AS n FROM ${table}`)) as {
      n: number;
    }[];
    counts[table] = Number(row.n);
  }
  return counts;
}
