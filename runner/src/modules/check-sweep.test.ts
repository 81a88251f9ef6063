import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { isSwarmlabError, type SwarmlabError } from '../errors.ts';
import { parseExperiment } from '../spec/load.ts';
import { defineModule, type ModuleDefinition } from '../sdk/module.ts';
import { builtinRegistry } from './builtin-registry.ts';
import { validateExperiment, type CheckOptions } from './check-sweep.ts';
import { ModuleRegistry } from './registry.ts';

function experiment(modules: unknown[], sweep: Record<string, unknown> = {}) {
  return parseExperiment({
    apiVersion: 'swarmlab.io/v1alpha1',
    kind: 'Experiment',
    metadata: { name: 'check' },
    spec: { scenario: { modules, horizon: { events: 10 } }, sweep: { maxRuns: 10_000_000, ...sweep } },
  });
}

function failure(exp: ReturnType<typeof experiment>, registry = builtinRegistry, opts: CheckOptions = {}): SwarmlabError {
  try {
    validateExperiment(exp, registry, opts);
  } catch (e) {
    if (isSwarmlabError(e)) return e;
    throw e;
  }
  throw new Error('the experiment was accepted');
}

const governance = (agents: number, n: number) => [
  { kind: 'network', module: 'grid-2d', name: 'influence', config: { width: n, height: 1 } },
  { kind: 'agent', module: 'governance-cascade', name: 'governance', config: { agents, network: 'influence' } },
];

describe('validateExperiment: cross-field checks before any run', () => {
  it('names the module field of a cross-field error in the scenario', () => {
    const e = failure(experiment(governance(50, 40)));
    expect(e.code).toBe('INVALID_MODULE_CONFIG');
    expect(e.path).toBe('spec.scenario.modules[1].config.agents');
    expect(e.message).toContain('agents is 50 but network influence has 40 nodes');
  });

  it('names the sweep value that causes a cross-field error, and the module field in the message', () => {
    const e = failure(experiment(governance(50, 50), { grid: [{ param: 'governance.maxRounds', values: [1, 2] }, { param: 'influence.width', values: [50, 50, 30] }] }));
    expect(e.path).toBe('spec.sweep.grid[1].values[2]');
    expect(e.message).toContain('spec.scenario.modules[1].config.agents');
    expect(e.message).toContain('influence.width = 30');
  });

  it('blames the scenario, not an unrelated sweep value, when every point fails', () => {
    const e = failure(experiment(governance(50, 40), { grid: [{ param: 'governance.maxRounds', values: [1, 2] }] }));
    expect(e.path).toBe('spec.scenario.modules[1].config.agents');
  });

  it('names an explicit point\'s parameter', () => {
    const e = failure(experiment(governance(50, 50), { points: [{ 'influence.width': 50 }, { 'influence.width': 20 }] }));
    expect(e.path).toBe('spec.sweep.points[1].influence.width');
  });

  it('names the sweep value a module schema refuses', () => {
    const e = failure(experiment(governance(50, 50), { grid: [{ param: 'influence.neighbourhood', values: ['moore', 'hexagonal'] }] }));
    expect(e.path).toBe('spec.sweep.grid[0].values[1]');
    expect(e.message).toContain('spec.scenario.modules[0].config.neighbourhood');
  });

  it('a dependsOn target of the wrong kind is refused with the field that names it', () => {
    const mods = [...governance(5, 5), { kind: 'agent', module: 'governance-cascade', name: 'other', config: { agents: 5, network: 'governance' } }];
    const e = failure(experiment(mods));
    expect(e.path).toBe('spec.scenario.modules[2].config.network');
    expect(e.message).toContain('names governance as a network, but it is an agent instance');
  });

  it('a parameter path naming no instance is refused at its grid axis', () => {
    const e = failure(experiment(governance(5, 5), { grid: [{ param: 'nobody.x', values: [1] }] }));
    expect(e.code).toBe('INVALID_SPEC');
    expect(e.path).toBe('spec.sweep.grid[0].param');
  });
});

// A network of `size` nodes and an agent whose validate reads that size, counting its calls.
let validateCalls = 0;
const sizedNetwork = defineModule({
  kind: 'network',
  name: 'sized',
  version: '1.0.0',
  description: 'test network',
  config: z.object({ size: z.int().min(1), weight: z.number().default(1) }).strict(),
  nodes: (c) => c.size,
  create: () => ({}),
});
const countingAgent = defineModule({
  kind: 'agent',
  name: 'counting',
  version: '1.0.0',
  description: 'test agent',
  config: z.object({ x: z.number().default(0), network: z.string() }).strict(),
  validate(c, scenario) {
    validateCalls++;
    const size = scenario.network(c.network)?.size ?? 0;
    return size >= 3 ? [] : [{ path: ['network'], message: `network ${c.network} has ${size} nodes, fewer than 3` }];
  },
  create: () => ({}),
});
const hanging = defineModule({
  kind: 'agent',
  name: 'hanging',
  version: '1.0.0',
  description: 'test agent whose validate never returns',
  config: z.object({}).strict(),
  validate() {
    for (;;) {
      // spins until the time limit terminates it
    }
  },
  create: () => ({}),
});
const throwing = defineModule({
  kind: 'agent',
  name: 'throwing',
  version: '1.0.0',
  description: 'test agent whose validate throws',
  config: z.object({}).strict(),
  validate() {
    throw new Error('cannot read properties of nothing');
  },
  create: () => ({}),
});
const slow = defineModule({
  kind: 'agent',
  name: 'slow',
  version: '1.0.0',
  description: 'test agent whose validate takes 40 ms per config',
  config: z.object({ x: z.number().default(0) }).strict(),
  validate() {
    const until = performance.now() + 40;
    while (performance.now() < until) {
      // busy, as a slow check would be
    }
    return [];
  },
  create: () => ({}),
});
const registry = new ModuleRegistry([...builtinRegistry.list(), sizedNetwork, countingAgent, hanging, throwing, slow] as unknown as ModuleDefinition[]);

describe('validateExperiment: bounded work over large sweeps', () => {
  it('validates each distinct config once: a 100,000-point grid costs as many validate calls as distinct configs', () => {
    const exp = experiment(
      [
        { kind: 'network', module: 'sized', name: 'net', config: { size: 5 } },
        { kind: 'agent', module: 'counting', name: 'a', config: { network: 'net' } },
      ],
      {
        grid: [
          { param: 'a.x', values: Array.from({ length: 100 }, (_, i) => i) },
          // The weight changes the network's config but not its size: the agent's checks need not rerun.
          { param: 'net.weight', values: Array.from({ length: 1000 }, (_, i) => i / 1000) },
        ],
      },
    );
    validateCalls = 0;
    validateExperiment(exp, registry);
    expect(validateCalls).toBe(100);
  });

  it('reruns a validate when a size it read changes, and blames the sweep value that changed it', () => {
    const exp = experiment(
      [
        { kind: 'network', module: 'sized', name: 'net', config: { size: 5 } },
        { kind: 'agent', module: 'counting', name: 'a', config: { network: 'net' } },
      ],
      { grid: [{ param: 'a.x', values: [1, 2] }, { param: 'net.size', values: [4, 3, 2] }] },
    );
    validateCalls = 0;
    const e = failure(exp, registry);
    expect(e.path).toBe('spec.sweep.grid[1].values[2]');
    expect(validateCalls).toBeLessThanOrEqual(6);
  });
});

describe('validateExperiment: module code under a time limit', () => {
  it('a validate that loops forever is INVALID_MODULE_CONFIG naming the instance, within the limit', () => {
    const exp = experiment([{ kind: 'agent', module: 'hanging', name: 'stuck' }]);
    const started = performance.now();
    const e = failure(exp, registry, { hookTimeoutMs: 200 });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(e.code).toBe('INVALID_MODULE_CONFIG');
    expect(e.path).toBe('spec.scenario.modules[0].config');
    expect(e.message).toBe('module instance stuck: validate did not finish within 200 ms');
  });

  it('module checks of the whole sweep share one time limit: many slow but finishing validates are stopped too', () => {
    const exp = experiment([{ kind: 'agent', module: 'slow', name: 'sluggish' }], { grid: [{ param: 'sluggish.x', values: Array.from({ length: 50 }, (_, i) => i) }] });
    expect(() => validateExperiment(exp, registry, { checkTimeoutMs: 10_000 })).not.toThrow();
    const e = failure(exp, registry, { checkTimeoutMs: 300 });
    expect(e.code).toBe('INVALID_MODULE_CONFIG');
    expect(e.message).toMatch(/^module checks took more than 300 ms in all; stopped at (validate|its config schema) of instance sluggish$/);
  });

  it('a validate that throws is INVALID_MODULE_CONFIG naming the instance and the message, without a stack', () => {
    const e = failure(experiment([{ kind: 'agent', module: 'throwing', name: 'broken' }]), registry);
    expect(e.code).toBe('INVALID_MODULE_CONFIG');
    expect(e.describe()).toBe('INVALID_MODULE_CONFIG: spec.scenario.modules[0].config: module instance broken: validate failed: cannot read properties of nothing');
  });
});
