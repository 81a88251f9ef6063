import type { Rng } from '../rng/index.ts';
import { resampleIndices, withInterval, type Estimate } from './bootstrap.ts';

// Morris's elementary effects from the outputs of a Morris design
// (designs/morris.ts): along each trajectory, consecutive points differ in
// one parameter by delta of its range, and (y_after - y_before) / delta,
// signed by the direction of the move, is that parameter's effect. Per
// parameter: mu (mean effect), mu* (mean absolute effect, Campolongo et al.
// 2007) with a bootstrap interval, and sigma (sample standard deviation).

export interface MorrisEffect {
  readonly mu: number;
  readonly muStar: Estimate;
  readonly sigma: number | null;
}

/** The effects of each parameter, one per trajectory, in trajectory order. */
export function elementaryEffects(unit: readonly (readonly number[])[], y: readonly number[], parameters: number, delta: number): number[][] {
  const effects: number[][] = Array.from({ length: parameters }, () => []);
  const size = parameters + 1;
  for (let start = 0; start + size <= y.length; start += size) {
    for (let s = start + 1; s < start + size; s++) {
      const before = unit[s - 1]!;
      const after = unit[s]!;
      const k = after.findIndex((x, i) => x !== before[i]);
      if (k < 0) throw new Error(`Morris trajectory at point ${start}: points ${s - 1} and ${s} are the same`);
      const sign = after[k]! > before[k]! ? 1 : -1;
      effects[k]!.push((sign * (y[s]! - y[s - 1]!)) / delta);
    }
  }
  return effects;
}

const mean = (v: ArrayLike<number>): number => {
  let s = 0;
  for (let i = 0; i < v.length; i++) s += v[i]!;
  return s / v.length;
};

/** mu, mu* (with its interval over `resamples` resamples of the trajectories) and sigma of each parameter. */
export function morrisEffects(
  unit: readonly (readonly number[])[],
  y: readonly number[],
  parameters: number,
  delta: number,
  opts: { readonly resamples: number; readonly confidence: number; readonly rng: Rng },
): MorrisEffect[] {
  const effects = elementaryEffects(unit, y, parameters, delta);
  return effects.map((ee) => {
    const abs = ee.map(Math.abs);
    const mu = mean(ee);
    const sigma = ee.length > 1 ? Math.sqrt(ee.reduce((s, v) => s + (v - mu) ** 2, 0) / (ee.length - 1)) : null;
    const resampled = resampleIndices(abs.length, opts.resamples, opts.rng).map((rows) => mean(Array.from(rows, (r) => abs[r]!)));
    return { mu, muStar: withInterval(mean(abs), resampled, opts.confidence), sigma };
  });
}
