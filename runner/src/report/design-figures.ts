import type { PointRow } from './figures.ts';
import type { FigureSpec } from './render-svg.ts';

/** Panels in a row of the figure. */
const COLUMNS = 4;

/**
 * A metric against each parameter of a design: one scatter per parameter,
 * each point a design point's mean. A design's points share no values, so
 * the lines and per-point spreads drawn for a grid would join unrelated
 * points; a scatter per parameter shows each one's marginal effect.
 */
export function metricAgainstDesign(metric: string, params: readonly string[], rows: readonly PointRow[]): FigureSpec {
  const withMean = rows.filter((r) => r.mean !== null);
  const panels = params.map((param, i) => {
    const xs = withMean.map((r) => r.params[i] ?? null);
    const numeric = xs.every((x) => typeof x === 'number');
    return {
      width: 180,
      height: 140,
      data: { values: withMean.map((r) => ({ x: numeric ? r.params[i] : String(r.params[i] ?? '(none)'), mean: r.mean })) },
      mark: { type: 'circle', size: 12, opacity: 0.5 },
      encoding: {
        x: { field: 'x', type: numeric ? 'quantitative' : 'nominal', title: param, ...(numeric ? { scale: { zero: false } } : {}) },
        y: { field: 'mean', type: 'quantitative', title: metric, scale: { zero: false } },
      },
    } as const;
  });
  return { concat: panels, columns: COLUMNS } as FigureSpec;
}
