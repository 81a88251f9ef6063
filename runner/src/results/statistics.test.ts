import { readFileSync } from 'node:fs';
import tQuantile from '@stdlib/stats-base-dists-t-quantile';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { describeSample, RunningStatistics, type SampleStatistics } from './statistics.ts';

// The expected values come from SciPy and NumPy (testdata/reference-statistics.py,
// whose header says how to regenerate the JSON): an independent implementation.
const Expected = z.object({
  n: z.number(),
  mean: z.number().optional(),
  sd: z.number().optional(),
  se: z.number().optional(),
  ciLow: z.number().optional(),
  ciHigh: z.number().optional(),
  min: z.number().optional(),
  max: z.number().optional(),
});
const Reference = z.object({
  samples: z.array(z.object({ name: z.string(), values: z.array(z.number()), expected: Expected })),
  quantiles: z.array(z.object({ p: z.number(), df: z.number(), t: z.number() })),
});
const reference = Reference.parse(JSON.parse(readFileSync(new URL('./testdata/reference-statistics.json', import.meta.url), 'utf8')));

const FIELDS = ['mean', 'sd', 'se', 'ciLow', 'ciHigh', 'min', 'max'] as const;

/** Equal to a few units in the last place of the sample's scale (a one-pass and a two-pass sum round differently). */
function close(got: number | undefined, want: number | undefined, scale: number): boolean {
  if (want === undefined || got === undefined) return got === want;
  return Math.abs(got - want) <= 64 * Number.EPSILON * Math.max(Math.abs(want), scale);
}

describe('per-point statistics against SciPy', () => {
  for (const { name, values, expected } of reference.samples) {
    it(`${name} (n=${values.length})`, () => {
      const got: SampleStatistics = describeSample(values);
      expect(got.n).toBe(expected.n);
      // Welford works on deviations from the running mean: its error scales with the spread, plus the mean's own rounding.
      const spread = (expected.sd ?? 0) * Math.sqrt(values.length) + Number.EPSILON * Math.abs(expected.mean ?? 0) * values.length;
      for (const f of FIELDS) {
        const scale = f === 'sd' || f === 'se' ? spread : Math.max(spread, Math.abs(expected.mean ?? 0));
        expect(close(got[f], expected[f], scale), `${f}: ${String(got[f])}, SciPy ${String(expected[f])}`).toBe(true);
      }
    });
  }

  it('the interval contains the mean and is symmetric about it', () => {
    const got = describeSample([2, 4, 4, 4, 5, 5, 7, 9]);
    expect(got.ciLow).toBeLessThan(got.mean as number);
    expect((got.mean as number) - (got.ciLow as number)).toBeCloseTo((got.ciHigh as number) - (got.mean as number), 12);
  });

  it('feeding values one at a time is the whole-sample description', () => {
    const s = new RunningStatistics();
    const values = [3, 1, 4, 1, 5, 9, 2, 6];
    for (const v of values) s.push(v);
    expect(s.n).toBe(values.length);
    expect(s.result()).toEqual(describeSample(values));
  });
});

describe("Student's t quantile", () => {
  it.each(reference.quantiles)('p=$p df=$df matches SciPy', ({ p, df, t }) => {
    expect(Math.abs(tQuantile(p, df) - t)).toBeLessThanOrEqual(4 * Number.EPSILON * t);
  });

  // Closed forms (a second formula, with no incomplete beta in it): df=1 is Cauchy, df=2 has an algebraic inverse.
  it.each([0.9, 0.975, 0.995])('p=%s matches the closed forms for df=1 and df=2', (p) => {
    expect(tQuantile(p, 1)).toBeCloseTo(Math.tan(Math.PI * (p - 0.5)), 10);
    expect(tQuantile(p, 2)).toBeCloseTo((2 * p - 1) / Math.sqrt(2 * p * (1 - p)), 12);
  });
});
