import { describe, expect, it } from 'vitest';
import { defineEvent, defineModule, intent, on, z, type ModuleDefinition } from 'swarmlab/sdk';
import { testModule } from 'swarmlab/sdk/testing';
import { isSwarmlabError, type SwarmlabError } from '../errors.ts';
import { parseExperiment } from '../spec/load.ts';
import { plan } from '../spec/plan.ts';
import { executeRun } from '../run/execute.ts';
import { validateExperiment } from './check-sweep.ts';
import { resolveScenario } from './resolve.ts';
import { ModuleRegistry } from './registry.ts';

const Ping = defineEvent('ping', z.object({ n: z.number().int() }), 'A ping.');
const Pong = defineEvent('pong', z.object({ n: z.number().int() }), 'A pong.');

const pinger = defineModule({
  kind: 'agent',
  name: 'pinger',
  version: '1.0.0',
  description: 'Pings the instances `to` names.',
  config: z.object({ to: z.union([z.string(), z.array(z.string())]).describe('Instance(s) to ping.'), n: z.number().default(1).describe('What to send.') }).strict(),
  events: { emits: [{ event: Ping, to: 'to' }] },
  create: (config) => ({ start: (sim) => [config.to].flat().forEach((t) => sim.emit(intent(Ping, t, { n: config.n }))) }),
});

const ponger = defineModule({
  kind: 'agent',
  name: 'ponger',
  version: '1.0.0',
  description: 'Counts pings.',
  config: z.object({}).strict(),
  events: { handles: [Ping] },
  create() {
    let sum = 0;
    return { handle: on(Ping, ({ n }) => void (sum += n)), metrics: () => ({ sum }) };
  },
});

const deaf = defineModule({
  kind: 'agent',
  name: 'deaf',
  version: '1.0.0',
  description: 'Handles pongs only.',
  config: z.object({}).strict(),
  events: { handles: [Pong] },
  create: () => ({ handle: on(Pong, () => undefined) }),
});

const liar = defineModule({
  kind: 'agent',
  name: 'liar',
  version: '1.0.0',
  description: 'Declares it handles pings but has no handler.',
  config: z.object({}).strict(),
  events: { handles: [Ping] },
  create: () => ({}),
});

const registry = new ModuleRegistry([pinger, ponger, deaf, liar] as unknown as ModuleDefinition[]);

function experiment(to: string | string[], sweep: Record<string, unknown> = {}, n = 1, withLiar = false) {
  return parseExperiment({
    apiVersion: 'swarmlab.io/v1alpha1',
    kind: 'Experiment',
    metadata: { name: 'contracts' },
    spec: {
      scenario: {
        modules: [
          { kind: 'agent', module: 'pinger', name: 'p', config: { to, n } },
          { kind: 'agent', module: 'ponger', name: 'a' },
          { kind: 'agent', module: 'deaf', name: 'b' },
          ...(withLiar ? [{ kind: 'agent', module: 'liar', name: 'c' }] : []),
        ],
        horizon: { events: 10 },
      },
      sweep,
    },
  });
}

function failure(run: () => unknown): SwarmlabError {
  try {
    run();
  } catch (e) {
    if (isSwarmlabError(e)) return e;
    throw e;
  }
  throw new Error('accepted');
}

describe('event contracts at plan time', () => {
  it('accepts events sent to an instance that handles them', () => {
    expect(() => validateExperiment(experiment(['a']), registry)).not.toThrow();
  });

  it('refuses an event sent to an instance that does not handle it, naming the field, the event and what the target handles', () => {
    const e = failure(() => validateExperiment(experiment(['a', 'b']), registry));
    expect(e.code).toBe('INVALID_MODULE_CONFIG');
    expect(e.exitCode).toBe(2);
    expect(e.path).toBe('spec.scenario.modules[0].config.to[1]');
    expect(e.message).toContain('sends event ping to b, an agent of module deaf, which does not handle it');
    expect(e.hint).toContain('deaf handles: pong');
    // The run path resolves with the same check.
    expect(failure(() => resolveScenario(experiment(['b']).spec.scenario, {}, registry)).path).toBe('spec.scenario.modules[0].config.to[0]');
  });

  it('names the sweep value that points an event at the wrong instance', () => {
    const e = failure(() => validateExperiment(experiment(['a'], { grid: [{ param: 'p.to', values: ['a', 'b'] }] }), registry));
    expect(e.path).toBe('spec.sweep.grid[0].values[1]');
    expect(e.message).toContain('(at spec.scenario.modules[0].config.to, with sweep value p.to = "b")');
  });
});

describe('event contracts at run time', () => {
  it('hands the handler a parsed payload', () => {
    const exp = experiment(['a']);
    expect(executeRun(exp, plan(exp)[0]!, registry).summary.final_metrics['a.sum']).toBe(1);
  });

  it('fails the run on a payload that does not match the contract, naming the event, sender and field', () => {
    const exp = experiment(['a'], {}, 1.5);
    expect(() => executeRun(exp, plan(exp)[0]!, registry)).toThrow(/a: event ping from p has a bad payload at payload\.n: .*int/);
    const a = testModule(ponger);
    expect(() => a.deliver('ping', { n: 'x' })).toThrow(/bad payload at payload\.n/);
  });

  it('fails the run when a module declares an event its runtime does not handle', () => {
    const exp = experiment(['c'], {}, 1, true);
    expect(() => executeRun(exp, plan(exp)[0]!, registry)).toThrow(/c \(liar\) declares it handles ping, but create\(\) returned no handler for it/);
  });
});
