/** Order statistics for repeated measurements. Pure; never mutates its input. */

export interface Summary {
  readonly runs: number;
  readonly median: number;
  readonly min: number;
  readonly max: number;
}

function checked(values: readonly number[], what: string): number[] {
  if (values.length === 0) throw new RangeError(`${what}: no samples`);
  const bad = values.find((v) => !Number.isFinite(v));
  if (bad !== undefined) throw new RangeError(`${what}: sample ${bad} is not a finite number`);
  return [...values].sort((a, b) => a - b);
}

/**
 * p-th percentile (0..100) with linear interpolation between closest ranks,
 * so percentile(v, 50) equals the median and 0/100 are min/max.
 */
export function percentile(values: readonly number[], p: number): number {
  if (!Number.isFinite(p) || p < 0 || p > 100) throw new RangeError(`percentile: p must be within 0..100, got ${p}`);
  const sorted = checked(values, "percentile");
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (rank - lo);
}

export function median(values: readonly number[]): number {
  return percentile(values, 50);
}

export function min(values: readonly number[]): number {
  return checked(values, "min")[0];
}

export function summarize(values: readonly number[]): Summary {
  const sorted = checked(values, "summarize");
  return { runs: sorted.length, median: percentile(sorted, 50), min: sorted[0], max: sorted[sorted.length - 1] };
}

/** Ratio of two summaries, median to median and min to min (the measured run over its baseline). */
export interface Ratio {
  readonly median: number;
  readonly min: number;
}

export function ratio(measured: Summary, baseline: Summary): Ratio {
  if (baseline.median <= 0 || baseline.min <= 0) throw new RangeError("ratio: baseline must be positive");
  return { median: measured.median / baseline.median, min: measured.min / baseline.min };
}
