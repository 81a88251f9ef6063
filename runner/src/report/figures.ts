import type { FigureSpec } from './render-svg.ts';

// The report's figures as Vega-Lite specs, from plain rows. Field names in
// the data are fixed words (x, p2, mean, ...): Vega-Lite reads a dot in a
// field name as a nested access, and metric and parameter names have dots.

/** A parameter point's statistics of one metric. */
export interface PointRow {
  readonly point: number;
  /** The swept parameters' values at the point, in sweep order. */
  readonly params: readonly (number | string | boolean | null)[];
  readonly n: number;
  readonly mean: number | null;
  readonly ciLow: number | null;
  readonly ciHigh: number | null;
}

/** One run's final value of the metric. */
export interface RunValue {
  readonly point: number;
  readonly params: readonly (number | string | boolean | null)[];
  readonly value: number;
}

const WIDTH = 300;
const HEIGHT = 180;
/** Above this many values of the second parameter, a heat map instead of small multiples. */
const MAX_SMALL_MULTIPLES = 12;

type Scalar = number | string | boolean | null;

function label(v: Scalar): string {
  return v === null ? '(none)' : String(v);
}

function isNumeric(values: readonly Scalar[]): boolean {
  return values.every((v) => typeof v === 'number');
}

/** The swept parameter values, distinct, in order of first appearance. */
function distinct<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

/**
 * The metric's mean against the swept parameters with its 95% interval: a
 * line with a band over one parameter; small multiples of that line over a
 * second (a heat map of the mean when it has many values); the other
 * parameters, if any, as one line each.
 */
export function metricAgainstParams(metric: string, params: readonly string[], rows: readonly PointRow[]): FigureSpec {
  const withMean = rows.filter((r) => r.mean !== null);
  if (params.length === 0) {
    const values = withMean.map((r) => ({ x: 'all runs', mean: r.mean, lo: r.ciLow ?? r.mean, hi: r.ciHigh ?? r.mean }));
    return {
      width: 120,
      height: HEIGHT,
      data: { values },
      layer: [
        { mark: { type: 'rule', strokeWidth: 2 }, encoding: { x: { field: 'x', type: 'nominal', title: null }, y: { field: 'lo', type: 'quantitative', title: metric, scale: { zero: false } }, y2: { field: 'hi' } } },
        { mark: { type: 'point', filled: true, size: 60 }, encoding: { x: { field: 'x', type: 'nominal' }, y: { field: 'mean', type: 'quantitative' } } },
      ],
    };
  }
  const xValues = withMean.map((r) => r.params[0] ?? null);
  const xType = isNumeric(xValues) ? 'quantitative' : 'ordinal';
  const x = { field: 'x', type: xType, title: params[0], ...(xType === 'quantitative' ? { scale: { zero: false } } : { sort: distinct(xValues).map(label) }) } as const;
  const rest = (r: PointRow): string =>
    params
      .slice(1)
      .map((p, i) => `${p}=${label(r.params[i + 1] ?? null)}`)
      .join(', ');
  const values = withMean.map((r) => ({
    x: xType === 'quantitative' ? r.params[0] : label(r.params[0] ?? null),
    group: rest(r),
    p2: label(r.params[1] ?? null),
    mean: r.mean,
    lo: r.ciLow ?? r.mean,
    hi: r.ciHigh ?? r.mean,
  }));
  const y = { field: 'mean', type: 'quantitative', title: `${metric} (mean, 95% CI)`, scale: { zero: false } } as const;
  const band = { mark: { type: 'area', opacity: 0.25 }, encoding: { x, y: { field: 'lo', type: 'quantitative' }, y2: { field: 'hi' } } } as const;
  const line = { mark: { type: 'line', point: true }, encoding: { x, y } } as const;
  if (params.length === 1) return { width: WIDTH, height: HEIGHT, data: { values }, layer: [band, line] };

  const second = distinct(withMean.map((r) => r.params[1] ?? null));
  if (params.length === 2 && second.length > MAX_SMALL_MULTIPLES) {
    return {
      width: WIDTH,
      height: HEIGHT,
      data: { values },
      mark: 'rect',
      encoding: {
        x: { field: 'x', type: 'ordinal', title: params[0] },
        y: { field: 'p2', type: 'ordinal', title: params[1], sort: second.map(label) },
        color: { field: 'mean', type: 'quantitative', title: `${metric} (mean)` },
        tooltip: [{ field: 'mean', type: 'quantitative' }],
      },
    };
  }
  if (params.length === 2) {
    return {
      data: { values },
      facet: { field: 'p2', type: 'ordinal', title: params[1], sort: second.map(label) },
      columns: 4,
      spec: { width: 180, height: 130, layer: [band, line] },
    };
  }
  const color = { field: 'group', type: 'nominal', title: params.slice(1).join(', ') } as const;
  return {
    width: WIDTH,
    height: HEIGHT,
    data: { values },
    layer: [
      { ...band, encoding: { ...band.encoding, color } },
      { ...line, encoding: { ...line.encoding, color } },
    ],
  };
}

/** The final values across seeds at each point: a box (quartiles, whiskers to min and max) and every run as a dot. */
export function distributionAcrossSeeds(metric: string, params: readonly string[], runs: readonly RunValue[]): FigureSpec {
  const pointLabel = (r: RunValue): string => (params.length === 0 ? 'all runs' : params.map((p, i) => (params.length === 1 ? label(r.params[i] ?? null) : `${p}=${label(r.params[i] ?? null)}`)).join(', '));
  const values = runs.map((r) => ({ at: pointLabel(r), point: r.point, value: r.value }));
  const order = distinct(values.map((v) => v.at));
  const x = { field: 'at', type: 'ordinal', title: params.length === 1 ? params[0] : 'parameter point', sort: order, axis: { labelAngle: params.length > 1 ? -40 : 0, labelLimit: 160 } } as const;
  const y = { field: 'value', type: 'quantitative', title: `${metric} (each run)`, scale: { zero: false } } as const;
  return {
    width: Math.min(600, Math.max(WIDTH, order.length * 22)),
    height: HEIGHT,
    data: { values },
    layer: [
      { mark: { type: 'boxplot', extent: 'min-max', opacity: 0.5, size: 14 }, encoding: { x, y } },
      { mark: { type: 'circle', size: 14, opacity: 0.6, color: '#333' }, encoding: { x, y } },
    ],
  };
}

/** One run's course of a metric, downsampled. */
export interface SeriesRun {
  readonly at: string;
  readonly seed: number;
  readonly points: readonly { readonly time: number; readonly value: number }[];
}

/** A metric over logical time: a panel per parameter point, the runs of a point overlaid (a line each). */
export function metricOverTime(metric: string, runs: readonly SeriesRun[], pointTitle: string | null): FigureSpec {
  const values = runs.flatMap((r) => r.points.map((p) => ({ at: r.at, seed: String(r.seed), t: p.time, v: p.value })));
  const order = distinct(runs.map((r) => r.at));
  return {
    data: { values },
    facet: { field: 'at', type: 'ordinal', title: pointTitle, sort: order, header: { labelLimit: 220 } },
    columns: 4,
    spec: {
      width: 200,
      height: 120,
      mark: { type: 'line', strokeWidth: 1, interpolate: 'step-after' },
      encoding: {
        x: { field: 't', type: 'quantitative', title: 'logical time' },
        y: { field: 'v', type: 'quantitative', title: metric },
        color: { field: 'seed', type: 'nominal', title: 'seed', legend: null },
      },
    },
  };
}
