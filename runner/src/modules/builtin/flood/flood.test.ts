import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { executeRun } from '../../../run/execute.ts';
import { plan, planRun } from '../../../spec/plan.ts';
import { parseExperimentText } from '../../../spec/load.ts';
import { builtinRegistry } from '../../../modules/builtin-registry.ts';
import { planError } from '../../../testing/plan-error.ts';
import { FailureAnalysis } from './analysis.ts';
import { floodLevel } from './hazard.ts';
import { nextBeat } from './resting-cycles.ts';
import { withTextTrace } from '../../../testing/text-trace.ts';

interface Ev {
  time: number;
  seq: number;
  type: string;
  source: string;
  target: string;
  payload: Record<string, unknown>;
}
const events = (text: string): Ev[] => text.trim().split('\n').map((l) => JSON.parse(l) as Ev);

/** Two services, power -> hospital (the hospital depends on power), and a flood that hits one of them hard. */
function twoServiceSpec(hit: 'power' | 'hospital', edgeDelay: number): string {
  return `
apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata: { name: flood-unit }
spec:
  scenario:
    modules:
      - kind: network
        module: explicit
        name: deps
        config:
          nodes: [power, hospital]
          edges: [{ from: power, to: hospital, weight: ${edgeDelay} }]
      - kind: agent
        module: flood-infrastructure
        name: infra
        config:
          network: deps
          services:
            power: { capacity: 100, baseLoad: 10, surge: 0 }
            hospital: { capacity: 100, baseLoad: 10, surge: 0 }
      - kind: agent
        module: flood-hazard
        name: flood
        config: { onset: 2, rise: 0.001, recedeAt: 50, exposure: { ${hit}: 1 }, damageMin: 1, damageMax: 1 }
    latency:
      - { name: dependency, channel: dependency, model: edge, scale: 1 }
    horizon: { time: 20 }
  sweep:
    seeds: { list: [1] }
`;
}

function runOne(text: string, index = 0) {
  const exp = withTextTrace(parseExperimentText(text));
  return executeRun(exp, planRun(exp, index), builtinRegistry);
}

describe('flood infrastructure', () => {
  it('a failed upstream service degrades its dependents after exactly the modelled edge latency', () => {
    const delay = 3;
    const out = runOne(twoServiceSpec('power', delay));
    const evs = events(out.files.get('events.jsonl') as string);
    const powerFailed = evs.find((e) => e.type === 'health.changed' && e.payload.service === 'power' && e.payload.to === 'failed');
    expect(powerFailed).toBeDefined();
    const tf = (powerFailed as Ev).time;
    const hospitalChange = evs.find((e) => e.type === 'health.changed' && e.payload.service === 'hospital');
    expect(hospitalChange).toBeDefined();
    expect((hospitalChange as Ev).payload.to).toBe('degraded');
    expect((hospitalChange as Ev).time).toBeCloseTo(tf + delay, 9);
    expect(((hospitalChange as Ev).payload.cause as { type: string }).type).toBe('dependency.change');

    // metrics.csv: the hospital is healthy before the failure arrives and impaired from then on.
    const [header, ...rows] = (out.files.get('metrics.csv') as string).trim().split('\n');
    const cols = (header as string).split(',');
    const t = cols.indexOf('time');
    const h = cols.indexOf('infra.hospital.health');
    expect(h).toBeGreaterThan(0);
    for (const r of rows.map((x) => x.split(',').map(Number))) {
      if ((r[t] as number) < tf + delay) expect(r[h]).toBe(0);
      else expect(r[h]).toBeGreaterThanOrEqual(1);
    }
  });

  it('a longer dependency edge delays the dependent\'s degradation accordingly', () => {
    const time = (d: number) => {
      const evs = events(runOne(twoServiceSpec('power', d)).files.get('events.jsonl') as string);
      return (evs.find((e) => e.type === 'health.changed' && e.payload.service === 'hospital') as Ev).time;
    };
    expect(time(6) - time(1)).toBeCloseTo(5, 9);
  });

  it('failure never propagates against a dependency edge', () => {
    const out = runOne(twoServiceSpec('hospital', 1));
    const evs = events(out.files.get('events.jsonl') as string);
    expect(evs.some((e) => e.type === 'health.changed' && e.payload.service === 'hospital' && e.payload.to === 'failed')).toBe(true);
    expect(evs.some((e) => e.type === 'health.changed' && e.payload.service === 'power')).toBe(false);
    expect(evs.some((e) => e.target === 'infra/power' && e.type === 'dependency.change')).toBe(false);
  });

  it('the flood level rises, holds and recedes', () => {
    const c = { onset: 5, rise: 10, peak: 0.8, recedeAt: 30, recede: 10 };
    expect(floodLevel(c, 4)).toBe(0);
    expect(floodLevel(c, 10)).toBeCloseTo(0.4, 9);
    expect(floodLevel(c, 20)).toBeCloseTo(0.8, 9);
    expect(floodLevel(c, 35)).toBeCloseTo(0.4, 9);
    expect(floodLevel(c, 45)).toBe(0);
  });
});

/** A flood from t = 10 to t = 30 that degrades both services for a while and damages nothing; no agents. */
const passingFlood = `
apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata: { name: flood-rest }
spec:
  scenario:
    modules:
      - { kind: network, module: explicit, name: deps, config: { nodes: [power, hospital], edges: [{ from: power, to: hospital, weight: 1 }] } }
      - kind: agent
        module: flood-infrastructure
        name: infra
        config:
          network: deps
          services:
            power: { capacity: 100, baseLoad: 60, surge: 0.6 }
            hospital: { capacity: 100, baseLoad: 60, surge: 0.6 }
      - { kind: agent, module: flood-hazard, name: flood, config: { onset: 10, rise: 5, recedeAt: 20, recede: 10 } }
    latency:
      - { name: dependency, channel: dependency, model: edge, scale: 1 }
    horizon: { time: 1000 }
  sweep:
    seeds: { list: [1] }
`;

describe('the infrastructure rests when nothing is left to change', () => {
  const out = runOne(passingFlood);
  const evs = events(out.files.get('events.jsonl') as string);
  const ticks = evs.filter((e) => e.type === 'tick').map((e) => e.time);

  it('the run ends for want of events once the flood has receded and the services have settled, long before the horizon', () => {
    expect(out.summary.engine).toMatchObject({ end_reason: 'no-events' });
    expect(out.summary.engine.end_time).toBeLessThan(40);
    // The flood did degrade the services, and they are back to ok at the end.
    expect(evs.some((e) => e.type === 'health.changed' && e.payload.to === 'degraded')).toBe(true);
    const results = out.summary.results.infra as { services: Record<string, { health: string }> };
    expect(Object.values(results.services).map((s) => s.health)).toEqual(['ok', 'ok']);
  });

  it('ticks pause before the flood, resume on their own grid when the water comes, and stop after it', () => {
    expect(ticks.filter((t) => t < 10)).toEqual([1]);
    // The water is above zero from t = 11 (level 0 at the onset itself); the next beat is 12.
    const during = ticks.filter((t) => t > 10 && t <= 30);
    expect(during).toEqual(Array.from({ length: 19 }, (_, i) => 12 + i));
    expect(Math.max(...ticks)).toBeLessThan(40);
  });

  it('a service whose operator would act on its stress keeps the cycles going; one below every threshold lets them rest', () => {
    const calm = (escalateAt: number) => `
apiVersion: swarmlab.io/v1alpha1
kind: Experiment
metadata: { name: flood-calm }
spec:
  scenario:
    modules:
      - { kind: network, module: explicit, name: deps, config: { nodes: [power] } }
      - { kind: agent, module: flood-infrastructure, name: infra, config: { network: deps, services: { power: { capacity: 100, baseLoad: 60 } } } }
      - { kind: agent, module: emergency-coordinator, name: coordinator, config: { pool: 0 } }
      - { kind: agent, module: service-operator, name: op, config: { service: power, escalateAt: ${escalateAt} } }
    horizon: { time: 50 }
  sweep:
    seeds: { list: [1] }
`;
    // Stress 0.6, health ok: an operator escalating from 0.5 acts on it at every observation.
    const watched = runOne(calm(0.5));
    expect(watched.summary.engine.end_reason).toBe('horizon-time');
    expect((watched.summary.results.op as { escalations: number }).escalations).toBeGreaterThan(5);
    const quiet = runOne(calm(0.95));
    expect(quiet.summary.engine.end_reason).toBe('no-events');
    expect((quiet.summary.results.op as { escalations: number }).escalations).toBe(0);
  });

  it('the next beat keeps a paused cycle on its grid', () => {
    expect(nextBeat(10, 1)).toBe(11);
    expect(nextBeat(10.5, 2)).toBe(12);
    expect(nextBeat(0, 4)).toBe(4);
  });
});

describe('flood-overload scenario', () => {
  const exp = withTextTrace(parseExperimentText(readFileSync(new URL('../../../../../scenarios/flood-overload.yaml', import.meta.url), 'utf8')));
  const runs = plan(exp).map((p) => ({ p, out: executeRun(exp, p, builtinRegistry) }));

  it('raising coordinator latency increases the number of failed services on a fixed seed set', () => {
    const failedAt = new Map<number, number>();
    for (const { p, out } of runs) {
      const latency = p.params['latency.coordinator.value'] as number;
      const failed = (out.summary.results.infra as { failedServices: number }).failedServices;
      failedAt.set(latency, (failedAt.get(latency) ?? 0) + failed);
    }
    const latencies = [...failedAt.keys()].sort((a, b) => a - b);
    expect(latencies.length).toBeGreaterThanOrEqual(2);
    const lowest = failedAt.get(latencies[0] as number) as number;
    const highest = failedAt.get(latencies.at(-1) as number) as number;
    expect(highest).toBeGreaterThan(lowest);
  });

  it('writes a failure analysis that matches its schema and the event log', async () => {
    for (const { out } of runs.slice(0, 5)) {
      const analysis = FailureAnalysis.parse(JSON.parse(out.files.get('failure_analysis.json') as string));
      const evs = events(out.files.get('events.jsonl') as string);
      const bySeq = new Map(evs.map((e) => [e.seq, e]));
      expect(analysis.timeline.filter((t) => t.to === 'failed').length).toBe(analysis.failures.length);
      for (const f of analysis.failures) {
        expect(f.chain[0]?.relation).toBe('failure');
        expect(f.chain.at(-1)?.relation).toBe('root');
        // Causes come before effects, and every step is a logged event.
        for (let i = 1; i < f.chain.length; i++) {
          expect(bySeq.has((f.chain[i] as { seq: number }).seq)).toBe(true);
          expect((f.chain[i] as { time: number }).time).toBeLessThanOrEqual((f.chain[i - 1] as { time: number }).time);
        }
        expect(analysis.time_to_failure[f.service]).not.toBeNull();
      }
      // Attention over each service's suppliers and itself is a distribution.
      for (const node of analysis.attention.nodes) {
        const incoming = analysis.attention.edges.filter((e) => e.to === node.service).reduce((s, e) => s + e.alpha, 0);
        expect(incoming + node.self_attention).toBeCloseTo(1, 9);
      }
      expect(analysis.attention.label).toBe('interpretive, not predictive');
      expect(out.files.get('failure_analysis.md')).toContain('interpretive, not predictive');
      expect(await builtinRegistry.get('agent', 'flood-infrastructure')?.verify?.(out.files)).toEqual([]);
    }
  });

  it('checks the analysis against the event log through the trace reader, in either format', async () => {
    const verify = builtinRegistry.get('agent', 'flood-infrastructure')!.verify!;
    const { p, out } = runs.find((r) => (r.out.summary.results.infra as { failedServices: number }).failedServices > 0)!;
    const parquetExp = structuredClone(exp);
    parquetExp.spec.output = { ...parquetExp.spec.output, trace: { level: 'complete', format: 'parquet' } };
    const parquet = executeRun(parquetExp, p, builtinRegistry);
    expect(parquet.files.has('events.parquet')).toBe(true);
    for (const files of [out.files, parquet.files]) {
      expect(await verify(files)).toEqual([]);
      const analysis = JSON.parse(files.get('failure_analysis.json') as string) as { timeline: { to: string }[] };
      const edited = files.detached();
      edited.set('failure_analysis.json', JSON.stringify({ ...analysis, timeline: analysis.timeline.filter((t) => t.to !== 'failed') }));
      const failed = analysis.timeline.filter((t) => t.to === 'failed').length;
      expect(await verify(edited)).toEqual([`failure_analysis.json lists 0 failures, the event log has ${failed}`]);
    }
  });

  it('every run ends when no events remain, before the horizon', () => {
    for (const { out } of runs) {
      expect(out.summary.engine.end_reason).toBe('no-events');
      expect(out.summary.engine.end_time).toBeLessThan(exp.spec.scenario.horizon.time as number);
    }
  });

  it('the same run twice gives byte-identical files', () => {
    const again = executeRun(exp, runs[3]!.p, builtinRegistry);
    expect(again.files.names()).toEqual(runs[3]!.out.files.names());
    for (const name of runs[3]!.out.files.names()) expect(again.files.bytes(name)?.equals(runs[3]!.out.files.bytes(name)!), name).toBe(true);
  });

  it('metrics.csv holds every service\'s stress and resource levels', () => {
    const header = (runs[0]!.out.files.get('metrics.csv') as string).split('\n')[0] as string;
    for (const s of ['power', 'water', 'communications', 'transport', 'hospital-north', 'hospital-south', 'dispatch']) {
      for (const k of ['stress', 'load', 'queue', 'capacity', 'resources', 'damage', 'health']) expect(header).toContain(`infra.${s}.${k}`);
    }
    expect(header).toContain('coordinator.pool');
  });
});

describe('flood modules validate (refused by plan, before any run)', () => {
  const deps = { kind: 'network', module: 'explicit', name: 'deps', config: { nodes: ['power', 'water'], edges: [{ from: 'power', to: 'water' }] } };
  const svc = { capacity: 10, baseLoad: 5 };
  const infra = (services: Record<string, unknown>, network = 'deps') => ({ kind: 'agent', module: 'flood-infrastructure', name: 'infra', config: { network, services } });
  const base = [deps, infra({ power: svc, water: svc })];

  it('accepts services that match the network\'s nodes', () => {
    expect(planError(base)).toBeUndefined();
  });

  it('refuses a node without a service, a service that is not a node, and a network that is not one', () => {
    expect(planError([deps, infra({ power: svc })])).toMatchObject({ code: 'INVALID_MODULE_CONFIG', path: 'spec.scenario.modules[1].config.services' });
    expect(planError([deps, infra({ power: svc, water: svc, gas: svc })])?.path).toBe('spec.scenario.modules[1].config.services.gas');
    expect(planError([deps, infra({ power: svc, water: svc }, 'infra')])?.path).toBe('spec.scenario.modules[1].config.network');
  });

  it('refuses instances and services the hazard, coordinator, operator and utility name but the scenario lacks', () => {
    const add = (m: unknown) => planError([...base, { kind: 'agent', module: 'emergency-coordinator', name: 'coordinator' }, m]);
    expect(add({ kind: 'agent', module: 'flood-hazard', name: 'flood', config: { target: 'coordinator' } })?.path).toBe('spec.scenario.modules[3].config.target');
    expect(add({ kind: 'agent', module: 'flood-hazard', name: 'flood', config: { exposure: { gas: 0.1 } } })?.path).toBe('spec.scenario.modules[3].config.exposure.gas');
    expect(add({ kind: 'agent', module: 'service-operator', name: 'op', config: { service: 'gas' } })?.path).toBe('spec.scenario.modules[3].config.service');
    expect(add({ kind: 'agent', module: 'service-operator', name: 'op', config: { service: 'power', coordinator: 'infra' } })?.path).toBe('spec.scenario.modules[3].config.coordinator');
    expect(add({ kind: 'agent', module: 'utility-crews', name: 'utility', config: { services: ['power', 'gas'] } })?.path).toBe('spec.scenario.modules[3].config.services[1]');
    expect(planError([...base, { kind: 'agent', module: 'emergency-coordinator', name: 'coordinator', config: { utility: 'infra' } }])?.path).toBe('spec.scenario.modules[2].config.utility');
  });
});
