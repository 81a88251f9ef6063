import { describeSample, type SampleStatistics } from '../results/statistics.ts';

/**
 * What the rounds have read so far: for each run index, the value of the
 * sweep's metric in that run's row of the results table (null: the run
 * failed, or its row has no number there). A run absent has not finished.
 */
export type Observations = ReadonlyMap<number, number | null>;

/**
 * The seeds each point has been given by the rounds so far (always its first
 * ones, seed 0 up), in the run matrix where run index = point × seedsPerPoint
 * + seed.
 */
export class SeedAllocation {
  readonly #given = new Map<number, number>();
  readonly seedsPerPoint: number;
  readonly #observed: Observations;

  constructor(seedsPerPoint: number, observed: Observations) {
    this.seedsPerPoint = seedsPerPoint;
    this.#observed = observed;
  }

  seeds(point: number): number {
    return this.#given.get(point) ?? 0;
  }

  /** Gives `count` more seeds to `point`; returns their run indices. */
  add(point: number, count: number): number[] {
    const from = this.seeds(point);
    const to = Math.min(this.seedsPerPoint, from + count);
    this.#given.set(point, to);
    return Array.from({ length: to - from }, (_, s) => point * this.seedsPerPoint + from + s);
  }

  /** Points given seeds, ascending. */
  points(): number[] {
    return [...this.#given.keys()].sort((a, b) => a - b);
  }

  /** The statistics of the metric over the point's seeds, in seed order (the results issue's one statistics function). */
  statistics(point: number): SampleStatistics {
    const values: number[] = [];
    for (let s = 0; s < this.seeds(point); s++) {
      const v = this.#observed.get(point * this.seedsPerPoint + s);
      if (typeof v === 'number' && Number.isFinite(v)) values.push(v);
    }
    return describeSample(values);
  }
}

/** Half the width of a sample's 95% interval; undefined below two values. */
export function halfWidth(s: SampleStatistics): number | undefined {
  return s.ciLow === undefined || s.ciHigh === undefined ? undefined : (s.ciHigh - s.ciLow) / 2;
}
