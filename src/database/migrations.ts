import { Identity1732300000000 } from '../../migrations/1732300000000-identity';

/** Every migration, in order. One set serves PGlite and PostgreSQL. */
export const MIGRATIONS = [Identity1732300000000];
