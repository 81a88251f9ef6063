import { Rng } from '../rng/index.ts';
import type { Design, ParamValue, Sweep } from '../spec/experiment.ts';
import { DEFAULT_MAXIMIN_CANDIDATES, DEFAULT_MORRIS_LEVELS, designPointCount } from '../spec/design.ts';
import { canonicalJson } from '../spec/canonical.ts';
import { latinHypercube, maximinLatinHypercube } from './latin-hypercube.ts';
import { morrisTrajectories } from './morris.ts';
import { saltelliRows } from './saltelli.ts';
import { sobolPoints } from './sobol-sequence.ts';
import { valueAt } from './transform.ts';

// The points of spec.sweep.design: a pure function of the design and the
// experiment seed, so the planner of either executor, the checker and the
// analyser all see the same points.

export interface DesignPoints {
  /** Each point's coordinates in [0, 1]^parameters (the analyser's view). */
  readonly unit: readonly (readonly number[])[];
  /** Each point's parameter values, in the design's parameter order. */
  readonly params: readonly Readonly<Record<string, ParamValue>>[];
}

/** The number of points the design gives, without drawing them (the run cap is checked before anything is drawn). */
export function designSize(design: Design): number {
  return designPointCount(design);
}

export function morrisLevels(design: Design): number {
  return design.levels ?? DEFAULT_MORRIS_LEVELS;
}

/** The coordinates of every point, drawn from one stream hashed from the experiment seed and the method. */
function unitPoints(design: Design, seed: number): number[][] {
  const rng = Rng.derive('swarmlab/design', seed, design.method);
  const d = design.parameters.length;
  const n = design.samples ?? 0;
  const scramble = design.scramble !== false ? rng : undefined;
  switch (design.method) {
    case 'random':
      return Array.from({ length: n }, () => Array.from({ length: d }, () => rng.next()));
    case 'latin-hypercube':
      return design.maximin === true ? maximinLatinHypercube(n, d, design.candidates ?? DEFAULT_MAXIMIN_CANDIDATES, rng) : latinHypercube(n, d, rng);
    case 'sobol':
      return sobolPoints(n, d, scramble);
    case 'saltelli':
      return saltelliRows(sobolPoints(n, 2 * d, scramble), d, design.secondOrder === true);
    case 'morris':
      return morrisTrajectories(design.trajectories!, d, morrisLevels(design), rng);
  }
}

// The planner asks for one point at a time (a pod plans only its own run);
// the few designs of a process are drawn once each.
const cache = new Map<string, DesignPoints>();
const CACHED_DESIGNS = 4;

/** The design's points for the sweep's experiment seed. */
export function designPoints(sweep: Sweep): DesignPoints {
  const design = sweep.design;
  if (design === undefined) return { unit: [], params: [] };
  const key = canonicalJson({ design, seed: sweep.seeds.base });
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const unit = unitPoints(design, sweep.seeds.base);
  const params = unit.map((u) => Object.fromEntries(design.parameters.map((p, k) => [p.param, valueAt(p, u[k]!)])));
  const points = { unit, params };
  if (cache.size >= CACHED_DESIGNS) cache.delete(cache.keys().next().value!);
  cache.set(key, points);
  return points;
}
