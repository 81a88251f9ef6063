import { describe, expect, it } from 'vitest';
import { Rng } from '../rng/index.ts';
import type { ModuleRuntime, Sim, SimEvent } from '../sdk/module.ts';
import { Graph } from '../sdk/graph.ts';
import { Simulation, type EngineInstance } from './simulation.ts';
import type { LatencyRule } from './latency.ts';

function sim(mods: Record<string, ModuleRuntime>, opts: { rules?: LatencyRule[]; horizon?: { time?: number; events?: number }; networks?: Map<string, Graph> } = {}) {
  const instances: EngineInstance[] = Object.entries(mods).map(([instance, runtime]) => ({ instance, kind: runtime.review ? 'policy' : 'agent', runtime }));
  return new Simulation(instances, opts.horizon ?? { time: 1000 }, opts.rules ?? [], Rng.derive('latency'), opts.networks ?? new Map());
}

describe('Simulation', () => {
  it('runs events in (time, priority, insertion) order and logs each once', () => {
    const seen: string[] = [];
    const result = sim({
      a: {
        start(s) {
          s.emit({ type: 'x', target: 'b', delay: 2, payload: { n: 1 } });
          s.emit({ type: 'x', target: 'b', delay: 1, payload: { n: 2 } });
          s.emit({ type: 'x', target: 'b', delay: 1, priority: -1, payload: { n: 3 } });
          s.emit({ type: 'x', target: 'b', delay: 1, payload: { n: 4 } });
        },
      },
      b: { handle: { x: (e) => void seen.push(String(e.payload.n)) } },
    }).run();
    expect(seen).toEqual(['3', '2', '4', '1']);
    expect(result.events.map((e) => e.time)).toEqual([1, 1, 1, 2]);
    expect(result.endReason).toBe('no-events');
  });

  it('applies fixed and per-edge latency on top of the desired delay', () => {
    const times: number[] = [];
    const g = new Graph(['p', 'q'], [{ from: 'p', to: 'q', weight: 3 }], true);
    sim(
      {
        a: {
          start(s) {
            s.emit({ type: 'm', target: 'b', delay: 1 });
            s.emit({ type: 'e', target: 'b/q', from: 'p', via: 'net', delay: 1 });
          },
        },
        b: { handle: { m: (e) => void times.push(e.time), e: (e) => void times.push(e.time) } },
      },
      { rules: [{ name: 'slow', source: 'a', channel: 'm', model: 'fixed', value: 5 }, { name: 'edges', channel: 'e', model: 'edge', scale: 2 }], networks: new Map([['net', g]]) },
    ).run();
    expect(times).toEqual([6, 7]);
  });

  it('stops at the time horizon and at the event horizon', () => {
    const ticker: ModuleRuntime = {
      start: (s) => s.emit({ type: 'tick', target: 't', delay: 1 }),
      handle: { tick: (_e, s) => s.emit({ type: 'tick', target: 't', delay: 1 }) },
    };
    const byTime = sim({ t: ticker }, { horizon: { time: 10 } }).run();
    expect(byTime.executed).toBe(10);
    expect(byTime.endReason).toBe('horizon-time');
    const byCount = sim({ t: { ...ticker } }, { horizon: { events: 4 } }).run();
    expect(byCount.executed).toBe(4);
    expect(byCount.endReason).toBe('horizon-events');
  });

  it('lets policies refuse intents, with the refusal sent back to the source as an event', () => {
    const refusals: SimEvent[] = [];
    const delivered: number[] = [];
    const result = sim({
      gate: {
        review: (intent) => ((intent.payload?.n as number) % 2 === 0 ? { allow: false, reason: 'even', code: 'EVEN' } : { allow: true }),
      },
      a: {
        start(s) {
          for (let n = 0; n < 4; n++) s.emit({ type: 'x', target: 'b', delay: 1, payload: { n } });
        },
        handle: { 'intent.refused': (e) => void refusals.push(e) },
      },
      b: { handle: { x: (e) => void delivered.push(e.payload.n as number) } },
    }).run();
    expect(delivered).toEqual([1, 3]);
    expect(refusals.map((e) => (e.payload.intent as { payload: { n: number } }).payload.n)).toEqual([0, 2]);
    expect(refusals[0]!.payload).toMatchObject({ policy: 'gate', reason: 'even', code: 'EVEN' });
    expect(result.events.filter((e) => e.type === 'intent.refused')).toHaveLength(2);
  });

  it('asks a policy that lists the types it reviews about those types only, after an earlier policy\'s rewrite', () => {
    const asked: string[] = [];
    const delivered: string[] = [];
    sim({
      // Module order: rename reviews first and turns y into x, which only then concerns xOnly.
      a: {
        start(s) {
          for (const type of ['x', 'y', 'z']) s.emit({ type, target: 'b', delay: 1 });
        },
      },
      b: { handle: { x: (e) => void delivered.push(`x from ${e.source}`), z: () => void delivered.push('z') } },
      rename: { reviews: ['y'], review: (intent) => ({ allow: true, intent: { ...intent, type: 'x' } }) },
      xOnly: {
        reviews: ['x'],
        review: (intent) => {
          asked.push(intent.type);
          return { allow: true };
        },
      },
    }).run();
    expect(asked).toEqual(['x', 'x']);
    expect(delivered).toEqual(['x from a', 'x from a', 'z']);
  });

  it('records every module\'s metrics after each event', () => {
    let count = 0;
    const result = sim({
      c: {
        start: (s) => s.emit({ type: 'inc', target: 'c', delay: 1 }),
        handle: { inc: (_e, s) => (++count < 3 ? s.emit({ type: 'inc', target: 'c', delay: 1 }) : undefined) },
        metrics: () => ({ count }),
      },
    }).run();
    expect(result.metrics.columns).toEqual(['c.count']);
    expect(result.metrics.toRows()).toEqual([[1], [2], [3]]);
  });

  it('shows an observer each event with the row after it, and can keep no history', () => {
    let count = 0;
    const runtime = {
      start: (s: Sim) => s.emit({ type: 'inc', target: 'c', delay: 1 }),
      handle: { inc: (_e: SimEvent, s: Sim) => (++count < 3 ? s.emit({ type: 'inc', target: 'c', delay: 1 }) : undefined) },
      metrics: () => ({ count, double: 2 * count }),
    };
    const seen: string[] = [];
    const result = sim({ c: runtime }).run(
      {
        begin: (columns) => seen.push(columns.join(',')),
        event: (e, metrics, at) => seen.push(`${e.time}:${metrics[at]},${metrics[at + 1]}`),
      },
      false,
    );
    expect(seen).toEqual(['c.count,c.double', '1:1,2', '2:2,4', '3:3,6']);
    expect(result.events).toEqual([]);
    expect(result.metrics.length).toBe(3);
    expect(result.metrics.lastRow()).toEqual([3, 6]);
    expect(() => result.metrics.values()).toThrow(/only its latest row/);
  });

  it('computes only the last row for an observer that wants only it, unless the log is kept', () => {
    const counter = () => {
      let count = 0;
      const calls = { metrics: 0 };
      const runtime: ModuleRuntime = {
        start: (s) => s.emit({ type: 'inc', target: 'c', delay: 1 }),
        handle: { inc: (_e, s) => (++count < 3 ? s.emit({ type: 'inc', target: 'c', delay: 1 }) : undefined) },
        metrics: () => (calls.metrics++, { count }),
      };
      return { runtime, calls };
    };
    const observe = (seen: string[]) => ({
      lastOnly: true,
      begin: (columns: readonly string[]) => void seen.push(columns.join(',')),
      event: (e: SimEvent, metrics: Float64Array, at: number) => void seen.push(`${e.time}:${metrics[at]}`),
    });

    const lean = counter();
    const seen: string[] = [];
    const result = sim({ c: lean.runtime }).run(observe(seen), false);
    expect(seen).toEqual(['c.count', '3:3']);
    // One call names the columns, one makes the last row.
    expect(lean.calls.metrics).toBe(2);
    expect(result.metrics.lastRow()).toEqual([3]);

    const kept = counter();
    const seenKept: string[] = [];
    const keptResult = sim({ c: kept.runtime }).run(observe(seenKept), true);
    expect(seenKept).toEqual(['c.count', '1:1', '2:2', '3:3']);
    expect(keptResult.metrics.toRows()).toEqual([[1], [2], [3]]);

    const none: string[] = [];
    sim({ idle: { metrics: () => ({ n: 0 }) } }).run(observe(none), false);
    expect(none).toEqual(['idle.n']);
  });

  it('rejects negative delays, unknown targets and unhandled events', () => {
    expect(() => sim({ a: { start: (s) => s.emit({ type: 'x', target: 'a', delay: -1 }) } }).run()).toThrow(/delay -1/);
    expect(() => sim({ a: { start: (s) => s.emit({ type: 'x', target: 'nobody' }) } }).run()).toThrow(/unknown module instance nobody/);
    expect(() => sim({ a: { start: (s) => s.emit({ type: 'x', target: 'a' }) } }).run()).toThrow(/no handler for event x/);
  });
});
