import { describe, expect, it } from 'vitest';
import { metricAgainstDesign } from './design-figures.ts';

type Panel = { data: { values: { x: unknown; mean: number }[] }; encoding: { x: { type: string; title: string } } };

describe('metricAgainstDesign', () => {
  it('draws one scatter per parameter, numeric on a quantitative axis, categories on a nominal one, points without a mean left out', () => {
    const rows = [
      { point: 0, params: [0.5, 'ring'], n: 1, mean: 2, ciLow: null, ciHigh: null },
      { point: 1, params: [1.5, 'star'], n: 1, mean: 3, ciLow: null, ciHigh: null },
      { point: 2, params: [2.5, 'ring'], n: 0, mean: null, ciLow: null, ciHigh: null },
    ];
    const spec = metricAgainstDesign('m', ['a.rate', 'net.kind'], rows) as unknown as { concat: Panel[] };
    expect(spec.concat.map((p) => [p.encoding.x.title, p.encoding.x.type])).toEqual([['a.rate', 'quantitative'], ['net.kind', 'nominal']]);
    expect(spec.concat[0]!.data.values).toEqual([{ x: 0.5, mean: 2 }, { x: 1.5, mean: 3 }]);
    expect(spec.concat[1]!.data.values.map((v) => v.x)).toEqual(['ring', 'star']);
  });
});
