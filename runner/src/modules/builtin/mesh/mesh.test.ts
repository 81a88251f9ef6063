import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { parseExperimentText } from '../../../spec/load.ts';
import { planRun } from '../../../spec/plan.ts';
import { executeRun } from '../../../run/execute.ts';
import { builtinRegistry } from '../../../modules/builtin-registry.ts';
import { planError } from '../../../testing/plan-error.ts';
import { meshRouter } from './router.ts';
import { DecisionLedger, GENESIS, merkleRoot, sha256, verifyLedger } from './ledger.ts';
import type { RunFilesView } from '../../../sdk/module.ts';
import { withTextTrace } from '../../../testing/text-trace.ts';

/** The run's text files as verify() reads them; the router's checks read no event log. */
const view = (files: ReadonlyMap<string, string>): RunFilesView => ({ get: (name) => files.get(name), events: async function* () {} });

const scenarioFile = new URL('../../../../../scenarios/mesh-routing.yaml', import.meta.url);

interface ModuleDoc {
  kind: string;
  module: string;
  name?: string;
  config: Record<string, unknown>;
}
interface Doc {
  spec: { scenario: { modules: ModuleDoc[]; horizon: { time: number } }; sweep: Record<string, unknown> };
}

/** The shipped scenario, edited by the test, with an explicit seed list and no grid. */
function scenario(edit: (d: Doc) => void, seeds: number[]) {
  const doc = parse(readFileSync(scenarioFile, 'utf8')) as Doc;
  doc.spec.sweep = { seeds: { list: seeds } };
  edit(doc);
  return withTextTrace(parseExperimentText(stringify(doc)));
}

function mod(d: Doc, name: string): ModuleDoc {
  const m = d.spec.scenario.modules.find((x) => (x.name ?? x.module) === name);
  if (!m) throw new Error(`no module ${name}`);
  return m;
}

function results(exp: ReturnType<typeof scenario>, index: number) {
  const out = executeRun(exp, planRun(exp, index), builtinRegistry);
  return { out, r: out.summary.results as Record<string, Record<string, unknown>> };
}

const SEEDS = [1, 2, 3];

// Each run simulates tens of thousands of events on a shared 2-core machine.
const SLOW = { timeout: 300_000 };

describe('mesh routing swarm', SLOW, () => {
  it('learned routing beats both static baselines on fill rate under a swinging, bursting load (fixed seeds)', () => {
    for (const strategy of ['cheapest', 'least-latency']) {
      const exp = scenario((d) => {
        d.spec.scenario.horizon.time = 240;
        mod(d, 'baseline').config.strategy = strategy;
      }, SEEDS);
      for (let i = 0; i < SEEDS.length; i++) {
        const { r } = results(exp, i);
        const learned = r.router!;
        const baseline = r.baseline!;
        expect(baseline.strategy).toBe(strategy);
        expect(learned.requests).toBe(baseline.requests);
        expect(learned.fillRate as number).toBeGreaterThan(baseline.fillRate as number);
        if (strategy === 'cheapest') expect(learned.avgLatency as number).toBeLessThan(baseline.avgLatency as number);
      }
    }
  });

  it('gossip reduces divergence between the agents\' Q-tables', () => {
    const run = (gossipInterval: number) =>
      scenario((d) => {
        d.spec.scenario.horizon.time = 200;
        mod(d, 'router').config.gossipInterval = gossipInterval;
        // Take the coordinator out so that resets do not drive divergence.
        d.spec.scenario.modules = d.spec.scenario.modules.filter((m) => m.module !== 'mesh-coordinator');
        delete mod(d, 'router').config.coordinator;
      }, SEEDS);
    const withGossip = run(5);
    const without = run(0);
    for (let i = 0; i < SEEDS.length; i++) {
      const a = results(withGossip, i).r.router!;
      const b = results(without, i).r.router!;
      expect(a.gossipMessages as number).toBeGreaterThan(0);
      expect(b.gossipMessages).toBe(0);
      expect(a.divergence as number).toBeLessThan(b.divergence as number);
    }
  });

  it('an intervention fires when an injected provider outage drives prediction error over the threshold, and not without it', () => {
    const run = (outage: boolean) =>
      scenario((d) => {
        d.spec.scenario.horizon.time = 240;
        mod(d, 'workload').config = { targets: ['router', 'baseline'], rate: 20, amplitude: 0 };
        const providers = mod(d, 'providers');
        providers.config.degradations = outage
          ? ['atlas', 'borealis', 'cirrus', 'delta'].map((p) => ({ provider: p, from: 150, capacityFactor: 0 }))
          : [];
        mod(d, 'baseline-providers').config.degradations = [];
      }, SEEDS);
    const degraded = run(true);
    const steady = run(false);
    for (let i = 0; i < SEEDS.length; i++) {
      const c = results(degraded, i).r.coordinator!;
      const interventions = c.interventions as { time: number; predictionError: number }[];
      expect(interventions.length).toBeGreaterThan(0);
      for (const iv of interventions) {
        expect(iv.time).toBeGreaterThanOrEqual(150);
        expect(iv.predictionError).toBeGreaterThan(c.threshold as number);
      }
      const quiet = results(steady, i).r.coordinator!;
      expect(quiet.interventions).toEqual([]);
      expect(quiet.maxPredictionError as number).toBeLessThanOrEqual(quiet.threshold as number);
    }
  });

  it('a reset intervention clears the worst agents\' Q-tables', () => {
    const exp = scenario((d) => {
      d.spec.scenario.horizon.time = 240;
      mod(d, 'coordinator').config.mode = 'reset';
      mod(d, 'workload').config = { targets: ['router', 'baseline'], rate: 20, amplitude: 0 };
      mod(d, 'providers').config.degradations = ['atlas', 'borealis', 'cirrus', 'delta'].map((p) => ({ provider: p, from: 150, capacityFactor: 0 }));
    }, [1]);
    const { out, r } = results(exp, 0);
    const interventions = r.coordinator!.interventions as { kind: string; agents: number[] }[];
    expect(interventions.length).toBeGreaterThan(0);
    expect(interventions.every((iv) => iv.kind === 'reset' && iv.agents.length === 2)).toBe(true);
    const applied = r.router!.interventionsApplied as { reset: number };
    expect(applied.reset).toBe(interventions.reduce((n, iv) => n + iv.agents.length, 0));
    const events = out.files.get('events.jsonl')!.split('\n').filter(Boolean).map((l) => JSON.parse(l) as { type: string; target: string });
    expect(events.filter((e) => e.type === 'intervene' && e.target.startsWith('router/')).length).toBe(applied.reset);
  });

  it('the same seed gives byte-identical files', () => {
    const exp = scenario((d) => {
      d.spec.scenario.horizon.time = 60;
    }, [5]);
    const a = executeRun(exp, planRun(exp, 0), builtinRegistry).files;
    const b = executeRun(exp, planRun(exp, 0), builtinRegistry).files;
    expect(a.names()).toEqual(b.names());
    for (const k of a.names()) expect(b.bytes(k)?.equals(a.bytes(k)!), k).toBe(true);
  });
});

describe('tamper-evident decision log', SLOW, () => {
  const exp = scenario((d) => {
    d.spec.scenario.horizon.time = 60;
  }, [9]);
  const { out, r } = results(exp, 0);
  const files = out.files.texts();

  it('seals a chain head and one Merkle root per interval into the summary', async () => {
    const seal = r.router!.decisionLog as { head: string; decisions: number; roots: { interval: number; count: number }[]; file: string };
    expect(seal.file).toBe('decisions.jsonl');
    const lines = files.get('decisions.jsonl')!.trim().split('\n');
    expect(seal.decisions).toBe(lines.length);
    expect(seal.head).toBe((JSON.parse(lines.at(-1)!) as { hash: string }).hash);
    expect(seal.roots.map((x) => x.interval)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(seal.roots.reduce((n, x) => n + x.count, 0)).toBe(lines.length);
    expect((await meshRouter.verify!(view(files)))).toEqual([]);
  });

  it('verify() catches an edited decision', async () => {
    const lines = files.get('decisions.jsonl')!.split('\n');
    const rec = JSON.parse(lines[17]!) as { provider: string };
    rec.provider = rec.provider === 'gale' ? 'atlas' : 'gale';
    lines[17] = JSON.stringify(rec);
    const edited = new Map(files);
    edited.set('decisions.jsonl', lines.join('\n'));
    const problems = (await meshRouter.verify!(view(edited)));
    expect(problems.some((p) => p.includes('line 18') && p.includes('edited'))).toBe(true);
    expect(problems.some((p) => p.includes('Merkle root of interval'))).toBe(true);
  });

  it('verify() catches a decision whose hash was recomputed to hide the edit, and a dropped line', async () => {
    const lines = files.get('decisions.jsonl')!.split('\n');
    const { hash: _h, ...body } = JSON.parse(lines[3]!) as Record<string, unknown>;
    body.provider = 'gale';
    lines[3] = JSON.stringify({ ...body, hash: sha256(JSON.stringify(body)) });
    const rehashed = new Map(files);
    rehashed.set('decisions.jsonl', lines.join('\n'));
    expect((await meshRouter.verify!(view(rehashed))).some((p) => p.includes('line 5: prev'))).toBe(true);

    const dropped = files.get('decisions.jsonl')!.split('\n');
    dropped.splice(40, 1);
    const short = new Map(files);
    short.set('decisions.jsonl', dropped.join('\n'));
    expect((await meshRouter.verify!(view(short))).length).toBeGreaterThan(0);
  });

  it('verify() also covers the baseline router\'s log', async () => {
    const lines = files.get('baseline_decisions.jsonl')!.split('\n');
    lines[0] = lines[0]!.replace('"agent":', '"agent":1,"x":');
    const edited = new Map(files);
    edited.set('baseline_decisions.jsonl', lines.join('\n'));
    expect((await meshRouter.verify!(view(edited))).some((p) => p.startsWith('baseline:'))).toBe(true);
  });
});

describe('ledger', () => {
  it('pairs an odd Merkle node with itself', () => {
    const [a, b, c] = ['a', 'b', 'c'].map(sha256) as [string, string, string];
    expect(merkleRoot([a])).toBe(a);
    expect(merkleRoot([a, b, c])).toBe(sha256(sha256(a + b) + sha256(c + c)));
    expect(merkleRoot([])).toBe(GENESIS);
  });

  it('chains each line to the previous one and groups roots by interval', () => {
    const l = new DecisionLedger('d.jsonl', 10);
    l.append(1, { x: 1 });
    l.append(12, { x: 2 });
    l.append(13, { x: 3 });
    const lines = l.content().trim().split('\n').map((s) => JSON.parse(s) as { prev: string; hash: string });
    expect(lines[0]!.prev).toBe(GENESIS);
    expect(lines[1]!.prev).toBe(lines[0]!.hash);
    const seal = l.seal();
    expect(seal.roots).toEqual([
      { interval: 0, first: 0, count: 1, root: lines[0]!.hash },
      { interval: 1, first: 1, count: 2, root: sha256(lines[1]!.hash + lines[2]!.hash) },
    ]);
    expect(verifyLedger(l.content(), seal)).toEqual([]);
    expect(verifyLedger(l.content().replace('"x":3', '"x":4'), seal).length).toBeGreaterThan(0);
  });
});

describe('mesh modules validate (refused by plan, before any run)', () => {
  const net = { kind: 'network', module: 'grid-2d', name: 'mesh', config: { width: 5, height: 2 } };
  const providers = (router = 'router') => ({ kind: 'agent', module: 'mesh-providers', name: 'providers', config: { router } });
  const router = (config: Record<string, unknown>) => ({ kind: 'agent', module: 'mesh-router', name: 'router', config: { network: 'mesh', ...config } });

  it('accepts a router with no more agents than the network has nodes', () => {
    expect(planError([net, providers(), router({ agents: 10 })])).toBeUndefined();
  });

  it('refuses more agents than network nodes, naming the sweep value when one causes it', () => {
    expect(planError([net, providers(), router({ agents: 11 })])).toMatchObject({ code: 'INVALID_MODULE_CONFIG', path: 'spec.scenario.modules[2].config.agents' });
    expect(planError([net, providers(), router({ agents: 4 })], { grid: [{ param: 'mesh.width', values: [5, 1] }] })?.path).toBe('spec.sweep.grid[0].values[1]');
  });

  it('refuses a pool that serves another router, and references to instances of the wrong module', () => {
    const second = { kind: 'agent', module: 'mesh-router', name: 'other', config: { providers: 'providers' } };
    expect(planError([net, providers(), router({ agents: 4 }), second])?.message).toContain('provider pool providers serves router router, not other');
    expect(planError([net, providers('mesh'), router({ agents: 4 })])?.path).toBe('spec.scenario.modules[1].config.router');
    expect(planError([net, providers(), router({ agents: 4, coordinator: 'providers' })])?.path).toBe('spec.scenario.modules[2].config.coordinator');
    expect(planError([net, providers(), router({ agents: 4 }), { kind: 'agent', module: 'mesh-workload', name: 'w', config: { targets: ['router', 'nobody'] } }])?.path).toBe('spec.scenario.modules[3].config.targets[1]');
  });
});
