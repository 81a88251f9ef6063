import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { parse, stringify } from 'yaml';
import { parseExperimentText } from '../../../spec/load.ts';
import { planRun } from '../../../spec/plan.ts';
import { executeRun } from '../../../run/execute.ts';
import { builtinRegistry } from '../../../modules/builtin-registry.ts';
import { planError } from '../../../testing/plan-error.ts';
import { GLOBALLY_BLOCKED, PASSIVE } from './common.ts';
import { withTextTrace } from '../../../testing/text-trace.ts';

const scenarioFile = new URL('../../../../../scenarios/cicd-self-healing.yaml', import.meta.url);

interface ModuleDoc {
  kind: string;
  module: string;
  name?: string;
  config?: Record<string, unknown>;
}
interface Doc {
  spec: { scenario: { modules: ModuleDoc[]; horizon: { time: number } }; sweep: Record<string, unknown> };
}

function agentConfig(d: Doc): Record<string, unknown> {
  const m = d.spec.scenario.modules.find((x) => x.name === 'agent')!;
  m.config ??= {};
  return m.config;
}

function experiment(edit: (d: Doc) => void, seeds: number[], grid: { param: string; values: (number | boolean)[] }[] = []) {
  const doc = parse(readFileSync(scenarioFile, 'utf8')) as Doc;
  doc.spec.sweep = { seeds: { list: seeds }, grid };
  edit(doc);
  return withTextTrace(parseExperimentText(stringify(doc)));
}

interface Ev {
  time: number;
  type: string;
  source: string;
  target: string;
  payload: Record<string, unknown>;
}

function run(exp: ReturnType<typeof experiment>, i: number) {
  const out = executeRun(exp, planRun(exp, i), builtinRegistry);
  const events = out.files.get('events.jsonl')!.trim().split('\n').map((l) => JSON.parse(l) as Ev);
  return { out, events, results: out.summary.results as Record<string, Record<string, unknown>> };
}

/** Payloads of every action the agent proposed, whether the gates let it through or refused it, by decision id. */
function proposals(events: readonly Ev[]): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const e of events) {
    if (e.type === 'action' && e.source === 'agent') out.push(e.payload);
    if (e.type === 'intent.refused' && e.target === 'agent') out.push((e.payload.intent as { payload: Record<string, unknown> }).payload);
  }
  return out.sort((a, b) => (a.decision as number) - (b.decision as number));
}

/** The agent's proposals, in order: (state, proposed action). */
function decisions(events: readonly Ev[]): string[] {
  return proposals(events).map((p) => `${String(p.state)} -> ${String(p.proposed)}`);
}

const SLOW = { timeout: 300_000 };

describe('self-healing CI/CD under governance', SLOW, () => {
  it('nothing destructive executes in prod, and no globally blocked action anywhere, over many seeds and exploration rates', () => {
    const seeds = [1, 2, 3, 4, 5, 6];
    const exp = experiment(
      (d) => {
        d.spec.scenario.horizon.time = 7200;
        agentConfig(d).rogueRate = 0.1;
      },
      seeds,
      [{ param: 'agent.learning.epsilon', values: [0, 0.3, 1] }],
    );
    let prodProposals = 0;
    let rogue = 0;
    for (let i = 0; i < seeds.length * 3; i++) {
      const { events, results } = run(exp, i);
      const executed = events.filter((e) => e.type === 'action' && e.target === 'environments');
      for (const e of executed) {
        if (e.payload.env === 'prod') expect(PASSIVE).toContain(e.payload.action);
        expect(GLOBALLY_BLOCKED).not.toContain(e.payload.action);
      }
      const proposed = proposals(events);
      prodProposals += proposed.filter((p) => p.env === 'prod' && !PASSIVE.includes(String(p.proposed))).length;
      rogue += proposed.filter((p) => GLOBALLY_BLOCKED.includes(String(p.proposed))).length;
      expect(results.environments!.prodActiveActions).toBe(0);
      expect(results.environments!.refusedByExecutor).toBe(0);
    }
    // The property is only worth something if the agent did try.
    expect(prodProposals).toBeGreaterThan(0);
    expect(rogue).toBeGreaterThan(0);
  });

  it('the executor runs no globally blocked action even when every gate is taken out', () => {
    const exp = experiment((d) => {
      d.spec.scenario.horizon.time = 7200;
      d.spec.scenario.modules = d.spec.scenario.modules.filter((m) => m.kind !== 'policy');
      d.spec.scenario.modules.find((m) => m.name === 'environments')!.config = {};
      agentConfig(d).rogueRate = 0.2;
    }, [3]);
    const { results, events } = run(exp, 0);
    expect(proposals(events).some((p) => GLOBALLY_BLOCKED.includes(String(p.proposed)))).toBe(true);
    const executed = results.environments!.executed as Record<string, number>;
    expect(Object.keys(executed).some((a) => GLOBALLY_BLOCKED.includes(a))).toBe(false);
    expect(results.environments!.refusedByExecutor as number).toBeGreaterThan(0);
  });

  it('freeze mode: no Q updates, epsilon 0, and the same state always gets the same decision across runs and seeds', () => {
    const exp = experiment(
      (d) => {
        d.spec.scenario.horizon.time = 10800;
        agentConfig(d).learning = { epsilon: 0.5, freeze: true };
        agentConfig(d).rogueRate = 0;
      },
      [1, 2],
    );
    const a = run(exp, 0);
    const again = run(exp, 0);
    const b = run(exp, 1);
    expect(decisions(again.events)).toEqual(decisions(a.events));
    const policy = new Map<string, string>();
    for (const d of [...decisions(a.events), ...decisions(b.events)]) {
      const [state, act] = d.split(' -> ') as [string, string];
      if (!policy.has(state)) policy.set(state, act);
      expect(policy.get(state)).toBe(act);
    }
    expect(policy.size).toBeGreaterThan(3);
    for (const r of [a.results.agent!, b.results.agent!]) {
      expect(r.frozen).toBe(true);
      expect(r.updates).toBe(0);
      expect(r.qTable).toEqual({});
    }
    // Without freeze, the same runs learn and their decisions drift.
    const learning = experiment(
      (d) => {
        d.spec.scenario.horizon.time = 10800;
        agentConfig(d).learning = { epsilon: 0.5, freeze: false };
      },
      [1],
    );
    const l = run(learning, 0);
    expect(l.results.agent!.updates as number).toBeGreaterThan(0);
    const seen = new Map<string, Set<string>>();
    for (const d of decisions(l.events)) {
      const [state, act] = d.split(' -> ') as [string, string];
      seen.set(state, (seen.get(state) ?? new Set()).add(act));
    }
    expect([...seen.values()].some((s) => s.size > 1)).toBe(true);
  });

  it('gates apply in module order and the proof log holds every gate decision and every executed or refused action with its reason', () => {
    const exp = experiment((d) => {
      d.spec.scenario.horizon.time = 10800;
    }, [7]);
    const { out, events, results } = run(exp, 0);
    const order = ['global-block', 'allowlist', 'cooldown', 'repetition', 'prerequisite', 'uncertainty', 'signal-conflict'];
    const executed = events.filter((e) => e.type === 'action' && e.target === 'environments');
    expect(executed.length).toBeGreaterThan(0);
    for (const e of executed) expect((e.payload.gates as { gate: string }[]).map((g) => g.gate)).toEqual(order);
    const refused = events.filter((e) => e.type === 'intent.refused' && e.target === 'agent');
    expect(refused.length).toBeGreaterThan(0);
    for (const e of refused) {
      const passed = ((e.payload.intent as { payload: { gates: { gate: string }[] } }).payload.gates ?? []).map((g) => g.gate);
      expect(passed).toEqual(order.slice(0, passed.length));
      expect(order[passed.length]).toBe(e.payload.policy);
      expect(String(e.payload.reason).length).toBeGreaterThan(0);
    }

    const proof = out.files.get('proof_log.jsonl')!.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(proof.filter((p) => p.event === 'ACTION_EXECUTED').length).toBe(executed.length);
    expect(proof.filter((p) => p.event === 'ACTION_REFUSED').length).toBe(refused.length);
    for (const p of proof.filter((x) => x.event === 'ACTION_REFUSED')) expect(typeof p.reason === 'string' && p.reason.length > 0).toBe(true);
    const gateLines = proof.filter((p) => p.event === 'GATE_DECISION');
    const trails = executed.reduce((n, e) => n + (e.payload.gates as unknown[]).length, 0);
    const refusedTrails = refused.reduce((n, e) => n + ((e.payload.intent as { payload: { gates: unknown[] } }).payload.gates.length + 1), 0);
    expect(gateLines.length).toBe(trails + refusedTrails);
    // Refusals per gate in the summary agree with the log.
    for (const g of order) {
      const r = results[g]!;
      expect(r.refused).toBe(refused.filter((e) => e.payload.policy === g).length);
    }
  });
});

describe('cicd modules validate (refused by plan, before any run)', () => {
  const mods = (envConfig: Record<string, unknown> = {}, agentConfig: Record<string, unknown> = {}) => [
    { kind: 'policy', module: 'cicd-cooldown', name: 'cooldown' },
    { kind: 'agent', module: 'cicd-environments', name: 'environments', config: envConfig },
    { kind: 'agent', module: 'cicd-failure-injector', name: 'injector' },
    { kind: 'agent', module: 'cicd-monitor', name: 'monitor' },
    { kind: 'agent', module: 'cicd-recovery-agent', name: 'agent', config: agentConfig },
  ];

  it('accepts gates as notify targets', () => {
    expect(planError(mods({ notify: ['cooldown'] }))).toBeUndefined();
  });

  it('refuses a notify target that is not a gate and references to the wrong instances', () => {
    expect(planError(mods({ notify: ['monitor'] }))).toMatchObject({ code: 'INVALID_MODULE_CONFIG', path: 'spec.scenario.modules[1].config.notify[0]' });
    expect(planError(mods({ agent: 'monitor' }))?.path).toBe('spec.scenario.modules[1].config.agent');
    expect(planError(mods({}, { environments: 'envs' }))?.path).toBe('spec.scenario.modules[4].config.environments');
  });
});
