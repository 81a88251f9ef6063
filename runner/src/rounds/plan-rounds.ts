import { SwarmlabError } from '../errors.ts';
import type { Experiment } from '../spec/experiment.ts';
import { basePointCount, pointCount, searchLevels, seedsPerPoint } from '../spec/plan.ts';
import { SeedAllocation, type Observations } from './allocation.ts';
import { probesOf, searchStep, type SearchState } from './breaking-point.ts';
import { replicationRound } from './replication.ts';

export type AdaptiveMode = 'replication' | 'breaking-point';

export interface Round {
  readonly round: number;
  /** The round's run indices, ascending. */
  readonly indices: readonly number[];
}

/** Why the rounds ended: every point settled, or the breaking-point search's maxRounds. */
export type RoundsEnd = 'settled' | 'max-rounds';

export interface RoundsPlan {
  readonly mode: AdaptiveMode;
  /** Every round decided so far, in order; the last one may still have runs to go. */
  readonly rounds: readonly Round[];
  /** The runs of the last round not observed yet; empty once the sweep has ended. */
  readonly pending: readonly number[];
  /** Set once no round follows. */
  readonly ended?: RoundsEnd;
  /** The seeds given to each point by the rounds above. */
  readonly allocation: SeedAllocation;
  /** Each breaking-point search's state as each round was decided (history[r][base]), and after the last round. */
  readonly history: readonly (readonly SearchState[])[];
}

export function adaptiveModeOf(exp: Experiment): AdaptiveMode | undefined {
  const s = exp.spec.sweep;
  return s.replication !== undefined ? 'replication' : s.breakingPoint !== undefined ? 'breaking-point' : undefined;
}

/** A round's additions for one mode: point -> seeds to add; plus the searches' states it was decided from. */
type Step = { add: Map<number, number>; searches: SearchState[] };

function stepOf(exp: Experiment, alloc: SeedAllocation, round: number): Step {
  const { replication, breakingPoint } = exp.spec.sweep;
  if (replication !== undefined) return { add: replicationRound(replication, pointCount(exp.spec.sweep), alloc, round), searches: [] };
  const b = breakingPoint!;
  const levels = searchLevels(b);
  const add = new Map<number, number>();
  const searches: SearchState[] = [];
  for (let base = 0; base < basePointCount(exp.spec.sweep); base++) {
    const state = searchStep(b, probesOf(b, alloc, base));
    searches.push(state);
    for (const [level, n] of state.add) add.set(base * levels + level, n);
  }
  return { add, searches };
}

/**
 * The rounds of an adaptive sweep, replayed from the spec and the runs
 * observed: round 0 comes from the spec alone, round r + 1 from the values
 * of the runs of rounds 0..r. Only each round's own runs are read, so extra
 * observations change nothing, and the same spec with the same run results
 * gives the same rounds and run indices on any machine and in either
 * executor. Replaying stops at the first round with runs not observed yet
 * (they are `pending`: run them, observe them, replay again), or when no
 * point needs another round.
 */
export function planRounds(exp: Experiment, observed: Observations): RoundsPlan {
  const mode = adaptiveModeOf(exp);
  if (mode === undefined) throw new SwarmlabError('USAGE', 'the sweep is not adaptive (no spec.sweep.replication or spec.sweep.breakingPoint): plan it with plan');
  const alloc = new SeedAllocation(seedsPerPoint(exp.spec.sweep), observed);
  const maxRounds = exp.spec.sweep.breakingPoint?.maxRounds ?? Number.POSITIVE_INFINITY;
  const rounds: Round[] = [];
  const history: SearchState[][] = [];
  for (let r = 0; ; r++) {
    const step = stepOf(exp, alloc, r);
    history.push(step.searches);
    if (step.add.size === 0) return { mode, rounds, pending: [], ended: 'settled', allocation: alloc, history };
    if (r >= maxRounds) return { mode, rounds, pending: [], ended: 'max-rounds', allocation: alloc, history };
    const indices: number[] = [];
    for (const point of [...step.add.keys()].sort((a, b) => a - b)) indices.push(...alloc.add(point, step.add.get(point)!));
    indices.sort((a, b) => a - b);
    rounds.push({ round: r, indices });
    const pending = indices.filter((i) => !observed.has(i));
    if (pending.length > 0) return { mode, rounds, pending, allocation: alloc, history };
  }
}

/** Every run index of the rounds, ascending. */
export function plannedIndices(plan: RoundsPlan): number[] {
  return plan.rounds.flatMap((r) => r.indices).sort((a, b) => a - b);
}

/**
 * The sweep's points still getting runs in the last round (replication: its
 * points; a search: its grid or explicit points), none once ended: what an
 * Experiment's status shows of the rounds, at a fixed size.
 */
export function openPoints(exp: Experiment, plan: RoundsPlan): number {
  const last = plan.rounds[plan.rounds.length - 1];
  if (plan.ended !== undefined || last === undefined) return 0;
  const b = exp.spec.sweep.breakingPoint;
  const per = plan.allocation.seedsPerPoint * (b === undefined ? 1 : searchLevels(b));
  return new Set(last.indices.map((i) => Math.floor(i / per))).size;
}
