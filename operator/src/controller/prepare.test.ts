import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { tmpdir } from 'node:os';
import { fileURLToPath } from 'node:url';
import { builtinRegistry, defineModule, loadRegistry, ModuleRegistry, type ModuleDefinition } from 'swarmlab';
import type { ExperimentObject } from './deps.ts';
import { prepare, PreparedSpecs } from './prepare.ts';

const hanging = defineModule({
  kind: 'agent',
  name: 'hanging-validate',
  version: '1.0.0',
  description: 'a module whose validate loops forever',
  config: z.object({}).strict(),
  validate() {
    for (;;) {
      // until the time limit stops it
    }
  },
  create: () => ({}),
});
const withHanging = new ModuleRegistry([...builtinRegistry.list(), hanging as unknown as ModuleDefinition]);

function obj(spec: Record<string, unknown>): ExperimentObject {
  return { apiVersion: 'swarmlab.io/v1alpha1', kind: 'Experiment', metadata: { name: 'e', namespace: 'lab', uid: 'u', generation: 1 }, spec, status: { phase: 'Running' } };
}

const scenario = {
  modules: [
    { kind: 'network', module: 'explicit', name: 'topology', config: { nodes: ['source', 'server'], edges: [{ from: 'source', to: 'server', weight: 0.25 }] } },
    { kind: 'agent', module: 'poisson-source', name: 'arrivals', config: { rate: 0.5, target: 'server', network: 'topology' } },
    { kind: 'agent', module: 'service-queue', name: 'server', config: { servers: 1, serviceRate: 1.0 } },
  ],
  horizon: { time: 10 },
};

describe('prepare (runtime validation before any Job)', () => {
  it('uses the operator\'s store when the spec sets none, and counts runs', () => {
    const p = prepare(obj({ scenario, sweep: { seeds: { replicas: 3 } } }), 's3://results/x');
    expect('exp' in p && p.exp.spec.output.store).toBe('s3://results/x');
    expect('total' in p && p.total).toBe(3);
  });

  it('keeps an explicit store', () => {
    const p = prepare(obj({ scenario, output: { store: 's3://mine/p' } }), 's3://results/x');
    expect('exp' in p && p.exp.spec.output.store).toBe('s3://mine/p');
  });

  it('an unknown module is UnknownModule with the field path', () => {
    const p = prepare(obj({ scenario: { ...scenario, modules: [{ kind: 'agent', module: 'nope' }] } }), 's3://r/x');
    expect(p).toEqual({ invalid: { reason: 'UnknownModule', message: expect.stringContaining('spec.scenario.modules[0].module') } });
  });

  it('a bad module config is InvalidModuleConfig', () => {
    const mods = structuredClone(scenario.modules);
    (mods[2]!.config as Record<string, unknown>)['servers'] = -1;
    const p = prepare(obj({ scenario: { ...scenario, modules: mods } }), 's3://r/x');
    expect(p).toMatchObject({ invalid: { reason: 'InvalidModuleConfig', message: expect.stringContaining('spec.scenario.modules[2].config') } });
  });

  it('a cross-field module error is InvalidModuleConfig with the spec path, before any Job', () => {
    const mods = structuredClone(scenario.modules);
    mods[0]!.config = { nodes: ['source', 'server'], edges: [{ from: 'server', to: 'source', weight: 0.25 }] };
    const p = prepare(obj({ scenario: { ...scenario, modules: mods } }), 's3://r/x');
    expect(p).toEqual({ invalid: { reason: 'InvalidModuleConfig', message: expect.stringContaining('spec.scenario.modules[1].config.targetNode: arrivals: network topology has no edge source -> server') } });
  });

  it('a sweep value that breaks a cross-field check is named by its sweep path', () => {
    const p = prepare(obj({ scenario, sweep: { grid: [{ param: 'arrivals.targetNode', values: ['server', 'elsewhere'] }] } }), 's3://r/x');
    expect(p).toEqual({ invalid: { reason: 'InvalidModuleConfig', message: expect.stringContaining('spec.sweep.grid[0].values[1]') } });
  });

  it('a module whose validate never returns is InvalidModuleConfig naming the instance, within the time limit', () => {
    const started = performance.now();
    const p = prepare(obj({ scenario: { ...scenario, modules: [...scenario.modules, { kind: 'agent', module: 'hanging-validate', name: 'stuck' }] } }), 's3://r/x', undefined, {
      registry: withHanging,
      hookTimeoutMs: 300,
    });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(p).toEqual({ invalid: { reason: 'InvalidModuleConfig', message: expect.stringContaining('module instance stuck: validate did not finish within 300 ms') } });
  });

  it('a file store in the spec is refused on a cluster, with what to do', () => {
    const p = prepare(obj({ scenario, output: { store: 'file://./results' } }), 's3://r/x');
    expect(p).toMatchObject({ invalid: { reason: 'StoreUnavailable', message: expect.stringContaining('remove spec.output') } });
  });

  it('no store anywhere is StoreUnavailable', () => {
    expect(prepare(obj({ scenario }), undefined)).toMatchObject({ invalid: { reason: 'StoreUnavailable', message: expect.stringContaining('SWARMLAB_STORE') } });
  });

  it('more runs than one Indexed Job holds are accepted (split over Jobs); more than 100 Jobs hold is SweepTooLarge', () => {
    const sweep = { seeds: { replicas: 60_000 }, grid: [{ param: 'arrivals.rate', values: [0.1, 0.2] }], maxRuns: 200_000 };
    const onePerPod = obj({ scenario, sweep, execution: { runsPerPod: 1 } });
    expect(prepare(onePerPod, 's3://r/x')).toMatchObject({ total: 120_000 });
    expect(prepare(onePerPod, 's3://r/x', 1_000)).toMatchObject({ invalid: { reason: 'SweepTooLarge', message: expect.stringContaining('at 1 run a pod, an Experiment holds at most 100000 (100 Jobs)') } });
    // Blocks of runs hold more: the same sweep at 2 runs a pod fits 60 Jobs, and by default (runsPerPod unset) one.
    expect(prepare(obj({ scenario, sweep, execution: { runsPerPod: 2 } }), 's3://r/x', 1_000)).toMatchObject({ total: 120_000 });
    expect(prepare(obj({ scenario, sweep }), 's3://r/x', 1_000, { defaultParallelism: 10 })).toMatchObject({ total: 120_000 });
  });

  it('counts a Saltelli design\'s runs (samples x (parameters + 2) x seeds) against maxRuns: one over is SweepTooLarge naming the field and the count', () => {
    const design = {
      method: 'saltelli',
      samples: 64,
      parameters: [
        { param: 'arrivals.rate', distribution: 'uniform', min: 0.1, max: 0.9 },
        { param: 'server.serviceRate', distribution: 'uniform', min: 1, max: 2 },
      ],
    };
    // 64 x (2 + 2) points x 4 seeds = 1024 runs.
    expect(prepare(obj({ scenario, sweep: { seeds: { replicas: 4 }, design, maxRuns: 1024 } }), 's3://r/x')).toMatchObject({ total: 1024 });
    expect(prepare(obj({ scenario, sweep: { seeds: { replicas: 4 }, design, maxRuns: 1023 } }), 's3://r/x')).toEqual({
      invalid: { reason: 'SweepTooLarge', message: expect.stringMatching(/^SWEEP_TOO_LARGE: spec\.sweep\.maxRuns: the sweep has 1024 runs, more than maxRuns 1023/) },
    });
  });

  it('a sweep of 10,000,000 runs (the largest maxRuns) fits an Experiment at the default block size, in one Job', () => {
    const huge = obj({ scenario, sweep: { seeds: { replicas: 100_000 }, grid: [{ param: 'arrivals.rate', values: Array.from({ length: 100 }, (_, i) => (i + 1) / 200) }], maxRuns: 10_000_000 } });
    expect(prepare(huge, 's3://r/x', undefined, { defaultParallelism: 10 })).toMatchObject({ total: 10_000_000 });
  });
});

describe('prepare with the image\'s modules (SWARMLAB_MODULES)', () => {
  const epidemic = {
    modules: [
      { kind: 'network', module: 'erdos-renyi', name: 'contacts', config: { size: 50, p: 0.1 } },
      { kind: 'agent', module: 'sir-epidemic', name: 'epidemic', config: { network: 'contacts', transmissionRate: 0.3 } },
    ],
    horizon: { time: 10 },
  };

  it('accepts a spec naming a plugin module the image carries, and marks it invalid, naming the module, when the image lacks it', async () => {
    const plugin = fileURLToPath(new URL('../../../examples/plugins/sir-epidemic/src/index.ts', import.meta.url));
    const registry = await loadRegistry({ cwd: tmpdir(), env: { SWARMLAB_MODULES: plugin } });
    const withPlugin = new PreparedSpecs({ store: 's3://results/x', maxIndexesPerJob: 100 }, registry).get(obj({ scenario: epidemic }), 'u1', 1);
    expect('total' in withPlugin && withPlugin.total).toBe(1);
    const without = new PreparedSpecs({ store: 's3://results/x', maxIndexesPerJob: 100 }).get(obj({ scenario: epidemic }), 'u2', 1);
    expect('invalid' in without && without.invalid.reason).toBe('UnknownModule');
    expect('invalid' in without && without.invalid.message).toContain('spec.scenario.modules[1].module: unknown agent module sir-epidemic');
  });
});
