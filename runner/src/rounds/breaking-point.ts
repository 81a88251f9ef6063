import type { Comparison } from '../spec/adaptive.ts';
import type { BreakingPoint } from '../spec/experiment.ts';
import { levelValue, searchLevels } from '../spec/plan.ts';
import { meanInterval, type SampleStatistics } from '../results/statistics.ts';
import type { SeedAllocation } from './allocation.ts';

// One breaking-point search (at one grid or explicit point): a bisection on
// the levels of the searched parameter that trusts only decided probes. A
// probe is a level run with seeds; it is decided once the interval (at
// breakingPoint.confidence) of the criterion's statistic lies wholly on one
// side of the threshold, and
// gets more seeds each round until then (or until maxSeeds: undecided, it is
// within the noise of the breaking point). The answer is the bracket between
// the nearest levels decided each way; undecided probes between them are
// where the noise hides the boundary.

/** holds / fails: decided at breakingPoint.confidence; open: more seeds to come; undecided: maxSeeds run and still not decided. */
export type Verdict = 'holds' | 'fails' | 'open' | 'undecided';

/**
 * How a search ended (or stands): converged (bracket at most tolerance wide),
 * noise-limited (undecided probes keep the bracket wider), searching (not
 * finished: rounds to go, or stopped by maxRounds), and the three where the
 * range holds no switch: holds-throughout, fails-throughout, end-undecided.
 */
export type SearchStatus = 'searching' | 'converged' | 'noise-limited' | 'holds-throughout' | 'fails-throughout' | 'end-undecided';

export interface Probe {
  readonly level: number;
  readonly value: number;
  readonly seeds: number;
  readonly stats: SampleStatistics;
  readonly verdict: Verdict;
}

export interface SearchState {
  readonly status: SearchStatus;
  /** Whether the criterion holds above the breaking point (else below); once both ends are decided. */
  readonly holdsAbove?: boolean;
  /** The bracket: the nearest levels decided each way. */
  readonly low?: Probe;
  readonly high?: Probe;
  readonly probes: readonly Probe[];
  /** Levels to give seeds to next round, and how many. */
  readonly add: ReadonlyMap<number, number>;
}

const satisfies = (x: number, op: Comparison, value: number): boolean => (op === '>=' ? x >= value : op === '>' ? x > value : op === '<=' ? x <= value : x < value);

export function verdictOf(b: BreakingPoint, stats: SampleStatistics, seeds: number): Verdict {
  const { op, value } = b.criterion;
  const interval = meanInterval(stats, b.confidence);
  if (interval !== undefined) {
    const lo = satisfies(interval.low, op, value);
    const hi = satisfies(interval.high, op, value);
    if (lo && hi) return 'holds';
    if (!lo && !hi) return 'fails';
  }
  return seeds >= b.maxSeeds ? 'undecided' : 'open';
}

/** The probes of the search at base point `base`: every level given seeds so far, ascending. */
export function probesOf(b: BreakingPoint, alloc: SeedAllocation, base: number): Probe[] {
  const levels = searchLevels(b);
  const first = base * levels;
  return alloc
    .points()
    .filter((p) => p >= first && p < first + levels)
    .map((p) => {
      const stats = alloc.statistics(p);
      const seeds = alloc.seeds(p);
      return { level: p - first, value: levelValue(b, p - first), seeds, stats, verdict: verdictOf(b, stats, seeds) };
    });
}

/** The search's state after the rounds so far, and what the next round adds (nothing once it has ended). */
export function searchStep(b: BreakingPoint, probes: readonly Probe[]): SearchState {
  const last = searchLevels(b) - 1;
  const add = new Map<number, number>();
  const more = (p: Probe): number => Math.min(b.seedsPerRound, b.maxSeeds - p.seeds);
  const at = new Map(probes.map((p) => [p.level, p]));
  const ends = [at.get(0), at.get(last)];
  if (ends[0] === undefined || ends[1] === undefined) {
    for (const level of [0, last]) if (!at.has(level)) add.set(level, b.seedsPerRound);
    return { status: 'searching', probes, add };
  }
  const [bottom, top] = ends as [Probe, Probe];
  const open = [bottom, top].filter((p) => p.verdict === 'open');
  if (open.length > 0) {
    for (const p of open) add.set(p.level, more(p));
    return { status: 'searching', probes, add };
  }
  if (bottom.verdict === 'undecided' || top.verdict === 'undecided') return { status: 'end-undecided', probes, add };
  if (bottom.verdict === top.verdict) return { status: bottom.verdict === 'holds' ? 'holds-throughout' : 'fails-throughout', probes, add };

  const holdsAbove = top.verdict === 'holds';
  const upper = holdsAbove ? 'holds' : 'fails';
  const lower = holdsAbove ? 'fails' : 'holds';
  const high = probes.find((p) => p.verdict === upper) as Probe;
  const low = [...probes].reverse().find((p) => p.level < high.level && p.verdict === lower) as Probe;
  const inner = probes.filter((p) => p.level > low.level && p.level < high.level);
  const base = { holdsAbove, low, high, probes };
  const waiting = inner.filter((p) => p.verdict === 'open');
  if (waiting.length > 0) {
    for (const p of waiting) add.set(p.level, more(p));
    return { ...base, status: 'searching', add };
  }
  if (high.value - low.value <= b.tolerance) return { ...base, status: 'converged', add };
  // Only the gaps next to a decided end can narrow the bracket.
  const gaps: [number, number][] = inner.length === 0 ? [[low.level, high.level]] : [[low.level, inner[0]!.level], [inner[inner.length - 1]!.level, high.level]];
  for (const [a, z] of gaps) if (z - a >= 2) add.set(Math.floor((a + z) / 2), b.seedsPerRound);
  return { ...base, status: add.size > 0 ? 'searching' : 'noise-limited', add };
}

/**
 * The breaking point's estimate: where the means of adjacent probes in the
 * bracket cross the threshold, by linear interpolation (the bracket's middle
 * when their means do not cross); always inside the bracket.
 */
export function estimateOf(b: BreakingPoint, s: SearchState): number | undefined {
  if (s.low === undefined || s.high === undefined) return undefined;
  const { op, value } = b.criterion;
  const chain = s.probes.filter((p) => p.level >= s.low!.level && p.level <= s.high!.level && p.stats.mean !== undefined);
  for (let i = 0; i + 1 < chain.length; i++) {
    const [p, q] = [chain[i]!, chain[i + 1]!];
    const [mp, mq] = [p.stats.mean as number, q.stats.mean as number];
    if (satisfies(mp, op, value) === satisfies(mq, op, value) || mp === mq) continue;
    const t = Math.min(1, Math.max(0, (value - mp) / (mq - mp)));
    return p.value + t * (q.value - p.value);
  }
  return (s.low.value + s.high.value) / 2;
}
