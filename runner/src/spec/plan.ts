import { SwarmlabError } from '../errors.ts';
import { deriveUint32 } from '../rng/index.ts';
import { designPoints, designSize } from '../designs/design-points.ts';
import type { BreakingPoint, Experiment, ParamValue, Sweep } from './experiment.ts';
import { searchDepth } from './adaptive.ts';

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

/** Whether the sweep runs in rounds (runner/src/rounds): its runs are chosen from the run matrix as results come in. */
export const isAdaptive = (sweep: Sweep): boolean => sweep.replication !== undefined || sweep.breakingPoint !== undefined;

/** Seeds a point may run with: the replicas or list, or the most an adaptive sweep gives one point. */
export function seedsPerPoint(sweep: Sweep): number {
  return sweep.replication?.maxSeeds ?? sweep.breakingPoint?.maxSeeds ?? sweep.seeds.list?.length ?? sweep.seeds.replicas ?? 1;
}

/** Seeds for the sweep: hashed from the base per replica (never base + i), or the explicit list. */
export function sweepSeeds(sweep: Sweep): number[] {
  if (sweep.seeds.list) return sweep.seeds.list.slice();
  const replicas = seedsPerPoint(sweep);
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

/** The points of the grid, design and explicit points: without a breaking-point search, the sweep's points; with one, the places it searches at. */
export function basePointCount(sweep: Sweep): number {
  const n = generatedPointCount(sweep) + sweep.points.length;
  return n === 0 ? 1 : n;
}

/** Values of a breaking-point search's parameter: 2^depth + 1 levels evenly over its range. */
export function searchLevels(b: BreakingPoint): number {
  return 2 ** searchDepth(b) + 1;
}

/** The searched parameter's value at a level (12 significant digits, so that values print as written; both ends exact). */
export function levelValue(b: BreakingPoint, level: number): number {
  const last = searchLevels(b) - 1;
  if (level === last) return b.range.max;
  return Number((b.range.min + ((b.range.max - b.range.min) * level) / last).toPrecision(12));
}

/** The points of the run matrix: the sweep's points, or with a breaking-point search each of them times every level of its parameter. */
export function pointCount(sweep: Sweep): number {
  const base = basePointCount(sweep);
  return sweep.breakingPoint === undefined ? base : base * searchLevels(sweep.breakingPoint);
}

/** The size of the run matrix, the index space of run ids: every point times every seed it may run with. An adaptive sweep runs a part of it. */
export function runCount(sweep: Sweep): number {
  return pointCount(sweep) * seedsPerPoint(sweep);
}

/** The most runs the sweep can make: the run matrix, or for a breaking-point search its probes (2 a round, at most) times their seeds. */
export function maxRunCount(sweep: Sweep): number {
  const b = sweep.breakingPoint;
  if (b === undefined) return runCount(sweep);
  return basePointCount(sweep) * Math.min(searchLevels(b), 2 * b.maxRounds) * b.maxSeeds;
}

/** Throws SWEEP_TOO_LARGE when the sweep exceeds its cap (checked before anything is materialised). */
export function checkRunCap(sweep: Sweep): void {
  const total = maxRunCount(sweep);
  if (total > sweep.maxRuns) {
    throw new SwarmlabError('SWEEP_TOO_LARGE', `the sweep has ${isAdaptive(sweep) ? 'up to ' : ''}${total} runs, more than maxRuns ${sweep.maxRuns}`, {
      path: 'spec.sweep.maxRuns',
      hint: `shrink the grid, design or seeds${isAdaptive(sweep) ? ' (maxSeeds, maxRounds)' : ''}, or raise spec.sweep.maxRuns`,
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

/** A breaking-point search's point as (the grid or explicit point searched at, the level of the searched parameter). */
export function searchPoint(b: BreakingPoint, pointIndex: number): { base: number; level: number } {
  const levels = searchLevels(b);
  return { base: Math.floor(pointIndex / levels), level: pointIndex % levels };
}

/**
 * The parameter values of one point: grid points (last axis varies fastest)
 * or design points first, then explicit points; with a breaking-point
 * search, those values and then the searched parameter's.
 */
export function pointParams(sweep: Sweep, pointIndex: number): Record<string, ParamValue> {
  const b = sweep.breakingPoint;
  if (b === undefined) return baseParams(sweep, pointIndex);
  const { base, level } = searchPoint(b, pointIndex);
  return { ...baseParams(sweep, base), [b.parameter]: levelValue(b, level) };
}

function baseParams(sweep: Sweep, pointIndex: number): Record<string, ParamValue> {
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
  const b = sweep.breakingPoint;
  if (b !== undefined) {
    if (param === b.parameter) return 'spec.sweep.breakingPoint.range';
    pointIndex = searchPoint(b, pointIndex).base;
  }
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
  const b = sweep.breakingPoint;
  if (b !== undefined) {
    if (param === b.parameter) return 'spec.sweep.breakingPoint.parameter';
    pointIndex = searchPoint(b, pointIndex).base;
  }
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

/**
 * The points a check of the sweep's configs visits: every point, or for a
 * breaking-point search the two ends of its range at each place it searches
 * (the levels between are values of one number between them).
 */
export function checkedPoints(sweep: Sweep): number[] {
  const b = sweep.breakingPoint;
  if (b === undefined) return Array.from({ length: pointCount(sweep) }, (_, p) => p);
  const levels = searchLevels(b);
  return Array.from({ length: basePointCount(sweep) }, (_, c) => [c * levels, c * levels + levels - 1]).flat();
}

/**
 * The whole run matrix: every parameter point times every seed. Pure and
 * deterministic. An adaptive sweep runs part of it, chosen round by round
 * (runner/src/rounds: planRounds).
 */
export function plan(exp: Experiment): RunPoint[] {
  checkRunCap(exp.spec.sweep);
  if (isAdaptive(exp.spec.sweep)) throw new SwarmlabError('USAGE', 'an adaptive sweep (replication, breakingPoint) is planned round by round: planRounds, not plan');
  const seeds = sweepSeeds(exp.spec.sweep);
  const total = runCount(exp.spec.sweep);
  const runs: RunPoint[] = [];
  for (let i = 0; i < total; i++) runs.push(planRun(exp, i, seeds));
  return runs;
}
