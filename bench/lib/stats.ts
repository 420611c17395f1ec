export function median(values: readonly number[]): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

/** The value at a percentile (nearest rank) of raw samples. */
export function percentile(values: readonly number[], p: number): number {
  if (values.length === 0) return Number.NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[rank];
}

export function fixed(value: number, digits = 1): string {
  return Number.isFinite(value) ? value.toFixed(digits) : 'n/a';
}

/** "0.63×" style ratio; n/a when the baseline is missing. */
export function ratio(value: number, baseline: number | null | undefined): string {
  if (baseline === null || baseline === undefined || !Number.isFinite(baseline) || baseline === 0)
    return 'n/a';
  const quotient = value / baseline;
  // Small ratios keep two significant digits, so 0.004× does not print as 0.00×.
  return `${quotient >= 0.1 ? quotient.toFixed(2) : quotient.toPrecision(2)}×`;
}
