import { describe, expect, it } from 'vitest';
import { Rng } from '../rng/index.ts';
import { parseExperimentText } from '../spec/load.ts';
import { levelValue, planRun, runCount, searchLevels, sweepSeeds } from '../spec/plan.ts';
import type { Experiment } from '../spec/experiment.ts';
import { planRounds, plannedIndices, type RoundsPlan } from './plan-rounds.ts';
import { estimateOf, probesOf, searchStep } from './breaking-point.ts';

const spec = (sweep: string, grid = ''): Experiment =>
  parseExperimentText(`apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata: { name: rounds }
spec:
  scenario:
    modules: [{ kind: agent, module: test-function, name: f }]
    horizon: { time: 1 }
  sweep:
    seeds: { base: 9 }
${grid}${sweep}
`);

const search = (extra = '') =>
  spec(`    breakingPoint:
      parameter: f.x1
      range: { min: 0, max: 1 }
      criterion: { metric: metric.f.y, op: '>=', value: 0.3 }
      tolerance: 0.01
      seedsPerRound: 3
      maxSeeds: 9
${extra}`);

/** Runs the rounds to the end with `value(index)` as each run's result; returns the plan and how often it was replayed. */
function runToEnd(exp: Experiment, value: (index: number) => number | null): { plan: RoundsPlan; replays: number } {
  const observed = new Map<number, number | null>();
  for (let replays = 1; ; replays++) {
    const plan = planRounds(exp, observed);
    if (plan.ended !== undefined) return { plan, replays };
    for (const i of plan.pending) observed.set(i, value(i));
  }
}

/** A run's parameter value of f.x1. */
const x1 = (exp: Experiment, index: number): number => planRun(exp, index).params['f.x1'] as number;

describe('planRounds', () => {
  it('starts a replication with minSeeds of every point, at index point x maxSeeds + seed', () => {
    const exp = spec('    replication: { metric: metric.f.y, minSeeds: 2, maxSeeds: 10, target: { halfWidth: 0.1 } }', '    grid: [{ param: f.x1, values: [0, 1, 2] }]\n');
    const plan = planRounds(exp, new Map());
    expect(plan.rounds).toEqual([{ round: 0, indices: [0, 1, 10, 11, 20, 21] }]);
    expect(plan.pending).toEqual([0, 1, 10, 11, 20, 21]);
    expect(plan.ended).toBeUndefined();
  });

  it('adds seedsPerRound to the points short of the target, and ends when every point settles', () => {
    const exp = spec('    replication: { metric: metric.f.y, minSeeds: 2, maxSeeds: 10, seedsPerRound: 3, target: { halfWidth: 0.1 } }', '    grid: [{ param: f.x1, values: [0, 1] }]\n');
    // Point 0 never varies (reached at once); point 1 alternates 0 and 1 (never narrow enough: maxSeeds).
    const { plan } = runToEnd(exp, (i) => (i < 10 ? 5 : i % 2));
    expect(plan.rounds.map((r) => r.indices)).toEqual([[0, 1, 10, 11], [12, 13, 14], [15, 16, 17], [18, 19]]);
    expect(plan.ended).toBe('settled');
    expect(plan.allocation.seeds(0)).toBe(2);
    expect(plan.allocation.seeds(1)).toBe(10);
  });

  it('replays the same rounds from any superset of their runs, and reads nothing else', () => {
    const exp = search();
    const value = (i: number): number => x1(exp, i) ** 2;
    const { plan } = runToEnd(exp, value);
    const all = new Map(plannedIndices(plan).map((i) => [i, value(i)]));
    // Runs no round asked for (other levels, later seeds) change nothing.
    for (const i of [5, 77, 123_456 % runCount(exp.spec.sweep)]) if (!all.has(i)) all.set(i, -1000);
    expect(planRounds(exp, all).rounds).toEqual(plan.rounds);
    // Rounds 0..k observed: the same first k + 1 rounds, the next one pending.
    const firstTwo = new Map([...plan.rounds[0]!.indices, ...plan.rounds[1]!.indices].map((i) => [i, value(i)]));
    const partial = planRounds(exp, firstTwo);
    expect(partial.rounds.slice(0, 2)).toEqual(plan.rounds.slice(0, 2));
    expect(partial.pending).toEqual(plan.rounds[2]!.indices);
  });

  it('gives stable run ids: the width comes from the run matrix, which the spec alone sets', () => {
    const exp = search();
    const total = runCount(exp.spec.sweep);
    expect(total).toBe(searchLevels(exp.spec.sweep.breakingPoint!) * 9);
    expect(planRun(exp, 0).runId).toBe('run-000000');
    expect(planRun(exp, total - 1).seed).toBe(sweepSeeds(exp.spec.sweep)[8]);
  });
});

describe('breaking-point search', () => {
  it('brackets the root of a noiseless monotone function within tolerance, one level a round', () => {
    const exp = search();
    const b = exp.spec.sweep.breakingPoint!;
    // y = x^2 crosses 0.3 at sqrt(0.3); no noise, so each probe is decided by its first seeds.
    const { plan } = runToEnd(exp, (i) => x1(exp, i) ** 2);
    const final = plan.history[plan.history.length - 1]![0]!;
    expect(final.status).toBe('converged');
    expect(final.holdsAbove).toBe(true);
    expect(final.low!.value).toBeLessThan(Math.sqrt(0.3));
    expect(final.high!.value).toBeGreaterThanOrEqual(Math.sqrt(0.3));
    expect(final.high!.value - final.low!.value).toBeLessThanOrEqual(b.tolerance);
    // The two ends, then one probe a round: depth 7 (128 intervals of at most 0.01).
    expect(plan.rounds).toHaveLength(1 + 7);
    expect(Math.abs(estimateOf(b, final)! - Math.sqrt(0.3))).toBeLessThan(b.tolerance);
  });

  it('finds a criterion that holds below, as well as above', () => {
    const exp = spec(`    breakingPoint:
      parameter: f.x1
      range: { min: 0, max: 1 }
      criterion: { metric: metric.f.y, op: '<', value: 0.5 }
      tolerance: 0.01
`);
    const { plan } = runToEnd(exp, (i) => x1(exp, i));
    const final = plan.history[plan.history.length - 1]![0]!;
    expect(final.holdsAbove).toBe(false);
    expect(final.low!.value).toBeLessThan(0.5);
    expect(final.high!.value).toBeGreaterThanOrEqual(0.5);
  });

  it('reports a range with no switch, without bisecting', () => {
    const exp = search();
    const { plan } = runToEnd(exp, () => 1);
    expect(plan.history[plan.history.length - 1]![0]!.status).toBe('holds-throughout');
    expect(plan.rounds).toHaveLength(1);
  });

  it('keeps the bracket between decided probes when the noise hides the boundary, and brackets the root', () => {
    const exp = search();
    const b = exp.spec.sweep.breakingPoint!;
    // y = x + noise of sd 0.05: near x = 0.3 the probes stay undecided at 9 seeds.
    const noise = (i: number): number => Rng.derive('test/noise', i).normal(0, 0.05);
    const { plan } = runToEnd(exp, (i) => x1(exp, i) + noise(i));
    const final = plan.history[plan.history.length - 1]![0]!;
    expect(final.status).toBe('noise-limited');
    expect(final.low!.value).toBeLessThan(0.3);
    expect(final.high!.value).toBeGreaterThan(0.3);
    const undecided = final.probes.filter((p) => p.verdict === 'undecided');
    expect(undecided.length).toBeGreaterThan(0);
    for (const p of undecided) {
      expect(p.seeds).toBe(b.maxSeeds);
      expect(p.value).toBeGreaterThan(final.low!.value);
      expect(p.value).toBeLessThan(final.high!.value);
    }
    // Every probe was decided or run to maxSeeds; the search gives its probes the seeds the rounds gave them.
    expect(probesOf(b, plan.allocation, 0).map((p) => p.seeds)).toEqual(final.probes.map((p) => p.seeds));
  });

  it('runs one search per grid point, each with its own levels', () => {
    const exp = spec(`    breakingPoint:
      parameter: f.x1
      range: { min: 0, max: 1 }
      criterion: { metric: metric.f.y, op: '>=', value: 0.3 }
      tolerance: 0.05
`, '    grid: [{ param: f.x2, values: [0, 0.5] }]\n');
    const b = exp.spec.sweep.breakingPoint!;
    const levels = searchLevels(b);
    // The boundary moves with x2: y = x1 + x2.
    const { plan } = runToEnd(exp, (i) => x1(exp, i) + (planRun(exp, i).params['f.x2'] as number));
    const [first, second] = plan.history[plan.history.length - 1]!;
    expect(first!.low!.value).toBeLessThan(0.3);
    expect(first!.high!.value).toBeGreaterThanOrEqual(0.3);
    expect(second!.status).toBe('holds-throughout');
    expect(planRun(exp, levels * b.maxSeeds).params).toEqual({ 'f.x2': 0.5, 'f.x1': levelValue(b, 0) });
    expect(searchStep(b, []).add).toEqual(new Map([[0, 4], [levels - 1, 4]]));
  });
});
