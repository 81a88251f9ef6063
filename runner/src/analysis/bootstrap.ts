import type { Rng } from '../rng/index.ts';

/** An estimate with its bootstrap percentile interval; null where the estimate is undefined (no variance). */
export interface Estimate {
  readonly value: number | null;
  readonly ci_low: number | null;
  readonly ci_high: number | null;
}

/** The q-quantile of sorted values, interpolating linearly between order statistics (NumPy's default). */
export function quantile(sorted: readonly number[], q: number): number {
  const h = (sorted.length - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (h - lo) * (sorted[hi]! - sorted[lo]!);
}

/** `resamples` draws of n indices from 0..n-1 with replacement, from the stream. */
export function resampleIndices(n: number, resamples: number, rng: Rng): Int32Array[] {
  return Array.from({ length: resamples }, () => {
    const r = new Int32Array(n);
    for (let i = 0; i < n; i++) r[i] = rng.int(n);
    return r;
  });
}

/** The estimate on the whole sample, with the central `confidence` interval of its values over the resamples. */
export function withInterval(value: number | null, resampled: readonly (number | null)[], confidence: number): Estimate {
  const finite = resampled.filter((v): v is number => v !== null && Number.isFinite(v)).sort((a, b) => a - b);
  if (value === null || finite.length === 0) return { value, ci_low: null, ci_high: null };
  const tail = (1 - confidence) / 2;
  return { value, ci_low: quantile(finite, tail), ci_high: quantile(finite, 1 - tail) };
}
