/** Largest value of a PostgreSQL `integer` (int4) column: every id and counter we store. */
export const MAX_INT4 = 2_147_483_647;
