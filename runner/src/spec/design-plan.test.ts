import { describe, expect, it } from 'vitest';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { validateExperiment } from '../modules/check-sweep.ts';
import { parseRefusal } from '../testing/parse-refusal.ts';
import { parseExperiment, parseExperimentText, specDigest } from './load.ts';
import { plan, planRun, runCount } from './plan.ts';

const queue = {
  modules: [
    { kind: 'agent', module: 'poisson-source', name: 'arrivals', config: { rate: 0.5, target: 'server' } },
    { kind: 'agent', module: 'service-queue', name: 'server', config: { serviceRate: 1 } },
  ],
  horizon: { time: 20 },
};

function exp(sweep: Record<string, unknown>) {
  return parseExperiment({ apiVersion: 'swarmlab.io/v1alpha1', kind: 'Experiment', metadata: { name: 'd' }, spec: { scenario: queue, sweep } });
}

const parameters = [
  { param: 'arrivals.rate', distribution: 'log-uniform', min: 0.1, max: 0.9 },
  { param: 'server.servers', distribution: 'integer', min: 1, max: 3 },
  { param: 'server.warmup', distribution: 'categorical', values: [0, 5] },
];

describe('plan of a design', () => {
  it('gives each design point times each seed, then the explicit points, the run cap counting them all', () => {
    const e = exp({ seeds: { base: 3, replicas: 2 }, design: { method: 'latin-hypercube', samples: 10, parameters }, points: [{ 'arrivals.rate': 0.5 }] });
    const runs = plan(e);
    expect(runs).toHaveLength((10 + 1) * 2);
    expect(runCount(e.spec.sweep)).toBe(22);
    expect(runs[0]!.params).toEqual(runs[1]!.params);
    expect(runs.at(-1)!.params).toEqual({ 'arrivals.rate': 0.5 });
    const rates = runs.slice(0, 20).filter((r) => r.seedIndex === 0).map((r) => r.params['arrivals.rate'] as number);
    // One point in each tenth of the log range.
    expect(new Set(rates.map((r) => Math.floor((10 * Math.log(r / 0.1)) / Math.log(9)))).size).toBe(10);
    for (const r of runs.slice(0, 20)) {
      expect([1, 2, 3]).toContain(r.params['server.servers']);
      expect([0, 5]).toContain(r.params['server.warmup']);
    }
    for (const r of runs) expect(planRun(e, r.index)).toEqual(r);
    expect(() => plan(exp({ maxRuns: 21, seeds: { replicas: 2 }, design: { method: 'random', samples: 10, parameters }, points: [{ 'arrivals.rate': 0.5 }] }))).toThrow(/22 runs, more than maxRuns 21/);
  });

  it('is the same for the same seed and spec, another for another seed, and its settings are in the digest', () => {
    const sweep = (base: number, samples = 8) => ({ seeds: { base }, design: { method: 'sobol', samples, parameters } });
    const params = (base: number, samples?: number) => plan(exp(sweep(base, samples))).map((r) => r.params);
    expect(params(1)).toEqual(params(1));
    expect(params(2)).not.toEqual(params(1));
    const digests = new Set([specDigest(exp(sweep(1))), specDigest(exp(sweep(2))), specDigest(exp(sweep(1, 16))), specDigest(exp({ ...sweep(1), design: { ...sweep(1).design, scramble: false } }))]);
    expect(digests.size).toBe(4);
  });

  it('sizes Saltelli and Morris designs by their structure', () => {
    expect(runCount(exp({ design: { method: 'saltelli', samples: 8, parameters } }).spec.sweep)).toBe(8 * 5);
    expect(runCount(exp({ design: { method: 'saltelli', samples: 8, secondOrder: true, parameters } }).spec.sweep)).toBe(8 * 8);
    expect(runCount(exp({ seeds: { replicas: 3 }, design: { method: 'morris', trajectories: 5, parameters } }).spec.sweep)).toBe(5 * 4 * 3);
  });

  it('is checked against the modules, and a bad parameter path names its place in the design', () => {
    validateExperiment(exp({ design: { method: 'random', samples: 4, parameters } }), builtinRegistry);
    const bad = exp({ design: { method: 'random', samples: 4, parameters: [...parameters, { param: 'nobody.rate', distribution: 'uniform', min: 0, max: 1 }] } });
    expect(() => validateExperiment(bad, builtinRegistry)).toThrow(expect.objectContaining({ path: 'spec.sweep.design.parameters[3].param' }));
    const invalid = exp({ design: { method: 'random', samples: 4, parameters: [{ param: 'server.servers', distribution: 'integer', min: 0, max: 2 }] } });
    expect(() => validateExperiment(invalid, builtinRegistry)).toThrow(expect.objectContaining({ path: 'spec.sweep.design.parameters[0]' }));
  });
});

describe('design spec errors name the field', () => {
  const file = (design: string, extra = '') => `apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata: { name: d }
spec:
  scenario:
    modules: [{ kind: agent, module: service-queue, name: server }]
    horizon: { time: 5 }
  sweep:
${extra}    design: ${design}
`;
  const cases: [string, string, string, RegExp][] = [
    ['a grid beside a design', "{ method: random, samples: 4, parameters: [{ param: server.servers, distribution: integer, min: 1, max: 2 }] }", '    grid: [{ param: server.serviceRate, values: [1, 2] }]\n', /give a grid or a design, not both/],
    ['no samples', '{ method: latin-hypercube, parameters: [{ param: server.servers, distribution: integer, min: 1, max: 2 }] }', '', /needs samples/],
    ['samples not a power of two', '{ method: saltelli, samples: 100, parameters: [{ param: server.servers, distribution: integer, min: 1, max: 2 }] }', '', /power of two \(e\.g\. 128\), not 100/],
    ['a setting of another method', '{ method: random, samples: 4, levels: 4, parameters: [{ param: server.servers, distribution: integer, min: 1, max: 2 }] }', '', /levels does not apply to method random/],
    ['odd Morris levels', '{ method: morris, trajectories: 4, levels: 5, parameters: [{ param: server.servers, distribution: integer, min: 1, max: 2 }] }', '', /levels must be even/],
    ['no trajectories', '{ method: morris, parameters: [{ param: server.servers, distribution: integer, min: 1, max: 2 }] }', '', /needs trajectories/],
    ['an unknown method', '{ method: grid, samples: 4, parameters: [{ param: server.servers, distribution: integer, min: 1, max: 2 }] }', '', /random.*latin-hypercube/],
    ['max below min', '{ method: random, samples: 4, parameters: [{ param: server.serviceRate, distribution: uniform, min: 2, max: 1 }] }', '', /max must be above min/],
    ['log-uniform from 0', '{ method: random, samples: 4, parameters: [{ param: server.serviceRate, distribution: log-uniform, min: 0, max: 1 }] }', '', /must be above 0/],
    ['categorical without values', '{ method: random, samples: 4, parameters: [{ param: server.discipline, distribution: categorical }] }', '', /needs values/],
    ['a fractional integer bound', '{ method: random, samples: 4, parameters: [{ param: server.servers, distribution: integer, min: 1.5, max: 3 }] }', '', /whole number/],
    ['a parameter twice', '{ method: random, samples: 4, parameters: [{ param: server.servers, distribution: integer, min: 1, max: 2 }, { param: server.servers, distribution: integer, min: 1, max: 3 }] }', '', /already at parameters\[0\]/],
    ['too many points', '{ method: saltelli, samples: 262144, parameters: [{ param: server.servers, distribution: integer, min: 1, max: 2 }, { param: server.serviceRate, distribution: uniform, min: 1, max: 2 }, { param: server.warmup, distribution: uniform, min: 0, max: 2 }] }', '', /1310720 points, more than the 1000000/],
    ['a typo', '{ method: random, sample: 4, parameters: [{ param: server.servers, distribution: integer, min: 1, max: 2 }] }', '', /did you mean samples/],
  ];
  const paths: Record<string, string> = {
    'a grid beside a design': 'spec.sweep.design',
    'no samples': 'spec.sweep.design.samples',
    'samples not a power of two': 'spec.sweep.design.samples',
    'a setting of another method': 'spec.sweep.design.levels',
    'odd Morris levels': 'spec.sweep.design.levels',
    'no trajectories': 'spec.sweep.design.trajectories',
    'an unknown method': 'spec.sweep.design.method',
    'max below min': 'spec.sweep.design.parameters[0].max',
    'log-uniform from 0': 'spec.sweep.design.parameters[0].min',
    'categorical without values': 'spec.sweep.design.parameters[0].values',
    'a fractional integer bound': 'spec.sweep.design.parameters[0].min',
    'a parameter twice': 'spec.sweep.design.parameters[1].param',
    'too many points': 'spec.sweep.design.samples',
    'a typo': 'spec.sweep.design.sample',
  };
  for (const [name, design, extra, message] of cases) {
    it(name, () => {
      const err = parseRefusal(file(design, extra));
      expect(err.code).toBe('INVALID_SPEC');
      expect(err.path).toBe(paths[name]);
      expect(err.message).toMatch(message);
    });
  }

  it('accepts each method with its settings', () => {
    const p = '[{ param: server.servers, distribution: integer, min: 1, max: 2 }]';
    for (const d of [`{ method: random, samples: 3, parameters: ${p} }`, `{ method: latin-hypercube, samples: 3, maximin: true, candidates: 4, parameters: ${p} }`, `{ method: sobol, samples: 4, scramble: false, parameters: ${p} }`, `{ method: saltelli, samples: 4, secondOrder: true, parameters: ${p} }`, `{ method: morris, trajectories: 3, levels: 6, parameters: ${p} }`]) {
      expect(parseExperimentText(file(d)).spec.sweep.design).toBeDefined();
    }
  });
});
