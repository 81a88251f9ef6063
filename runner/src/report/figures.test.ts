import { describe, expect, it } from 'vitest';
import { metricAgainstParams, type PointRow } from './figures.ts';

// The figures draw the statistics table's values as given: the band is the interval.

function rows(first: readonly number[], second?: readonly number[]): PointRow[] {
  const out: PointRow[] = [];
  for (const b of second ?? [null]) for (const a of first) out.push({ point: out.length, params: second ? [a, b] : [a], n: 3, mean: a * 2, ciLow: a * 2 - 1, ciHigh: a * 2 + 1 });
  return out;
}

type Data = { values: { x: unknown; mean: number; lo: number; hi: number }[] };
type Mark = { mark: { type: string } | string };

describe('metricAgainstParams', () => {
  it('over one parameter: a line of the mean and a band from ci95_low to ci95_high', () => {
    const spec = metricAgainstParams('m', ['a'], rows([1, 2, 3])) as unknown as { data: Data; layer: Mark[] };
    expect(spec.layer.map((l) => (typeof l.mark === 'string' ? l.mark : l.mark.type))).toEqual(['area', 'line']);
    expect(spec.data.values.map((v) => [v.x, v.mean, v.lo, v.hi])).toEqual([[1, 2, 1, 3], [2, 4, 3, 5], [3, 6, 5, 7]]);
  });

  it('over two parameters: small multiples, or a heat map when the second has many values', () => {
    const few = metricAgainstParams('m', ['a', 'b'], rows([1, 2], [10, 20, 30])) as unknown as { facet: { field: string } };
    expect(few.facet.field).toBe('p2');
    const many = metricAgainstParams('m', ['a', 'b'], rows([1, 2], Array.from({ length: 20 }, (_, i) => i))) as unknown as Mark;
    expect(many.mark).toBe('rect');
  });

  it('leaves out a point with no mean (no run succeeded there)', () => {
    const spec = metricAgainstParams('m', ['a'], [...rows([1]), { point: 1, params: [2], n: 0, mean: null, ciLow: null, ciHigh: null }]) as unknown as { data: Data };
    expect(spec.data.values).toHaveLength(1);
  });
});
