import { spawnSync } from 'node:child_process';

/**
 * Specs that need a PostgreSQL server (several processes on one database, an outage, server-side
 * prepared statements) run in CI's PostgreSQL pass. Without TEST_DATABASE_URL they are reported as
 * skipped, the reason in their name, like itWithTool's; REQUIRE_EXTERNAL_TOOLS=1 does not turn this
 * skip into a failure, since CI's first pass runs on PGlite on purpose.
 */
export function postgresSkipReason(why?: string): string | null {
  if (process.env.TEST_DATABASE_URL) return null;
  const because = why ? ` (${why})` : '';
  return `needs PostgreSQL${because}: set TEST_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres`;
}

/** `describe`, or `describe.skip` with the reason in its name when TEST_DATABASE_URL is not set. */
export function describeWithPostgres(name: string, body: () => void, why?: string): void {
  const reason = postgresSkipReason(why);
  if (reason === null) describe(name, body);
  else describe.skip(`${name} [skipped: ${reason}]`, body);
}

/** `it`, or `it.skip` with the reason in its name when TEST_DATABASE_URL is not set. */
export function itWithPostgres(
  name: string,
  body: jest.ProvidesCallback,
  timeout?: number,
  why?: string,
): void {
  const reason = postgresSkipReason(why);
  if (reason === null) it(name, body, timeout);
  else it.skip(`${name} [skipped: ${reason}]`, () => undefined);
}

/**
 * Whether a PostgreSQL server answers at `url`, asked synchronously (a child process connects and
 * runs `SELECT 1`) so that a spec can decide at load time to run or to be reported as skipped.
 */
export function unreachablePostgresReason(url: string): string | null {
  const probe = spawnSync(
    process.execPath,
    [
      '-e',
      `const { Client } = require('pg');
       const client = new Client({ connectionString: process.argv[1], connectionTimeoutMillis: 3000 });
       client.connect().then(() => client.query('SELECT 1')).then(() => client.end(), (error) => {
         process.stderr.write(error.message); process.exit(1);
       });`,
      url,
    ],
    { encoding: 'utf8', timeout: 10_000 },
  );
  if (probe.status === 0) return null;
  const why = (probe.stderr || probe.error?.message || 'no answer').trim().split('\n')[0];
  return `PostgreSQL is not reachable at ${new URL(url).host} (${why}); set TEST_DATABASE_URL`;
}

/**
 * `describe` for a spec that needs a reachable PostgreSQL server even in the embedded pass (it moves
 * data from PGlite into PostgreSQL): reported as skipped, the reason in its name, when none answers;
 * with REQUIRE_EXTERNAL_TOOLS=1 (CI, where PostgreSQL runs) a missing server is a failure.
 */
export function describeWhenPostgresAnswers(url: string, name: string, body: () => void): void {
  const reason = unreachablePostgresReason(url);
  if (reason === null) return describe(name, body);
  if (process.env.REQUIRE_EXTERNAL_TOOLS === '1') {
    return describe(name, () =>
      it('needs PostgreSQL', () => {
        throw new Error(`${reason} (REQUIRE_EXTERNAL_TOOLS=1 makes this a failure)`);
      }),
    );
  }
  describe.skip(`${name} [skipped: ${reason}]`, body);
}
