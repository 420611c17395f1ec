import { fixed } from './stats';
import { printTable } from './table';

export interface TargetCheck {
  target: string;
  measured: string;
  limit: string;
  verdict: 'PASS' | 'FAIL' | 'n/a';
}

/** The targets of issue 7, collected while scenarios run and printed together at the end. */
export class TargetReport {
  private readonly checks: TargetCheck[] = [];

  /** value ≥ limit (higher is better) or value ≤ limit (lower is better); NaN means not measured. */
  check(target: string, value: number, limit: number, better: 'higher' | 'lower', unit: string): void {
    const measured = Number.isFinite(value) ? `${fixed(value, 2)}${unit}` : 'not measured';
    const comparator = better === 'higher' ? '≥' : '≤';
    const verdict = !Number.isFinite(value)
      ? 'n/a'
      : (better === 'higher' ? value >= limit : value <= limit)
        ? 'PASS'
        : 'FAIL';
    this.checks.push({ target, measured, limit: `${comparator} ${limit}${unit}`, verdict });
  }

  invalid(target: string, reason: string): void {
    this.checks.push({ target, measured: reason, limit: '', verdict: 'FAIL' });
  }

  print(): void {
    printTable(
      'Targets',
      ['target', 'measured', 'limit', 'verdict'],
      this.checks.map((check) => [check.target, check.measured, check.limit, check.verdict]),
    );
  }
}
