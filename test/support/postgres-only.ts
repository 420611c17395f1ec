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
