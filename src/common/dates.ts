/** The earliest of the given instants, ignoring nulls; null when there is none. */
export function earliest(dates: readonly (Date | null)[]): Date | null {
  const present = dates.filter((date): date is Date => date !== null);
  return present.length === 0 ? null : new Date(Math.min(...present.map((date) => date.getTime())));
}
