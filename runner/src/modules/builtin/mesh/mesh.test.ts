import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { parseExperimentText } from '../../../spec/load.ts';
import { planRun } from '../../../spec/plan.ts';
import { executeRun } from '../../../run/execute.ts';
import { checkRunFiles } from '../../../outputs/check-run.ts';
import { RunFiles } from '../../../outputs/run-files.ts';
import { builtinRegistry } from '../../../modules/builtin-registry.ts';
import { planError } from '../../../testing/plan-error.ts';
import { isSwarmlabError } from '../../../errors.ts';
import { meshRouter, STRATEGIES } from './router.ts';
import { DecisionLedger, GENESIS, merkleRoot, sha256, verifyLedger } from './ledger.ts';
import type { RunFilesView } from '../../../sdk/module.ts';
import { withTextTrace } from '../../../testing/text-trace.ts';

/** The run's text files as verify() reads them; the router's checks read no event log. */
const view = (files: ReadonlyMap<string, string>): RunFilesView => ({ get: (name) => files.get(name), events: async function* () {} });
import { OBSERVATION_LEVELS } from './observation.ts';
import { QTablesFile } from './qtables.ts';

const scenarioFile = new URL('../../../../../scenarios/mesh-routing.yaml', import.meta.url);

interface ModuleDoc {
  kind: string;
  module: string;
  name?: string;
  config: Record<string, unknown>;
}
interface Doc {
  spec: { scenario: { modules: ModuleDoc[]; horizon: { time: number } }; sweep: Record<string, unknown>; output?: Record<string, unknown> };
}

/**
 * The shipped scenario, edited by the test, with an explicit seed list and no
 * grid. `final` writes no event log and one metrics row: the many-run tests
 * need only the summaries.
 */
function scenario(edit: (d: Doc) => void, seeds: number[], trace: 'complete' | 'final' = 'complete') {
  const doc = parse(readFileSync(scenarioFile, 'utf8')) as Doc;
  doc.spec.sweep = { seeds: { list: seeds } };
  if (trace === 'final') doc.spec.output = { trace: { level: 'final' } };
  edit(doc);
  return withTextTrace(parseExperimentText(stringify(doc)));
}

function mod(d: Doc, name: string): ModuleDoc {
  const m = d.spec.scenario.modules.find((x) => (x.name ?? x.module) === name);
  if (!m) throw new Error(`no module ${name}`);
  return m;
}

/** Steady demand on a healthy pool: what learning converges on. */
function steady(d: Doc): void {
  mod(d, 'workload').config = { targets: ['router'], rate: 20, amplitude: 0 };
  mod(d, 'providers').config.degradations = [];
}

function withoutCoordinator(d: Doc): void {
  d.spec.scenario.modules = d.spec.scenario.modules.filter((m) => m.module !== 'mesh-coordinator');
  delete mod(d, 'router').config.coordinator;
}

type Results = Record<string, Record<string, unknown>>;

function results(exp: ReturnType<typeof scenario>, index: number, inputs?: Map<string, Map<string, string>>) {
  const out = executeRun(exp, planRun(exp, index), builtinRegistry, undefined, undefined, inputs);
  return { out, r: out.summary.results as Results };
}

interface Episode {
  episode: number;
  avgReward: number;
  epsilon: number;
  qStates: number;
  fillRate: number;
  avgCost: number;
  avgLatency: number;
  psi: number;
  coherence: number;
}

const SEEDS = [1, 2, 3];
const HEURISTIC_STRATEGIES = STRATEGIES.filter((s) => s !== 'q-learning');

// Each run simulates tens of thousands of events on a shared 2-core machine.
const SLOW = { timeout: 600_000 };

describe('learned routing against the heuristics, on the same demand', SLOW, () => {
  it('every strategy meets the same requests: the workload\'s draws do not depend on the routing', () => {
    const requests = (strategy: string) => {
      const exp = scenario((d) => {
        d.spec.scenario.horizon.time = 30;
        mod(d, 'router').config.strategy = strategy;
      }, [4]);
      return results(exp, 0)
        .out.files.get('events.jsonl')!
        .split('\n')
        .filter((l) => l.includes('"type":"request"'))
        .map((l) => JSON.stringify((JSON.parse(l) as { time: number; payload: unknown }).payload) + String((JSON.parse(l) as { time: number }).time));
    };
    const learned = requests('q-learning');
    expect(learned.length).toBeGreaterThan(300);
    for (const s of HEURISTIC_STRATEGIES) expect(requests(s)).toEqual(learned);
  });

  it('the learned swarm scores above every heuristic on the mean reward per request, seed by seed, over the run and its last quarter', () => {
    const exp = scenario(() => undefined, SEEDS, 'final');
    const byStrategy = new Map<string, Record<string, unknown>[]>();
    for (const strategy of STRATEGIES) {
      const e = scenario((d) => {
        mod(d, 'router').config.strategy = strategy;
      }, SEEDS, 'final');
      byStrategy.set(strategy, SEEDS.map((_, i) => results(e, i).r.router!));
    }
    expect(exp.spec.sweep.seeds.list).toEqual(SEEDS);
    const learned = byStrategy.get('q-learning')!;
    for (const s of HEURISTIC_STRATEGIES) {
      byStrategy.get(s)!.forEach((h, i) => {
        expect(h.strategy).toBe(s);
        expect(h.requests).toBe(learned[i]!.requests);
        expect(learned[i]!.score as number, `${s}, seed ${SEEDS[i]}`).toBeGreaterThan(h.score as number);
        expect((learned[i]!.tail as { score: number }).score, `${s}, seed ${SEEDS[i]}, last quarter`).toBeGreaterThan((h.tail as { score: number }).score);
      });
    }
  });
});

describe('training in episodes', SLOW, () => {
  it('reward per episode rises to a plateau for every seed on steady demand', () => {
    const seeds = [1, 2, 3, 4, 5];
    const exp = scenario(steady, seeds, 'final');
    for (let i = 0; i < seeds.length; i++) {
      const eps = results(exp, i).r.router!.episodes as Episode[];
      expect(eps).toHaveLength(30);
      const reward = eps.map((e) => e.avgReward);
      const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
      const last = reward.slice(-10);
      // Rising: the first episodes earn clearly less than the last ten.
      expect(mean(reward.slice(0, 2)), `seed ${seeds[i]}`).toBeLessThan(mean(last) - 0.005);
      // A plateau: the last ten episodes stay within a narrow band, with no trend.
      expect(Math.max(...last) - Math.min(...last), `seed ${seeds[i]}`).toBeLessThan(0.015);
      const xm = 4.5;
      const slope = last.reduce((a, y, k) => a + (k - xm) * (y - mean(last)), 0) / last.reduce((a, _y, k) => a + (k - xm) ** 2, 0);
      expect(Math.abs(slope), `seed ${seeds[i]}`).toBeLessThan(0.001);
    }
  });

  it('publishes per-episode metrics, with epsilon decayed once per episode and a bounded Q-table', () => {
    const exp = scenario((d) => {
      steady(d);
      withoutCoordinator(d);
      d.spec.scenario.horizon.time = 100;
      Object.assign(mod(d, 'router').config, { episodes: 10, learning: { epsilon: 0.4, epsilonDecay: 0.5, epsilonMin: 0.02 } });
    }, [2]);
    const { out, r } = results(exp, 0);
    const eps = r.router!.episodes as Episode[];
    expect(eps.map((e) => e.episode)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    [0.4, 0.2, 0.1, 0.05, 0.025, 0.02, 0.02, 0.02, 0.02, 0.02].forEach((x, k) => expect(eps[k]!.epsilon).toBeCloseTo(x, 12));
    for (const e of eps) {
      expect(e.qStates).toBeGreaterThan(0);
      expect(e.qStates).toBeLessThanOrEqual(OBSERVATION_LEVELS);
      expect(e.fillRate).toBeGreaterThan(0.9);
      expect(e.avgCost).toBeGreaterThan(0);
      expect(e.avgLatency).toBeGreaterThan(0);
      expect(e.psi).toBeGreaterThan(0);
      expect(e.psi).toBeLessThanOrEqual(1);
      expect(e.coherence).toBeGreaterThanOrEqual(0);
      expect(e.coherence).toBeLessThanOrEqual(1);
    }
    // The metrics follow the episodes: the episode column steps at each tenth of the horizon.
    const header = out.files.get('metrics.csv')!.split('\n', 1)[0]!.split(',');
    for (const c of ['router.episode', 'router.episodeReward', 'router.epsilon', 'router.qStates', 'router.score', 'router.psi', 'router.coherence']) expect(header).toContain(c);
    expect(out.summary.final_metrics['router.episode']).toBe(9);
    expect(out.summary.final_metrics['router.episodeReward']).toBe(eps[8]!.avgReward);
  });

  it('refuses episodes without a time horizon to cut, at plan time', () => {
    const net = { kind: 'network', module: 'grid-2d', name: 'mesh', config: { width: 5, height: 2 } };
    const providers = { kind: 'agent', module: 'mesh-providers', name: 'providers', config: { router: 'router' } };
    const router = { kind: 'agent', module: 'mesh-router', name: 'router', config: { network: 'mesh', agents: 4, episodes: 5 } };
    expect(planError([net, providers, router], {}, { events: 1000 })).toMatchObject({ code: 'INVALID_MODULE_CONFIG', path: 'spec.scenario.modules[2].config.episodes' });
    expect(planError([net, providers, router], {}, { time: 100 })).toBeUndefined();
  });
});

describe('Q-tables as a run output', SLOW, () => {
  const exp = scenario((d) => {
    d.spec.scenario.horizon.time = 60;
    mod(d, 'router').config.episodes = 6;
  }, [3]);
  const { out, r } = results(exp, 0);

  it('a learning run writes its agents\' final tables in a versioned file that validate checks', async () => {
    const text = out.files.get('qtables.json')!;
    const file = QTablesFile.parse(JSON.parse(text));
    expect(file).toMatchObject({ format: 'swarmlab.mesh-router.qtables', version: '1.0.0', router: 'router', providers: ['atlas', 'borealis', 'cirrus', 'delta', 'ember', 'fjord', 'gale'] });
    expect(file.agents).toHaveLength(10);
    expect(file.agents.map((a) => Object.keys(a.table).length)).toEqual((r.router!.agentStats as { states: number }[]).map((s) => s.states));
    expect(r.router!.qtables).toBe('qtables.json');
    expect(await checkRunFiles(out.files, builtinRegistry)).toEqual([]);

    const broken = JSON.parse(text) as { agents: { table: Record<string, number[]> }[] };
    const firstRow = Object.keys(broken.agents[0]!.table)[0]!;
    broken.agents[0]!.table[firstRow] = [1, 2];
    const edited = RunFiles.of([...out.files.entries()].map(([k, v]) => [k, k === 'qtables.json' ? JSON.stringify(broken) : v] as const));
    expect((await checkRunFiles(edited, builtinRegistry)).some((p) => p.startsWith('qtables.json: agents.0.table') && p.includes('7 providers'))).toBe(true);
  });

  it('a Q-tables file under another name is checked too, and a heuristic run writes none', async () => {
    const named = scenario((d) => {
      d.spec.scenario.horizon.time = 30;
      mod(d, 'router').config.qtables = 'swarm-tables.json';
    }, [3]);
    const files = results(named, 0).out.files;
    expect(files.has('swarm-tables.json')).toBe(true);
    expect(await checkRunFiles(files, builtinRegistry)).toEqual([]);
    const texts = files.texts();
    texts.set('swarm-tables.json', texts.get('swarm-tables.json')!.replace('"format":"swarmlab.mesh-router.qtables"', '"format":"other"'));
    expect((await meshRouter.verify!(view(texts))).some((p) => p.startsWith('router: swarm-tables.json: not a swarmlab.mesh-router.qtables file'))).toBe(true);

    const heuristic = scenario((d) => {
      d.spec.scenario.horizon.time = 30;
      mod(d, 'router').config.strategy = 'least-latency-free';
    }, [3]);
    expect(results(heuristic, 0).out.files.has('qtables.json')).toBe(false);
  });

  it('a warm start begins from the stored tables and their epsilon, and beats a cold start in its first episode', () => {
    const trained = scenario((d) => {
      steady(d);
      withoutCoordinator(d);
    }, [5], 'final');
    const stored = results(trained, 0).out.files.get('qtables.json')!;
    const ref = { results: 'file:///nowhere', run: 'run-000000', sha256: sha256(stored) };
    const next = (warm: boolean) =>
      scenario((d) => {
        steady(d);
        withoutCoordinator(d);
        d.spec.scenario.horizon.time = 100;
        Object.assign(mod(d, 'router').config, { episodes: 10, ...(warm ? { warmStart: ref } : {}) });
      }, [6], 'final');
    const inputs = new Map([['router', new Map([['warmStart', stored]])]]);
    const warm = results(next(true), 0, inputs).r.router!;
    const cold = results(next(false), 0).r.router!;
    const storedFile = QTablesFile.parse(JSON.parse(stored));
    expect((warm.episodes as Episode[])[0]!.epsilon).toBeCloseTo(storedFile.agents[0]!.epsilon, 12);
    expect((warm.episodes as Episode[])[0]!.avgReward).toBeGreaterThan((cold.episodes as Episode[])[0]!.avgReward);
    expect(warm.warmStart).toMatchObject(ref);
    // The same input gives the same run.
    const again = results(next(true), 0, inputs).out.files;
    expect([...again.entries()]).toEqual([...results(next(true), 0, inputs).out.files.entries()]);
  });

  it('refuses stored tables for other providers', () => {
    const stored = out.files.get('qtables.json')!.replace('"atlas"', '"zephyr"');
    const exp2 = scenario((d) => {
      d.spec.scenario.horizon.time = 20;
      mod(d, 'router').config.warmStart = { results: 'file:///nowhere', run: 'run-000000', sha256: sha256(stored) };
    }, [1]);
    let err: unknown;
    try {
      results(exp2, 0, new Map([['router', new Map([['warmStart', stored]])]]));
    } catch (e) {
      err = e;
    }
    expect(isSwarmlabError(err) && err.code === 'RUN_FAILED' && err.message.includes('zephyr')).toBe(true);
  });
});

describe('mesh routing swarm', SLOW, () => {
  it('gossip reduces divergence between the agents\' Q-tables', () => {
    const run = (gossipInterval: number) =>
      scenario((d) => {
        d.spec.scenario.horizon.time = 200;
        mod(d, 'router').config.gossipInterval = gossipInterval;
        // Take the coordinator out so that resets do not drive divergence.
        withoutCoordinator(d);
      }, SEEDS, 'final');
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
        mod(d, 'workload').config = { targets: ['router'], rate: 20, amplitude: 0 };
        mod(d, 'providers').config.degradations = outage ? ['atlas', 'borealis', 'cirrus', 'delta'].map((p) => ({ provider: p, from: 150, capacityFactor: 0 })) : [];
      }, SEEDS, 'final');
    const degraded = run(true);
    const steadyRun = run(false);
    for (let i = 0; i < SEEDS.length; i++) {
      const c = results(degraded, i).r.coordinator!;
      const interventions = c.interventions as { time: number; predictionError: number; psi: number; coherence: number }[];
      expect(interventions.length).toBeGreaterThan(0);
      for (const iv of interventions) {
        expect(iv.time).toBeGreaterThanOrEqual(150);
        expect(iv.predictionError).toBeGreaterThan(c.threshold as number);
        expect(iv.psi).toBeGreaterThan(0);
        expect(iv.coherence).toBeGreaterThanOrEqual(0);
      }
      const quiet = results(steadyRun, i).r.coordinator!;
      expect(quiet.interventions).toEqual([]);
      expect(quiet.maxPredictionError as number).toBeLessThanOrEqual(quiet.threshold as number);
    }
  });

  it('a reset intervention clears the worst agents\' Q-tables', () => {
    const exp = scenario((d) => {
      d.spec.scenario.horizon.time = 240;
      mod(d, 'coordinator').config.mode = 'reset';
      mod(d, 'workload').config = { targets: ['router'], rate: 20, amplitude: 0 };
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
    expect(await meshRouter.verify!(view(files))).toEqual([]);
    // Each decision records the state it was made in: every provider's observation.
    expect((JSON.parse(lines[0]!) as { state: string }).state.split(' ')).toHaveLength(7);
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

  it('verify() also covers a heuristic router\'s log', async () => {
    const heuristic = scenario((d) => {
      d.spec.scenario.horizon.time = 30;
      mod(d, 'router').config.strategy = 'weighted-round-robin';
    }, [9]);
    const texts = results(heuristic, 0).out.files.texts();
    expect(await meshRouter.verify!(view(texts))).toEqual([]);
    const lines = texts.get('decisions.jsonl')!.split('\n');
    expect(lines[0]).toContain('"strategy":"weighted-round-robin"');
    lines[0] = lines[0]!.replace('"agent":', '"agent":1,"x":');
    texts.set('decisions.jsonl', lines.join('\n'));
    expect((await meshRouter.verify!(view(texts))).some((p) => p.startsWith('router:'))).toBe(true);
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

  it('refuses a malformed warm-start reference, and one on a heuristic router', () => {
    const ok = { results: 'file:///tmp/results/mesh-routing/0123456789abcdef', run: 'run-000002', sha256: 'a'.repeat(64) };
    expect(planError([net, providers(), router({ agents: 4, warmStart: { ...ok, sha256: 'abc' } })])?.path).toBe('spec.scenario.modules[2].config.warmStart.sha256');
    expect(planError([net, providers(), router({ agents: 4, warmStart: { ...ok, run: '2' } })])?.path).toBe('spec.scenario.modules[2].config.warmStart.run');
    expect(planError([net, providers(), router({ agents: 4, strategy: 'random', warmStart: ok })])?.path).toBe('spec.scenario.modules[2].config.warmStart');
  });
});
