import { describe, expect, it } from 'vitest';
import type { JsonObject, RunLog, SimEvent } from 'swarmlab/sdk';
import { MetricTable } from '../../../engine/metric-table.ts';
import { causalChain } from './causal-chain.ts';

/** A hand-built log: events in execution order, seq = position unless given. */
function logOf(events: readonly (Omit<SimEvent, 'seq' | 'priority' | 'source'> & { source?: string })[]): RunLog {
  return { events: events.map((e, seq) => ({ priority: 0, source: 'infra', seq, ...e })), metrics: new MetricTable([]) };
}
const tick = (time: number) => ({ time, type: 'tick', target: 'infra', payload: {} });
const health = (time: number, service: string, from: string, to: string, cause: number, causeType: string) => ({
  time,
  type: 'health.changed',
  target: 'infra',
  payload: { service, from, to, stress: 2, damage: 0, cause: { seq: cause, type: causeType, source: 'infra', time } } as JsonObject,
});
const dependency = (time: number, service: string, upstream: string, healthNow: string, origin: number) => ({
  time,
  type: 'dependency.change',
  target: `infra/${service}`,
  payload: { upstream, health: healthNow, origin },
});

describe('causal chain of a failure', () => {
  it('charges an upstream overload to the upstream service and finds the flood damage that started it', () => {
    // power is damaged, overloads at a tick and fails; the failure reaches the
    // hospital, which then overloads at a later tick. Known root: #1, the damage to power.
    const log = logOf([
      tick(1), // 0
      { time: 2, type: 'flood.damage', source: 'flood', target: 'infra/power', payload: { amount: 0.3, level: 1 } }, // 1
      tick(3), // 2
      health(3, 'power', 'ok', 'failed', 2, 'tick'), // 3
      dependency(4, 'hospital', 'power', 'failed', 3), // 4
      health(4, 'hospital', 'ok', 'degraded', 4, 'dependency.change'), // 5
      tick(5), // 6
      health(5, 'hospital', 'degraded', 'failed', 6, 'tick'), // 7
    ]);
    const chain = causalChain(log, 'infra', 7);
    expect(chain.map((s) => [s.seq, s.relation, s.service])).toEqual([
      [7, 'failure', 'hospital'],
      [6, 'trigger', 'hospital'],
      [4, 'contributed', 'hospital'],
      [3, 'propagated-from', 'power'],
      [2, 'trigger', 'power'],
      [1, 'root', 'power'],
    ]);
    expect(chain.at(-1)?.type).toBe('flood.damage');
  });

  it('a surge at an upstream service with nothing weakening it is the root, named by that service', () => {
    const log = logOf([
      tick(1), // 0
      health(1, 'dispatch', 'ok', 'degraded', 0, 'tick'), // 1
      dependency(2, 'hospital', 'dispatch', 'degraded', 1), // 2
      tick(2), // 3
      health(2, 'hospital', 'ok', 'failed', 3, 'tick'), // 4
    ]);
    const root = causalChain(log, 'infra', 4).at(-1);
    expect(root).toMatchObject({ seq: 0, type: 'tick', relation: 'root', service: 'dispatch' });
    expect(root?.note).toContain('what dispatch could serve');
  });

  it('a release that took capacity away is a described contributing step', () => {
    const log = logOf([
      { time: 1, type: 'flood.damage', source: 'flood', target: 'infra/hospital', payload: { amount: 0.2, level: 1 } }, // 0
      { time: 3, type: 'release', target: 'infra/hospital', payload: { units: 2, owner: 'coordinator' } }, // 1
      tick(4), // 2
      health(4, 'hospital', 'degraded', 'failed', 2, 'tick'), // 3
    ]);
    const chain = causalChain(log, 'infra', 3);
    expect(chain.map((s) => s.type)).toEqual(['health.changed', 'tick', 'release', 'flood.damage']);
    const release = chain[2];
    expect(release?.relation).toBe('contributed');
    expect(release?.note).toMatch(/2 dispatched unit\(s\) left hospital/);
  });
});
