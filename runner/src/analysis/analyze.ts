import { SwarmlabError } from '../errors.ts';
import type { Manifest } from '../outputs/schemas.ts';
import { designPoints, designSize, morrisLevels } from '../designs/design-points.ts';
import { morrisDelta } from '../designs/morris.ts';
import { saltelliGroupSize } from '../designs/saltelli.ts';
import { readRunValues } from '../results/read-run-values.ts';
import { readStatistics } from '../results/read-statistics.ts';
import { Rng } from '../rng/index.ts';
import { API_VERSION, type Design, type Experiment } from '../spec/experiment.ts';
import { parseExperiment } from '../spec/load.ts';
import type { ResultsLayout } from '../store/layout.ts';
import type { ObjectStore } from '../store/store.ts';
import { morrisEffects } from './morris-effects.ts';
import { SENSITIVITY_SCHEMA_VERSION, SensitivityFile, type AnalysisMethod, type MetricSensitivity } from './sensitivity-file.ts';
import { sobolIndices } from './sobol-indices.ts';

export const DEFAULT_RESAMPLES = 1000;
export const DEFAULT_CONFIDENCE = 0.95;
/** The estimate of an index that cannot be computed (fewer than two complete base samples). */
const none = { value: null, ci_low: null, ci_high: null };

export interface AnalyzeOptions {
  readonly method: AnalysisMethod;
  /** Final metrics to analyse; default: every one. */
  readonly metrics?: readonly string[];
  readonly resamples?: number;
  readonly confidence?: number;
}

/** The design method each analysis reads. */
const DESIGN_FOR: Readonly<Record<AnalysisMethod, Design['method']>> = { sobol: 'saltelli', morris: 'morris' };

/** The experiment's design, when it is the one the method needs. */
function designFor(exp: Experiment, method: AnalysisMethod): Design {
  const design = exp.spec.sweep.design;
  const want = DESIGN_FOR[method];
  if (design?.method !== want) {
    throw new SwarmlabError('USAGE', `--method ${method} reads the runs of a ${want} design; this experiment's spec.sweep.design ${design === undefined ? 'is not set (it ran a grid)' : `method is ${design.method}`}`, {
      hint: `run an experiment with spec.sweep.design.method: ${want} (docs/designs.md)${design?.method === 'saltelli' || design?.method === 'morris' ? `, or analyse this one with --method ${design.method === 'saltelli' ? 'sobol' : 'morris'}` : ''}`,
    });
  }
  return design;
}

/** The mean of each design point's runs (null: no run of the point has the metric), one array per metric. */
async function pointMeans(store: ObjectStore, layout: ResultsLayout, metrics: readonly string[], points: number): Promise<(number | null)[][]> {
  const sums = metrics.map(() => new Float64Array(points));
  const counts = metrics.map(() => new Int32Array(points));
  const runs = await readRunValues(store, layout, metrics, { maxPoints: points, seedsPerPoint: Number.POSITIVE_INFINITY });
  for (const run of runs) {
    run.values.forEach((v, m) => {
      if (v === null || !Number.isFinite(v)) return;
      sums[m]![run.point] = sums[m]![run.point]! + v;
      counts[m]![run.point] = counts[m]![run.point]! + 1;
    });
  }
  return metrics.map((_, m) => Array.from(sums[m]!, (s, p) => (counts[m]![p]! > 0 ? s / counts[m]![p]! : null)));
}

/** The groups (base samples, trajectories) whose every point has a value: their point indices, in order. */
function completeGroups(values: readonly (number | null)[], groupSize: number): number[][] {
  const groups: number[][] = [];
  for (let start = 0; start + groupSize <= values.length; start += groupSize) {
    const members = Array.from({ length: groupSize }, (_, i) => start + i);
    if (members.every((p) => values[p] !== null)) groups.push(members);
  }
  return groups;
}

/**
 * Sobol' indices (a Saltelli design) or Morris effects (a Morris design)
 * of final metrics, from a finished result set's tables: each design point's
 * value is the mean over its seeds. Explicit points after the design are not
 * part of it and are left out. Deterministic: the bootstrap draws come from
 * the experiment seed and the metric.
 */
export async function analyzeResults(store: ObjectStore, layout: ResultsLayout, manifest: Manifest, opts: AnalyzeOptions): Promise<SensitivityFile> {
  const exp = parseExperiment({ apiVersion: API_VERSION, kind: 'Experiment', metadata: { name: manifest.experiment.name }, spec: manifest.spec }, layout.manifest);
  const design = designFor(exp, opts.method);
  const resamples = opts.resamples ?? DEFAULT_RESAMPLES;
  const confidence = opts.confidence ?? DEFAULT_CONFIDENCE;
  const known = (await readStatistics(store, layout, 1)).metrics;
  const unknown = (opts.metrics ?? []).filter((m) => !known.includes(m));
  if (unknown.length > 0) throw new SwarmlabError('USAGE', `--metric ${unknown[0]!}: no such final metric; known: ${known.join(', ') || '(none: no run succeeded)'}`);
  const metrics = opts.metrics !== undefined && opts.metrics.length > 0 ? opts.metrics : known;
  const size = designSize(design);
  const points = designPoints(exp.spec.sweep);
  const names = design.parameters.map((p) => p.param);
  const d = names.length;
  const means = await pointMeans(store, layout, metrics, size);
  const secondOrder = design.secondOrder === true;
  const groupSize = opts.method === 'sobol' ? saltelliGroupSize(d, secondOrder) : d + 1;
  const totalGroups = size / groupSize;

  const results: MetricSensitivity[] = metrics.map((metric, m) => {
    const values = means[m]!;
    const groups = completeGroups(values, groupSize);
    const y = groups.flat().map((p) => values[p]!);
    const rng = Rng.derive('swarmlab/analyze', exp.spec.sweep.seeds.base, opts.method, metric);
    const base = { metric, groups: groups.length, excluded: totalGroups - groups.length };
    if (opts.method === 'sobol') {
      if (groups.length < 2) return { ...base, sobol: names.map((param) => ({ param, first: none, total: none })), ...(secondOrder ? { second_order: [] } : {}) };
      const r = sobolIndices(y, d, secondOrder, { resamples, confidence, rng });
      return {
        ...base,
        sobol: names.map((param, j) => ({ param, first: r.first[j]!, total: r.total[j]! })),
        ...(secondOrder ? { second_order: r.second.map((s) => ({ params: [names[s.pair[0]]!, names[s.pair[1]]!] as [string, string], estimate: s.estimate })) } : {}),
      };
    }
    if (groups.length < 1) return { ...base, morris: [] };
    const unit = groups.flat().map((p) => points.unit[p]!);
    const effects = morrisEffects(unit, y, d, morrisDelta(morrisLevels(design)), { resamples, confidence, rng });
    return { ...base, morris: names.map((param, k) => ({ param, mu_star: effects[k]!.muStar, mu: effects[k]!.mu, sigma: effects[k]!.sigma })) };
  });

  return SensitivityFile.parse({
    schema_version: SENSITIVITY_SCHEMA_VERSION,
    experiment: { name: manifest.experiment.name, spec_digest: manifest.experiment.spec_digest },
    manifest_digest: manifest.digest,
    method: opts.method,
    design,
    parameters: names,
    bootstrap: { resamples, confidence },
    metrics: results,
  });
}
