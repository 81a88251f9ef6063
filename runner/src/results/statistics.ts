import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import type { SampleStatistics } from '../sdk/panels.ts';

/** The confidence level of every interval swarmlab reports. */
export const CONFIDENCE = 0.95;

/** A sample's description across seeds: the SDK's shape, so a module's panels get the same. */
export type { SampleStatistics };

/**
 * Welford's running mean and sum of squared deviations: one pass, constant
 * memory, and no cancellation when the values are large and close together
 * (the textbook Σx² − n·mean² loses every digit there). It runs on the
 * values less the first one, so that a mean far from zero (1e9 + small
 * spreads) does not round every deviation to its own last place. Values
 * must come in a fixed order for the same bytes every time: floating-point
 * sums depend on it.
 */
export class RunningStatistics {
  #shift = 0;
  #n = 0;
  #mean = 0;
  #m2 = 0;
  #min = Number.POSITIVE_INFINITY;
  #max = Number.NEGATIVE_INFINITY;

  push(value: number): void {
    if (this.#n === 0) this.#shift = value;
    const x = value - this.#shift;
    this.#n++;
    const delta = x - this.#mean;
    this.#mean += delta / this.#n;
    this.#m2 += delta * (x - this.#mean);
    if (value < this.#min) this.#min = value;
    if (value > this.#max) this.#max = value;
  }

  get n(): number {
    return this.#n;
  }

  result(): SampleStatistics {
    const n = this.#n;
    if (n === 0) return { n, mean: undefined, sd: undefined, se: undefined, ciLow: undefined, ciHigh: undefined, min: undefined, max: undefined };
    const mean = this.#shift + this.#mean;
    const base = { n, mean, min: this.#min, max: this.#max };
    if (n < 2) return { ...base, sd: undefined, se: undefined, ciLow: undefined, ciHigh: undefined };
    const sd = Math.sqrt(this.#m2 / (n - 1));
    const se = sd / Math.sqrt(n);
    const half = tHalfWidth(se, n, CONFIDENCE);
    return { ...base, sd, se, ciLow: mean - half, ciHigh: mean + half };
  }
}

/** The statistics of a whole sample (the values in the order given). */
export function describeSample(values: Iterable<number>): SampleStatistics {
  const s = new RunningStatistics();
  for (const x of values) s.push(x);
  return s.result();
}

/** Half the width of the two-sided Student's t interval of a mean at `confidence`, from its standard error over n values (n >= 2). */
function tHalfWidth(se: number, n: number, confidence: number): number {
  return tQuantile(1 - (1 - confidence) / 2, n - 1) * se;
}

/** A sample's interval for the mean at another confidence level than the reported 95% (the same Student's t interval); undefined below two values. */
export function meanInterval(s: SampleStatistics, confidence: number): { low: number; high: number } | undefined {
  if (s.mean === undefined || s.se === undefined) return undefined;
  const half = tHalfWidth(s.se, s.n, confidence);
  return { low: s.mean - half, high: s.mean + half };
}
