/**
 * How the embedded PGlite is opened, by the service and by anything else that opens its directory.
 *
 * `database`: PGlite up to 0.3 kept every table in template1, and 0.4 defaults to `postgres`. Data
 * directories written by earlier versions of this service hold their tables in template1, so it stays.
 *
 * `settings`: PostgreSQL options added to PGlite's own start parameters. PGlite starts PostgreSQL
 * with 128 MB of shared_buffers; one session on this service's tables needs far less, and the whole
 * buffer pool stays resident in PGlite's WebAssembly memory.
 */
export const PGLITE_DATABASE = 'template1';
export const PGLITE_SETTINGS: readonly string[] = ['-c', 'shared_buffers=16MB'];
