import { describe, expect, it } from 'vitest';
import type { ExperimentObject } from './deps.ts';
import { prepare } from './prepare.ts';

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

  it('a file store in the spec is refused on a cluster, with what to do', () => {
    const p = prepare(obj({ scenario, output: { store: 'file://./results' } }), 's3://r/x');
    expect(p).toMatchObject({ invalid: { reason: 'StoreUnavailable', message: expect.stringContaining('remove spec.output') } });
  });

  it('no store anywhere is StoreUnavailable', () => {
    expect(prepare(obj({ scenario }), undefined)).toMatchObject({ invalid: { reason: 'StoreUnavailable', message: expect.stringContaining('SWARMLAB_STORE') } });
  });

  it('more runs than one Indexed Job holds are accepted (split over Jobs); more than 100 Jobs hold is SweepTooLarge', () => {
    const big = obj({ scenario, sweep: { seeds: { replicas: 60_000 }, grid: [{ param: 'arrivals.rate', values: [0.1, 0.2] }], maxRuns: 200_000 } });
    expect(prepare(big, 's3://r/x')).toMatchObject({ total: 120_000 });
    const p = prepare(big, 's3://r/x', 1_000);
    expect(p).toMatchObject({ invalid: { reason: 'SweepTooLarge', message: expect.stringContaining('at most 100000 (100 Jobs)') } });
  });
});
