import { stringify } from 'yaml';
import type { Manifest, ManifestRun } from '../outputs/schemas.ts';
import { metricTraceFile, readMetricTrace } from '../results/read-trace.ts';
import { readRunValues } from '../results/read-run-values.ts';
import { readStatistics, type PointStatistics } from '../results/read-statistics.ts';
import { API_VERSION } from '../spec/experiment.ts';
import { parseExperiment } from '../spec/load.ts';
import { planRun, sweepSeeds } from '../spec/plan.ts';
import type { ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import { RUNNER_VERSION } from '../version.ts';
import type { ModuleRegistry } from '../modules/registry.ts';
import { modulePanels } from './module-panels.ts';
import { sensitivityPanel } from './sensitivity-panel.ts';
import { adaptivePanel } from './adaptive-panel.ts';
import { metricAgainstDesign } from './design-figures.ts';
import { Downsampler } from './downsample.ts';
import { distributionAcrossSeeds, metricAgainstParams, metricOverTime, type PointRow, type RunValue, type SeriesRun } from './figures.ts';
import { escapeHtml, htmlFigure, htmlPage, htmlTable } from './html.ts';
import type { SvgRenderer } from './render-svg.ts';

/** How much of a big sweep the report draws: its size stays that of a page whatever the sweep's. */
export const REPORT_LIMITS = {
  /** Parameter points whose statistics are drawn (the first ones, in sweep order). */
  points: 500,
  /** Single runs drawn as dots in the distributions, over all points. */
  dots: 2000,
  /** Parameter points whose runs' time series are drawn, spread over the sweep. */
  seriesPoints: 4,
  /** Runs of each of those points whose time series are drawn (the first seeds). */
  seriesSeeds: 3,
  /** Metrics drawn over time, when none are chosen (the ones that differ between points first). */
  seriesMetrics: 8,
  /** Buckets of a downsampled time series (each keeps its low and high). */
  seriesBuckets: 200,
} as const;

export interface ReportOptions {
  /** The final metrics to show; default: every one. */
  readonly metrics?: readonly string[];
  /** Where the scenario's modules' panel hooks come from. */
  readonly registry: ModuleRegistry;
}

type Scalar = number | string | boolean | null;

function scalar(v: unknown): Scalar {
  if (typeof v === 'bigint') return Number(v);
  if (typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean') return v;
  return null;
}

/** A metric whose mean is the same at every point and that varies with no seed: listed, not drawn. */
function isConstant(rows: readonly PointStatistics[]): boolean {
  const means = rows.map((r) => r.mean);
  return means.every((m) => m === means[0]) && rows.every((r) => r.sd === null || r.sd === 0);
}

/**
 * The experiment's report: one HTML file with no script and nothing to
 * fetch, its figures rendered to SVG here. It shows what was run; for each
 * final metric its mean and 95% interval against the swept parameters
 * (from the statistics table) and the values of single runs at each point
 * (from the results table); and the metrics over logical time for a few
 * runs (from their traces, downsampled). What it holds is bounded by
 * REPORT_LIMITS, whatever the sweep's size. The same results give the same bytes.
 */
export async function buildReport(store: ObjectStore, layout: ResultsLayout, manifest: Manifest, opts: ReportOptions): Promise<Buffer> {
  const exp = parseExperiment({ apiVersion: API_VERSION, kind: 'Experiment', metadata: { name: manifest.experiment.name }, spec: manifest.spec }, layout.manifest);
  const seeds = sweepSeeds(exp.spec.sweep);
  // Vega is loaded only where a report is drawn: a run pod, which never draws one, is spared its memory (10-20 MB).
  const { SvgRenderer } = await import('./render-svg.ts');
  const renderer = new SvgRenderer();
  const page = await readStatistics(store, layout, REPORT_LIMITS.points, opts.metrics === undefined ? undefined : new Set(opts.metrics));
  const params = page.params;
  const byMetric = new Map<string, PointStatistics[]>();
  for (const row of page.rows) byMetric.set(row.metric, [...(byMetric.get(row.metric) ?? []), row]);
  const shown = opts.metrics ?? page.metrics;
  const drawn = shown.filter((m) => !isConstant(byMetric.get(m) ?? []));
  const constant = shown.filter((m) => !drawn.includes(m));
  const pointParams = new Map<number, Scalar[]>();
  for (const row of page.rows) pointParams.set(row.point, row.params.map(([, v]) => scalar(v)));

  const sections: string[] = [];
  sections.push(whatWasRun(manifest, exp.spec.scenario.modules, exp.spec.sweep, page.points));

  const drawnPoints = Math.min(page.points, REPORT_LIMITS.points);
  const runValues = drawn.length === 0 || exp.spec.sweep.design !== undefined ? [] : await readRunValues(store, layout, drawn, { maxPoints: drawnPoints, seedsPerPoint: Math.max(1, Math.floor(REPORT_LIMITS.dots / Math.max(1, drawnPoints))) });
  const metricBlocks: string[] = [];
  for (const [m, metric] of drawn.entries()) {
    const rows: PointRow[] = (byMetric.get(metric) ?? []).map((r) => ({ point: r.point, params: r.params.map(([, v]) => scalar(v)), n: r.n, mean: r.mean, ciLow: r.ci95_low, ciHigh: r.ci95_high }));
    const runs: RunValue[] = runValues.flatMap((r) => {
      const value = r.values[m];
      return value === null || value === undefined ? [] : [{ point: r.point, params: pointParams.get(r.point) ?? [], value }];
    });
    if (exp.spec.sweep.design !== undefined) {
      const scatter = await renderer.render(metricAgainstDesign(metric, params, rows));
      metricBlocks.push(`<div class="metric"><h3>${escapeHtml(metric)}</h3><div class="figures">${htmlFigure('mean across seeds at each design point, against each parameter', scatter)}</div></div>`);
      continue;
    }
    const against = await renderer.render(metricAgainstParams(metric, params, rows));
    const spread = await renderer.render(distributionAcrossSeeds(metric, params, runs));
    metricBlocks.push(
      `<div class="metric"><h3>${escapeHtml(metric)}</h3><div class="figures">` +
        htmlFigure('mean and 95% confidence interval across seeds', against) +
        htmlFigure('each run at each point', spread) +
        '</div></div>',
    );
  }
  const pointsNote = page.points > drawnPoints ? `<p class="note">The first ${drawnPoints} of ${page.points} parameter points are drawn; statistics.csv has every one.</p>` : '';
  const constantNote = constant.length === 0 ? '' : `<p>The same at every point, with no spread across seeds: ${constant.map((m) => `<code>${escapeHtml(m)}</code> = ${escapeHtml(String(byMetric.get(m)?.[0]?.mean ?? 'none'))}`).join(', ')}.</p>`;
  sections.push(
    `<section id="final-metrics"><h2>Final metrics against the swept parameters</h2>${pointsNote}` +
      (page.rows.length === 0 ? '<p>No final metrics: no run succeeded, or the modules report none.</p>' : '') +
      `${constantNote}${metricBlocks.join('\n')}</section>`,
  );

  sections.push(await adaptivePanel(store, layout, manifest, renderer));
  sections.push(await sensitivityPanel(store, layout, manifest, renderer));

  const seriesMetrics = opts.metrics ?? (drawn.length > 0 ? drawn : constant).slice(0, REPORT_LIMITS.seriesMetrics);
  const pointOf = (run: ManifestRun): number => planRun(exp, run.index, seeds).pointIndex;
  sections.push(await modulePanels(store, layout, manifest, exp.spec.scenario.modules, opts.registry, pointOf, params, renderer));
  sections.push(await timeSeries(store, layout, manifest, (run) => planRun(exp, run.index, seeds).pointIndex, pointParams, params, seriesMetrics, renderer));
  sections.push(`<footer><p class="note">Built by swarmlab ${escapeHtml(RUNNER_VERSION)} from manifest ${escapeHtml(manifest.digest)}.</p></footer>`);
  const body = sections.join('\n');
  return Buffer.from(htmlPage(`${manifest.experiment.name}: swarmlab report`, `<h1>${escapeHtml(manifest.experiment.name)}</h1>\n${contents(body)}\n${body}`), 'utf8');
}

/** Links to the page's sections, in order: a long report (a figure per metric) is read by jumping to the part wanted. */
function contents(body: string): string {
  const links = [...body.matchAll(/<section id="([a-z-]+)"><h2>([^<]+)<\/h2>/g)].map(([, id, title]) => `<li><a href="#${id ?? ''}">${title ?? ''}</a></li>`);
  return `<nav><ul class="contents">${links.join('')}</ul></nav>`;
}

function whatWasRun(manifest: Manifest, modules: readonly { kind: string; module: string; name?: string | undefined; version?: string | undefined }[], sweep: unknown, points: number): string {
  const { counts } = manifest;
  const failures = new Map<string, ManifestRun[]>();
  for (const run of manifest.runs) {
    if (run.status !== 'failed') continue;
    const code = run.error?.code ?? 'unknown';
    failures.set(code, [...(failures.get(code) ?? []), run]);
  }
  const failureTable =
    failures.size === 0
      ? '<p>No run failed.</p>'
      : htmlTable(
          ['code', 'runs', 'first runs'],
          [...failures].map(([code, runs]) => [code, String(runs.length), runs.slice(0, 5).map((r) => r.run_id).join(', ') + (runs.length > 5 ? ', …' : '')]),
        );
  return (
    '<section id="what-was-run"><h2>What was run</h2>' +
    htmlTable(['runs', 'succeeded', 'failed', 'parameter points'], [[String(counts.total), String(counts.succeeded), String(counts.failed), String(points)]]) +
    '<h3>Failures</h3>' +
    failureTable +
    '<h3>Modules</h3>' +
    htmlTable(['kind', 'module', 'instance', 'version'], modules.map((m) => [m.kind, m.module, m.name ?? m.module, m.version ?? 'any'])) +
    `<h3>Sweep</h3><pre>${escapeHtml(stringify(sweep))}</pre>` +
    htmlTable(['digest', 'sha256'], [['spec', manifest.experiment.spec_digest], ['manifest', manifest.digest]]) +
    '</section>'
  );
}

/** Points spread over the sweep: the first, the last and evenly between. */
function spreadPoints(points: number, count: number): number[] {
  if (points <= count) return Array.from({ length: points }, (_, i) => i);
  return [...new Set(Array.from({ length: count }, (_, i) => Math.round((i * (points - 1)) / (count - 1))))];
}

async function timeSeries(
  store: ObjectStore,
  layout: ResultsLayout,
  manifest: Manifest,
  pointOf: (run: ManifestRun) => number,
  pointParams: ReadonlyMap<number, readonly Scalar[]>,
  params: readonly string[],
  metrics: readonly string[],
  renderer: SvgRenderer,
): Promise<string> {
  const points = new Set(spreadPoints(pointParams.size, REPORT_LIMITS.seriesPoints));
  const chosen: ManifestRun[] = [];
  const perPoint = new Map<number, number>();
  for (const run of manifest.runs) {
    // A run stored without its trace (summaries only) has no course to draw.
    if (run.status !== 'succeeded' || metricTraceFile(run) === undefined) continue;
    const point = pointOf(run);
    if (!points.has(point) || (perPoint.get(point) ?? 0) >= REPORT_LIMITS.seriesSeeds) continue;
    perPoint.set(point, (perPoint.get(point) ?? 0) + 1);
    chosen.push(run);
  }
  const series = new Map<string, SeriesRun[]>(metrics.map((m) => [m, []]));
  for (const run of chosen) {
    const trace = await readMetricTrace(store, layout, run);
    const columns = metrics.map((m) => trace.metrics.indexOf(m));
    const present = metrics.filter((_, i) => (columns[i] as number) >= 0);
    const samplers = columns.map(() => new Downsampler(REPORT_LIMITS.seriesBuckets, 0, trace.endTime));
    const presentSamplers = samplers.filter((_, i) => (columns[i] as number) >= 0);
    for await (const block of trace.columns(present)) presentSamplers.forEach((s, k) => s.pushColumn(block.time, block.values[k] as ArrayLike<number>, block.length));
    const values = pointParams.get(pointOf(run)) ?? [];
    const at = params.length === 0 ? 'all runs' : params.length === 1 ? String(values[0] ?? '') : params.map((p, i) => `${p}=${String(values[i] ?? '')}`).join(', ');
    metrics.forEach((m, i) => {
      if ((columns[i] as number) >= 0) series.get(m)?.push({ at, seed: run.seed, points: samplers[i]?.result() ?? [] });
    });
  }
  const figures: string[] = [];
  for (const [metric, runs] of series) {
    if (runs.length === 0) continue;
    figures.push(htmlFigure(metric, await renderer.render(metricOverTime(metric, runs, params.length === 1 ? (params[0] as string) : null))));
  }
  const note = `Runs ${chosen.map((r) => r.run_id).join(', ') || '(none succeeded)'}: up to ${REPORT_LIMITS.seriesSeeds} seeds at each of up to ${REPORT_LIMITS.seriesPoints} parameter points spread over the sweep, one line per run, each downsampled to at most ${2 * REPORT_LIMITS.seriesBuckets + 2} values (the low and high of each of ${REPORT_LIMITS.seriesBuckets} time spans).`;
  return `<section id="time-series"><h2>Metrics over logical time</h2><p class="note">${escapeHtml(note)}</p>${figures.join('\n')}</section>`;
}
