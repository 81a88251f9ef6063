import type { ModuleRegistry } from '../modules/registry.ts';
import type { Manifest, ManifestRun } from '../outputs/schemas.ts';
import { readRunFile, readRunSummary } from '../results/read-run.ts';
import { metricTraceFile, readMetricTrace } from '../results/read-trace.ts';
import { Downsampler } from './downsample.ts';
import { describeSample } from '../results/statistics.ts';
import type { ModuleKind } from '../spec/experiment.ts';
import type { ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import { escapeHtml, htmlFigure, htmlTable } from './html.ts';
import { Panel, type PanelRun } from '../sdk/panels.ts';
import type { FigureSpec, SvgRenderer } from './render-svg.ts';

/** Succeeded runs whose summaries (and outputs) the panels see, over all points. */
export const PANEL_RUNS = 300;

interface Instance {
  readonly kind: ModuleKind;
  readonly module: string;
  readonly name?: string | undefined;
  readonly config?: Record<string, unknown> | undefined;
}

/** `config` with each dotted path of `values` set (the point's parameters of one instance). */
function withParams(config: Record<string, unknown>, values: readonly (readonly [string, unknown])[]): Record<string, unknown> {
  const out = structuredClone(config);
  for (const [path, value] of values) {
    const keys = path.split('.');
    let node: Record<string, unknown> = out;
    for (const key of keys.slice(0, -1)) {
      const next = node[key];
      node = typeof next === 'object' && next !== null && !Array.isArray(next) ? (next as Record<string, unknown>) : (node[key] = {});
    }
    node[keys.at(-1) as string] = value;
  }
  return out;
}

/**
 * The report's section of module panels: each instance whose module has a
 * `panels` hook gets a sample of the succeeded runs (the first seeds of each
 * point, PANEL_RUNS in all at most) and returns plots or tables, drawn here.
 * A panel that is not of the Panel shape, or that Vega-Lite cannot draw, is
 * shown as that problem: a third-party module cannot break the report.
 */
export async function modulePanels(
  store: ObjectStore,
  layout: ResultsLayout,
  manifest: Manifest,
  instances: readonly Instance[],
  registry: ModuleRegistry,
  pointOf: (run: ManifestRun) => number,
  params: readonly string[],
  renderer: SvgRenderer,
): Promise<string> {
  const withHooks = instances.flatMap((i) => {
    const def = registry.get(i.kind, i.module);
    return def?.panels === undefined ? [] : [{ instance: i, def, hook: def.panels }];
  });
  if (withHooks.length === 0) return '';
  const points = new Set(manifest.runs.map(pointOf)).size;
  const seedsPerPoint = Math.max(1, Math.floor(PANEL_RUNS / Math.max(1, points)));
  const perPoint = new Map<number, number>();
  const sample: ManifestRun[] = [];
  for (const run of manifest.runs) {
    const point = pointOf(run);
    if (run.status !== 'succeeded' || (perPoint.get(point) ?? 0) >= seedsPerPoint || sample.length >= PANEL_RUNS) continue;
    perPoint.set(point, (perPoint.get(point) ?? 0) + 1);
    sample.push(run);
  }
  const outputNames = new Map(withHooks.flatMap(({ def }) => Object.entries(def.outputs ?? {}).filter(([file]) => def.panelOutputs?.includes(file) ?? true)));
  const read = [];
  for (const run of sample) {
    const summary = await readRunSummary(store, layout, run);
    const outputs: Record<string, unknown> = {};
    for (const [name, schema] of outputNames) {
      if (!run.files?.some((f) => f.name === name)) continue;
      const parsed = schema.safeParse(JSON.parse((await readRunFile(store, layout, run, name)).toString('utf8')));
      if (parsed.success) outputs[name] = parsed.data;
    }
    read.push({ run, results: summary.results as Record<string, unknown>, outputs });
  }

  const blocks: string[] = [];
  for (const { instance, hook } of withHooks) {
    const name = instance.name ?? instance.module;
    const runs: PanelRun[] = read.map(({ run, results, outputs }) => ({
      runId: run.run_id,
      point: pointOf(run),
      seed: run.seed,
      params: run.params,
      config: withParams(instance.config ?? {}, Object.entries(run.params).flatMap(([k, v]) => (k.startsWith(`${name}.`) ? [[k.slice(name.length + 1), v] as const] : []))),
      results,
      outputs,
    }));
    let panels: readonly unknown[];
    try {
      panels = hook({
        instance: name,
        instances: instances.map((i) => ({ instance: i.name ?? i.module, kind: i.kind, module: i.module })),
        params,
        runs,
        totalRuns: manifest.runs.length,
        describe: describeSample,
      });
    } catch (e) {
      blocks.push(`<p class="note">${escapeHtml(`${name} (${instance.module}): its panels failed: ${(e as Error).message}`)}</p>`);
      continue;
    }
    if (panels.length === 0) continue;
    const drawn: string[] = [];
    for (const raw of panels) {
      const parsed = Panel.safeParse(raw);
      if (!parsed.success) {
        drawn.push(`<p class="note">${escapeHtml(`${name}: a panel is not a plot or table: ${parsed.error.issues[0]?.message ?? ''}`)}</p>`);
        continue;
      }
      const panel = parsed.data;
      if ('series' in panel) {
        const svg = await renderer.render(await seriesFigure(store, layout, sample, pointOf, params, panel.series.metrics));
        drawn.push(htmlFigure(panel.title, svg, panel.note));
        continue;
      }
      if ('table' in panel) {
        drawn.push(`<figure><figcaption>${escapeHtml(panel.title)}</figcaption>${htmlTable(panel.table.columns, panel.table.rows.map((r) => r.map((c) => (c === null ? '' : typeof c === 'number' ? formatNumber(c) : String(c)))))}${panel.note === undefined ? '' : `<p class="note">${escapeHtml(panel.note)}</p>`}</figure>`);
        continue;
      }
      try {
        drawn.push(htmlFigure(panel.title, await renderer.render(panel.plot as unknown as FigureSpec), panel.note));
      } catch (e) {
        drawn.push(`<p class="note">${escapeHtml(`${name}: ${panel.title}: could not be drawn: ${(e as Error).message}`)}</p>`);
      }
    }
    blocks.push(`<div class="metric"><h3>${escapeHtml(name)} <small>(${escapeHtml(instance.module)})</small></h3><div class="figures">${drawn.join('\n')}</div></div>`);
  }
  const note = `From ${sample.length} of ${manifest.runs.length} runs: the succeeded ones${sample.length < manifest.counts.succeeded ? `, at most the first ${seedsPerPoint} seeds of each parameter point` : ''}.`;
  return `<section id="module-panels"><h2>Module views</h2><p class="note">${escapeHtml(note)}</p>${blocks.join('\n')}</section>`;
}

/** Runs whose traces a series panel draws: the first sampled seed of up to this many points, spread over the sweep. */
const SERIES_POINTS = 4;
const SERIES_BUCKETS = 200;

/** The metrics together over logical time, a panel per point (its first sampled seed), downsampled. */
async function seriesFigure(
  store: ObjectStore,
  layout: ResultsLayout,
  sample: readonly ManifestRun[],
  pointOf: (run: ManifestRun) => number,
  params: readonly string[],
  metrics: readonly string[],
): Promise<FigureSpec> {
  const firstOfPoint = new Map<number, ManifestRun>();
  for (const run of sample) if (!firstOfPoint.has(pointOf(run)) && metricTraceFile(run) !== undefined) firstOfPoint.set(pointOf(run), run);
  const all = [...firstOfPoint.values()];
  const chosen = all.length <= SERIES_POINTS ? all : Array.from({ length: SERIES_POINTS }, (_, i) => all[Math.round((i * (all.length - 1)) / (SERIES_POINTS - 1))] as ManifestRun);
  const values: { at: string; metric: string; t: number; v: number }[] = [];
  for (const run of chosen) {
    const trace = await readMetricTrace(store, layout, run);
    const columns = metrics.map((m) => trace.metrics.indexOf(m));
    const present = metrics.filter((_, i) => (columns[i] as number) >= 0);
    const samplers = columns.map(() => new Downsampler(SERIES_BUCKETS, 0, trace.endTime));
    const presentSamplers = samplers.filter((_, i) => (columns[i] as number) >= 0);
    for await (const block of trace.columns(present)) presentSamplers.forEach((s, k) => s.pushColumn(block.time, block.values[k] as ArrayLike<number>, block.length));
    const at = params.length === 0 ? 'all runs' : params.map((p) => `${p}=${String(run.params[p])}`).join(', ');
    metrics.forEach((metric, i) => {
      for (const p of samplers[i]?.result() ?? []) values.push({ at: `${at} (seed ${run.seed})`, metric, t: p.time, v: p.value });
    });
  }
  return {
    data: { values },
    facet: { field: 'at', type: 'ordinal', title: null, sort: [...new Set(values.map((v) => v.at))], header: { labelLimit: 260 } },
    columns: 2,
    spec: {
      width: 260,
      height: 130,
      mark: { type: 'line', strokeWidth: 1.2, interpolate: 'step-after' },
      encoding: {
        x: { field: 't', type: 'quantitative', title: 'logical time' },
        y: { field: 'v', type: 'quantitative', title: null },
        color: { field: 'metric', type: 'nominal', title: 'metric', sort: [...metrics] },
      },
    },
  };
}

function formatNumber(x: number): string {
  return Number.isInteger(x) ? String(x) : x.toPrecision(4);
}
