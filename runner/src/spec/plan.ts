import { SwarmlabError } from '../errors.ts';
import { deriveUint32 } from '../rng/index.ts';
import { designPoints, designSize } from '../designs/design-points.ts';
import type { Experiment, ParamValue, Sweep } from './experiment.ts';

export interface RunPoint {
  /** Position in the run matrix; the Kubernetes JOB_COMPLETION_INDEX of the run. */
  readonly index: number;
  readonly runId: string;
  readonly seed: number;
  readonly seedIndex: number;
  readonly pointIndex: number;
  /** Parameter path -> value, in grid axis order. */
  readonly params: Readonly<Record<string, ParamValue>>;
}

/** Seeds for the sweep: hashed from the base per replica (never base + i), or the explicit list. */
export function sweepSeeds(sweep: Sweep): number[] {
  if (sweep.seeds.list) return sweep.seeds.list.slice();
  const replicas = sweep.seeds.replicas ?? 1;
  const seeds: number[] = [];
  for (let r = 0; r < replicas; r++) seeds.push(deriveUint32('swarmlab/seed', sweep.seeds.base, r));
  return seeds;
}

function gridSize(sweep: Sweep): number {
  return sweep.grid.reduce((n, axis) => n * axis.values.length, sweep.grid.length === 0 ? 0 : 1);
}

/** The points of the grid or of the design (a sweep has one or neither), which come before the explicit points. */
export function generatedPointCount(sweep: Sweep): number {
  return sweep.design !== undefined ? designSize(sweep.design) : gridSize(sweep);
}

export function pointCount(sweep: Sweep): number {
  const n = generatedPointCount(sweep) + sweep.points.length;
  return n === 0 ? 1 : n;
}

export function runCount(sweep: Sweep): number {
  return pointCount(sweep) * (sweep.seeds.list?.length ?? sweep.seeds.replicas ?? 1);
}

/** Throws SWEEP_TOO_LARGE when the sweep exceeds its cap (checked before anything is materialised). */
export function checkRunCap(sweep: Sweep): void {
  const total = runCount(sweep);
  if (total > sweep.maxRuns) {
    throw new SwarmlabError('SWEEP_TOO_LARGE', `the sweep has ${total} runs, more than maxRuns ${sweep.maxRuns}`, {
      path: 'spec.sweep.maxRuns',
      hint: 'shrink the grid, design or seeds, or raise spec.sweep.maxRuns',
    });
  }
}

/** Index into each grid axis's values for grid point pointIndex (the last axis varies fastest). */
function gridDigits(sweep: Sweep, pointIndex: number): number[] {
  const digits: number[] = [];
  let rest = pointIndex;
  for (let a = sweep.grid.length - 1; a >= 0; a--) {
    const len = sweep.grid[a]!.values.length;
    digits[a] = rest % len;
    rest = Math.floor(rest / len);
  }
  return digits;
}

/** The parameter values of one point: grid points (last axis varies fastest) or design points first, then explicit points. */
export function pointParams(sweep: Sweep, pointIndex: number): Record<string, ParamValue> {
  const grid = generatedPointCount(sweep);
  if (sweep.design !== undefined && pointIndex < grid) return { ...designPoints(sweep).params[pointIndex] };
  if (pointIndex < grid) {
    const params: Record<string, ParamValue> = {};
    const digits = gridDigits(sweep, pointIndex);
    sweep.grid.forEach((axis, a) => {
      params[axis.param] = axis.values[digits[a]!]!;
    });
    return params;
  }
  const explicit = sweep.points[pointIndex - grid];
  return explicit ? { ...explicit } : {};
}

/** The index of `param` among the design's parameters. */
const designParameterIndex = (sweep: Sweep, param: string): number => sweep.design!.parameters.findIndex((p) => p.param === param);

/** The spec path that gives parameter `param` its value at a point: `spec.sweep.grid[0].values[2]`, `spec.sweep.design.parameters[1]` or `spec.sweep.points[3].<param>`. */
export function paramSource(sweep: Sweep, pointIndex: number, param: string): string {
  const grid = generatedPointCount(sweep);
  if (sweep.design !== undefined && pointIndex < grid) return `spec.sweep.design.parameters[${designParameterIndex(sweep, param)}]`;
  if (pointIndex < grid) {
    const a = sweep.grid.findIndex((axis) => axis.param === param);
    return `spec.sweep.grid[${a}].values[${gridDigits(sweep, pointIndex)[a]}]`;
  }
  return `spec.sweep.points[${pointIndex - grid}].${param}`;
}

/** The spec path that names parameter `param` at a point: its grid axis, or the explicit point's key. */
export function paramNameSource(sweep: Sweep, pointIndex: number, param: string): string {
  const grid = generatedPointCount(sweep);
  if (sweep.design !== undefined && pointIndex < grid) return `spec.sweep.design.parameters[${designParameterIndex(sweep, param)}].param`;
  if (pointIndex < grid) return `spec.sweep.grid[${sweep.grid.findIndex((axis) => axis.param === param)}].param`;
  return `spec.sweep.points[${pointIndex - grid}].${param}`;
}

function runIdWidth(total: number): number {
  return Math.max(6, String(Math.max(0, total - 1)).length);
}

/** `run-000042`: the run's key in the store, zero-padded so keys sort in index order. */
export function runIdOf(index: number, total: number): string {
  return `run-${String(index).padStart(runIdWidth(total), '0')}`;
}

/** The index a run id names (the inverse of runIdOf), or undefined for anything else. */
export function runIndexOf(runId: string | undefined): number | undefined {
  const m = runId === undefined ? null : /^run-(\d+)$/.exec(runId);
  return m === null ? undefined : Number(m[1]);
}

/** One run of the matrix, computed from its index alone (a pod needs only its own). */
export function planRun(exp: Experiment, index: number, seeds = sweepSeeds(exp.spec.sweep)): RunPoint {
  const total = runCount(exp.spec.sweep);
  if (!Number.isInteger(index) || index < 0 || index >= total) {
    throw new SwarmlabError('USAGE', `run index ${index} is outside the run matrix 0..${total - 1}`);
  }
  const pointIndex = Math.floor(index / seeds.length);
  const seedIndex = index % seeds.length;
  return {
    index,
    runId: runIdOf(index, total),
    seed: seeds[seedIndex]!,
    seedIndex,
    pointIndex,
    params: pointParams(exp.spec.sweep, pointIndex),
  };
}

/** The whole run matrix: every parameter point times every seed. Pure and deterministic. */
export function plan(exp: Experiment): RunPoint[] {
  checkRunCap(exp.spec.sweep);
  const seeds = sweepSeeds(exp.spec.sweep);
  const total = runCount(exp.spec.sweep);
  const runs: RunPoint[] = [];
  for (let i = 0; i < total; i++) runs.push(planRun(exp, i, seeds));
  return runs;
}
