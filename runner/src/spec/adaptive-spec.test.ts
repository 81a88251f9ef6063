import { describe, expect, it } from 'vitest';
import { parseRefusal } from '../testing/parse-refusal.ts';
import { planError } from '../testing/plan-error.ts';
import { parseExperimentText } from './load.ts';
import { checkRunCap, maxRunCount, runCount, searchLevels } from './plan.ts';

// spec.sweep.replication and spec.sweep.breakingPoint: what is refused, and
// where the error points.

const doc = (sweep: string): string => `apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata: { name: adaptive }
spec:
  scenario:
    modules: [{ kind: agent, module: test-function, name: f }]
    horizon: { time: 1 }
  sweep:
${sweep}
`;
const REPLICATION = '    replication: { metric: metric.f.y, maxSeeds: 10, target: { halfWidth: 0.1 } }';
const SEARCH = `    breakingPoint:
      parameter: f.x1
      range: { min: 0, max: 1 }
      criterion: { metric: metric.f.y, op: '>=', value: 0.3 }
      tolerance: 0.01`;

const refused = (sweep: string): { path: string | undefined; message: string } => {
  const e = parseRefusal(doc(sweep));
  return { path: e.path, message: e.message };
};

describe('adaptive sweep specs', () => {
  it('accepts replication and breakingPoint with their defaults filled in', () => {
    const r = parseExperimentText(doc(REPLICATION)).spec.sweep.replication!;
    expect([r.minSeeds, r.seedsPerRound, r.maxSeeds]).toEqual([3, 3, 10]);
    const b = parseExperimentText(doc(SEARCH)).spec.sweep.breakingPoint!;
    expect([b.seedsPerRound, b.maxSeeds, b.maxRounds, b.confidence, b.criterion.statistic]).toEqual([4, 16, 30, 0.99, 'mean']);
    // 1 / 0.01 = 100 intervals: 2^7 = 128 levels' intervals.
    expect(searchLevels(b)).toBe(129);
  });

  it.each([
    [`${REPLICATION}\n    seeds: { base: 1, replicas: 4 }`, 'spec.sweep.seeds.replicas', 'replication decides how many seeds'],
    [`${SEARCH}\n    seeds: { list: [1, 2] }`, 'spec.sweep.seeds.list', 'breakingPoint hashes its seeds'],
    ['    replication: { metric: metric.f.y, maxSeeds: 10, target: { halfWidth: 0.1, relativeHalfWidth: 0.1 } }', 'spec.sweep.replication.target.halfWidth', 'exactly one'],
    ['    replication: { metric: metric.f.y, maxSeeds: 10, target: {} }', 'spec.sweep.replication.target.halfWidth', 'exactly one'],
    ['    replication: { metric: sojourn, maxSeeds: 10, target: { halfWidth: 1 } }', 'spec.sweep.replication.metric', 'numeric column of the results table'],
    ['    replication: { metric: metric.f.y, minSeeds: 5, maxSeeds: 4, target: { halfWidth: 1 } }', 'spec.sweep.replication.minSeeds', 'above maxSeeds'],
    ['    replication: { metric: metric.f.y, minSeeds: 1, maxSeeds: 4, target: { halfWidth: 1 } }', 'spec.sweep.replication.minSeeds', ''],
    [`${REPLICATION}\n${SEARCH}`, 'spec.sweep.breakingPoint', 'not both'],
    [SEARCH.replace('tolerance: 0.01', 'tolerance: 0.0000001'), 'spec.sweep.breakingPoint.tolerance', 'finer than'],
    [SEARCH.replace('max: 1 }', 'max: 0 }'), 'spec.sweep.breakingPoint.range.max', 'above min'],
    [SEARCH.replace("op: '>='", "op: '=='"), 'spec.sweep.breakingPoint.criterion.op', ''],
    [`${SEARCH}\n      seedsPerRound: 8\n      maxSeeds: 4`, 'spec.sweep.breakingPoint.seedsPerRound', 'above maxSeeds'],
    [`${SEARCH}\n    grid: [{ param: f.x1, values: [0, 1] }]`, 'spec.sweep.grid[0].param', 'the parameter breakingPoint searches'],
    [`${SEARCH}\n    points: [{ f.x1: 0.5 }]`, 'spec.sweep.points[0].f.x1', 'the parameter breakingPoint searches'],
    [`${SEARCH}\n    design: { method: random, samples: 4, parameters: [{ param: f.x2, distribution: uniform, min: 0, max: 1 }] }`, 'spec.sweep.design', 'not a design'],
  ])('refuses %#, naming the field', (sweep, path, words) => {
    const e = refused(sweep);
    expect(e.path).toBe(path);
    expect(e.message).toContain(words);
  });

  it('refuses, before any run, a metric or parameter the scenario does not have', () => {
    const modules = [{ kind: 'agent', module: 'test-function', name: 'f' }];
    const search = { parameter: 'f.x1', range: { min: 0, max: 1 }, criterion: { metric: 'metric.f.y', op: '>=', value: 0.3 }, tolerance: 0.1 };
    expect(planError(modules, { breakingPoint: search })).toBeUndefined();
    const other = planError(modules, { breakingPoint: { ...search, criterion: { ...search.criterion, metric: 'metric.g.y' } } });
    expect([other?.path, other?.message]).toEqual(['spec.sweep.breakingPoint.criterion.metric', 'metric.g.y names instance g, which the scenario does not have']);
    const unpublished = planError(modules, { replication: { metric: 'metric.f.z', maxSeeds: 4, target: { halfWidth: 1 } } });
    expect(unpublished?.path).toBe('spec.sweep.replication.metric');
    expect(unpublished?.hint).toContain('metric.f.y');
    const parameter = planError(modules, { breakingPoint: { ...search, parameter: 'g.x1' } });
    expect(parameter?.path).toBe('spec.sweep.breakingPoint.parameter');
    // A value of the range that the module refuses is blamed on the range.
    const range = planError(modules, { breakingPoint: { ...search, parameter: 'f.noise', range: { min: -1, max: 1 } } });
    expect(range?.path).toBe('spec.sweep.breakingPoint.range');
  });

  it('caps a search by the most runs its rounds can make, not by its whole run matrix', () => {
    const exp = parseExperimentText(doc(`${SEARCH}\n      maxRounds: 5\n    maxRuns: 160`));
    const sweep = exp.spec.sweep;
    // 2 probes a round at most: 10 probes of 16 seeds.
    expect(maxRunCount(sweep)).toBe(160);
    expect(runCount(sweep)).toBe(129 * 16);
    expect(() => checkRunCap(sweep)).not.toThrow();
    expect(() => checkRunCap({ ...sweep, maxRuns: 159 })).toThrow('up to 160 runs');
  });
});
