import { describe, expect, it } from 'vitest';
import { parseExperiment } from './load.ts';
import { plan, planRun, runCount } from './plan.ts';

const base = {
  apiVersion: 'swarmlab.io/v1alpha1',
  kind: 'Experiment',
  metadata: { name: 'p' },
  spec: { scenario: { modules: [{ kind: 'agent', module: 'service-queue', name: 'q' }], horizon: { time: 10 } } },
};

function exp(sweep: Record<string, unknown>) {
  return parseExperiment({ ...base, spec: { ...base.spec, sweep } });
}

describe('plan', () => {
  it('is the cartesian product of the grid (last axis fastest) then explicit points, times the seeds', () => {
    const e = exp({
      seeds: { list: [11, 22] },
      grid: [
        { param: 'q.servers', values: [1, 2] },
        { param: 'q.serviceRate', values: [1, 2, 3] },
      ],
      points: [{ 'q.servers': 9 }],
    });
    const runs = plan(e);
    expect(runs).toHaveLength((2 * 3 + 1) * 2);
    expect(runs.slice(0, 4).map((r) => [r.params['q.servers'], r.params['q.serviceRate'], r.seed])).toEqual([
      [1, 1, 11],
      [1, 1, 22],
      [1, 2, 11],
      [1, 2, 22],
    ]);
    expect(runs.at(-1)!.params).toEqual({ 'q.servers': 9 });
    expect(runs.map((r) => r.index)).toEqual(runs.map((_, i) => i));
    expect(new Set(runs.map((r) => r.runId)).size).toBe(runs.length);
  });

  it('computes any run from its index alone, equal to the full plan', () => {
    const e = exp({ seeds: { base: 5, replicas: 3 }, grid: [{ param: 'q.servers', values: [1, 2, 3, 4] }] });
    const runs = plan(e);
    for (const r of runs) expect(planRun(e, r.index)).toEqual(r);
  });

  it('hashes replica seeds from the base and gives one empty point without a grid', () => {
    const runs = plan(exp({ seeds: { base: 5, replicas: 3 } }));
    expect(runs.map((r) => r.params)).toEqual([{}, {}, {}]);
    expect(new Set(runs.map((r) => r.seed)).size).toBe(3);
    expect(runs.map((r) => r.seed)).not.toEqual([5, 6, 7]);
  });

  it('refuses a sweep over its cap before materialising it', () => {
    const e = exp({ seeds: { replicas: 1000 }, grid: [{ param: 'q.servers', values: Array.from({ length: 1000 }, (_, i) => i + 1) }] });
    expect(runCount(e.spec.sweep)).toBe(1_000_000);
    expect(() => plan(e)).toThrow(/more than maxRuns 100000/);
  });
});
