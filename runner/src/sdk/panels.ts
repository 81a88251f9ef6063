import { z } from 'zod';

// What a module contributes to the report: declarative panels (a Vega-Lite
// plot with its data inline, or a table) computed from a sample of the
// experiment's runs. The report renders them; a module never draws.

type Cell = string | number | boolean | null;

/**
 * A sample's description across seeds. The spread, the standard error and
 * the interval need two values: with one they are undefined, never zero.
 */
export interface SampleStatistics {
  readonly n: number;
  readonly mean: number | undefined;
  /** Sample standard deviation (divides by n − 1). */
  readonly sd: number | undefined;
  /** Standard error of the mean, sd / √n. */
  readonly se: number | undefined;
  /** Two-sided 95% interval for the mean, from Student's t with n − 1 degrees of freedom. */
  readonly ciLow: number | undefined;
  readonly ciHigh: number | undefined;
  readonly min: number | undefined;
  readonly max: number | undefined;
}

/** One run as a panel sees it. */
export interface PanelRun {
  readonly runId: string;
  readonly point: number;
  readonly seed: number;
  /** The swept parameters at the run's point. */
  readonly params: Readonly<Record<string, Cell>>;
  /** The instance's config at the run's point: the spec's, with the point's parameters of this instance applied. */
  readonly config: Readonly<Record<string, unknown>>;
  /** summary.json's `results`, every instance's (a panel may compare instances). */
  readonly results: Readonly<Record<string, unknown>>;
  /** The instance's JSON output files (its module's `outputs`), parsed and checked against their schemas. */
  readonly outputs: Readonly<Record<string, unknown>>;
}

/** What a module's `panels` hook gets: the instance, the scenario's instances, and a bounded sample of succeeded runs. */
export interface PanelInput {
  readonly instance: string;
  readonly instances: readonly { readonly instance: string; readonly kind: string; readonly module: string }[];
  /** The swept parameters, in sweep order. */
  readonly params: readonly string[];
  /** Succeeded runs, up to a bound spread over every parameter point (the first seeds of each), in run order. */
  readonly runs: readonly PanelRun[];
  /** Runs in the experiment (the sample may hold fewer). */
  readonly totalRuns: number;
  /** The one statistics function of swarmlab: mean, sd and the 95% interval (Student's t) of values across seeds. */
  describe(values: Iterable<number>): SampleStatistics;
}

const CellSchema = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** A panel: a titled Vega-Lite plot (data inline, no URLs), table, or metrics of the run traces over logical time (drawn by the report). */
export const Panel = z.union([
  z.object({ title: z.string().min(1), note: z.string().optional(), series: z.object({ metrics: z.array(z.string().min(1)).min(1) }).strict().describe('Metric columns (instance.key) drawn together over logical time') }).strict(),
  z.object({ title: z.string().min(1), note: z.string().optional(), plot: z.record(z.string(), z.unknown()).describe('A Vega-Lite spec with its data inline') }).strict(),
  z.object({ title: z.string().min(1), note: z.string().optional(), table: z.object({ columns: z.array(z.string()).min(1), rows: z.array(z.array(CellSchema)) }).strict() }).strict(),
]);
export type Panel = z.infer<typeof Panel>;

/** A module's contribution to the report. */
export type PanelsHook = (input: PanelInput) => readonly Panel[];

/** A point's label for a panel: the swept parameters' values (`all runs` when none is swept). */
export function pointLabel(params: readonly string[], run: PanelRun): string {
  if (params.length === 0) return 'all runs';
  if (params.length === 1) return String(run.params[params[0] as string]);
  return params.map((p) => `${p}=${String(run.params[p])}`).join(', ');
}

/** Values grouped by (x, group), in first-seen order. */
export function groupValues<T>(items: Iterable<T>, key: (item: T) => readonly [string, string, number | undefined]): { x: string; group: string; values: number[] }[] {
  const groups = new Map<string, { x: string; group: string; values: number[] }>();
  for (const item of items) {
    const [x, group, value] = key(item);
    if (value === undefined || !Number.isFinite(value)) continue;
    const id = JSON.stringify([x, group]);
    const g = groups.get(id) ?? { x, group, values: [] };
    g.values.push(value);
    groups.set(id, g);
  }
  return [...groups.values()];
}

/**
 * A Vega-Lite plot of each group's mean with its 95% interval at each x
 * (a dot and a bar), groups side by side: for comparing strategies,
 * environments or settings across the sweep.
 */
export function intervalPlot(input: PanelInput, groups: readonly { x: string; group: string; values: readonly number[] }[], axes: { x: string; y: string; group: string }): Record<string, unknown> {
  const values = groups.map((g) => {
    const s = input.describe(g.values);
    return { x: g.x, group: g.group, n: s.n, mean: s.mean ?? null, lo: s.ciLow ?? s.mean ?? null, hi: s.ciHigh ?? s.mean ?? null };
  });
  const x = { field: 'x', type: 'ordinal', title: axes.x, sort: [...new Set(values.map((v) => v.x))], axis: { labelAngle: 0 } };
  const color = { field: 'group', type: 'nominal', title: axes.group, sort: [...new Set(values.map((v) => v.group))] };
  return {
    width: 320,
    height: 180,
    data: { values },
    encoding: { x, xOffset: { field: 'group', sort: color.sort }, color },
    layer: [
      { mark: { type: 'rule', strokeWidth: 2 }, encoding: { y: { field: 'lo', type: 'quantitative', title: axes.y, scale: { zero: false } }, y2: { field: 'hi' } } },
      { mark: { type: 'point', filled: true, size: 50 }, encoding: { y: { field: 'mean', type: 'quantitative' } } },
    ],
  };
}
