import { describe, expect, it } from 'vitest';
import { testModule } from 'swarmlab/sdk/testing';
import { parseExperimentText } from '../spec/load.ts';
import { plan } from '../spec/plan.ts';
import { executeRun } from '../run/execute.ts';
import { builtinRegistry } from '../modules/builtin-registry.ts';
import { tinySpec } from '../testing/tiny-spec.ts';
import { poissonSource } from '../modules/builtin/queue/source.ts';
import { serviceQueue } from '../modules/builtin/queue/server.ts';
import { admissionControl } from '../modules/builtin/queue/admission.ts';
import { withTextTrace } from '../testing/text-trace.ts';

describe('testModule (swarmlab/sdk/testing)', () => {
  it('draws what the module draws in a run with the same seed and instance name', () => {
    const exp = withTextTrace(parseExperimentText(tinySpec()));
    const point = plan(exp)[0]!;
    const events = executeRun(exp, point, builtinRegistry).files.get('events.jsonl')!.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; time: number });
    const firstGenerate = events.find((e) => e.type === 'generate')!;

    const source = testModule(poissonSource, { config: { rate: point.params['arrivals.rate'] as number, target: 'server' }, seed: point.seed, instance: 'arrivals' }).start();
    expect(source.emitted).toEqual([{ time: 0, intent: { type: 'generate', target: 'arrivals', delay: firstGenerate.time } }]);

    const otherSeed = testModule(poissonSource, { config: { rate: point.params['arrivals.rate'] as number }, seed: point.seed + 1, instance: 'arrivals' }).start();
    expect(otherSeed.emitted[0]!.intent.delay).not.toBe(firstGenerate.time);
  });

  it('feeds events to handlers and records what the module emits, its metrics and its summary', () => {
    const source = testModule(poissonSource, { config: { target: 'q', limit: 2 } }).start();
    expect(source.takeEmitted().map((e) => e.intent.type)).toEqual(['generate']);
    source.deliver('generate', {}, { at: 1.5 });
    const [arrival, next] = source.takeEmitted();
    expect(arrival).toEqual({ time: 1.5, intent: { type: 'arrival', target: 'q', payload: { customer: 0, created: 1.5 } } });
    expect(next!.intent.type).toBe('generate');
    source.deliver('generate', {}, { at: 2 });
    // limit 2: the second customer schedules no third.
    expect(source.takeEmitted().map((e) => e.intent.type)).toEqual(['arrival']);
    source.deliver('intent.refused', { policy: 'admission', reason: 'full', intent: {} });
    expect(source.metrics()).toEqual({ sent: 2, turnedAway: 1 });

    const server = testModule(serviceQueue, { config: { serviceRate: 1, warmup: 0 } });
    server.deliver('arrival', { customer: 0, created: 0 }, { at: 0 });
    expect(server.metrics()).toMatchObject({ inSystem: 1 });
    expect(server.summary()).toBeDefined();
  });

  it('asks a policy for its verdict with the metric values the test gives', () => {
    const admission = testModule(admissionControl, { config: { capacity: 2 } });
    const arrival = { type: 'arrival', target: 'server' };
    expect(admission.review(arrival, { metrics: { 'server.inSystem': 1 } }).allow).toBe(true);
    expect(admission.review(arrival, { metrics: { 'server.inSystem': 2 } }).allow).toBe(false);
    expect(() => admission.review(arrival)).toThrow(/no module publishes metric server.inSystem/);
  });

  it('refuses what a run could not do: an unhandled event, time going back, a bad config', () => {
    const source = testModule(poissonSource);
    expect(() => source.deliver('departure')).toThrow(/no handler for event departure/);
    source.deliver('generate', {}, { at: 5 });
    expect(() => source.deliver('generate', {}, { at: 4 })).toThrow(/before the current time 5/);
    expect(() => testModule(poissonSource, { config: { rate: -1 } })).toThrow();
  });
});
