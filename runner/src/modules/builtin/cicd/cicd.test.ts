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
      d.spec.scenario.modules = d.spec.scenario.modules.filter((m) => m.kind !== 'policy' && m.module !== 'cicd-direct-caller');
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

  it('gates apply in module order, the RL intake gate first; the proof log holds every decision, gate pass, refusal (then NOOP) and execution, and the summary counts it per type', () => {
    const exp = experiment((d) => {
      d.spec.scenario.horizon.time = 10800;
    }, [7]);
    const { out, events, results } = run(exp, 0);
    const order = ['rl-intake', 'global-block', 'allowlist', 'cooldown', 'repetition', 'prerequisite', 'uncertainty', 'signal-conflict'];
    const executed = events.filter((e) => e.type === 'action' && e.target === 'environments');
    expect(executed.length).toBeGreaterThan(0);
    for (const e of executed) expect((e.payload.gates as { gate: string }[]).map((g) => g.gate).filter((g) => g !== 'agent/memory')).toEqual(order);
    const refused = events.filter((e) => e.type === 'intent.refused' && e.target === 'agent');
    expect(refused.length).toBeGreaterThan(0);
    for (const e of refused) {
      const passed = ((e.payload.intent as { payload: { gates: { gate: string }[] } }).payload.gates ?? []).map((g) => g.gate).filter((g) => g !== 'agent/memory');
      expect(passed).toEqual(order.slice(0, passed.length));
      expect(order[passed.length]).toBe(e.payload.policy);
      expect(String(e.payload.reason).length).toBeGreaterThan(0);
    }

    const proof = proofEntries(out.files.get('proof_log.jsonl')!);
    const count = (event: string) => proof.filter((p) => p.event === event).length;
    for (const [i, p] of proof.entries()) {
      expect(p.i).toBe(i);
      expect(typeof p.t).toBe('number');
      if (i > 0) expect(p.t as number).toBeGreaterThanOrEqual(proof[i - 1]!.t as number);
      expect(typeof p.source === 'string' && p.source.length > 0).toBe(true);
      expect(typeof p.justification === 'string' && p.justification.length > 0).toBe(true);
    }
    const agentDecisions = proposals(events).length;
    expect(count('RL_DECISION')).toBe(agentDecisions);
    expect(count('RL_INTAKE_VALIDATED')).toBe(agentDecisions);
    expect(count('EXECUTION_GATE_PASSED')).toBe(executed.length);
    const active = executed.filter((e) => !PASSIVE.includes(String(e.payload.action)));
    expect(count('ORCH_EXEC')).toBe(active.length);
    expect(count('SYSTEM_STABLE') + count('SYSTEM_UNSTABLE')).toBe(executed.length);
    // Every refusal is logged under the refusing gate's code, then as the NOOP it became, with gate and reason.
    const agentRefusals = proof.filter((p) => p.event === 'NOOP' && typeof p.refused === 'string');
    expect(agentRefusals.length).toBe(refused.length + (results['operator-script']!.blocked as number));
    for (const n of agentRefusals) {
      const line = proof[(n.i as number) - 1]!;
      expect(line.event).toBe(n.code);
      expect(line.gate).toBe(n.gate);
      expect(typeof n.reason === 'string' && n.reason.length > 0).toBe(true);
      expect(order).toContain(n.gate);
    }
    // Passive executions are NOOPs too: chosen, or rewritten by a gate (which the entry names).
    expect(count('NOOP')).toBe(refused.length + (results['operator-script']!.blocked as number) + (executed.length - active.length));
    for (const n of proof.filter((p) => p.event === 'NOOP' && p.gate !== undefined && p.refused === undefined)) expect(['uncertainty', 'signal-conflict', 'agent/memory']).toContain(n.gate);
    // Refusals per gate in the summary agree with the log.
    for (const g of order) expect(results[g]!.refused).toBe(proof.filter((p) => p.event === 'NOOP' && p.gate === g && p.refused !== undefined).length);
    // The summary's breakdown is the log's.
    const breakdown: Record<string, number> = {};
    for (const p of proof) breakdown[p.event as string] = (breakdown[p.event as string] ?? 0) + 1;
    expect(results.agent!.proofLog).toEqual({ file: 'proof_log.jsonl', entries: proof.length, breakdown: Object.fromEntries(Object.entries(breakdown).sort(([a], [b]) => (a < b ? -1 : 1))) });
  });

  it('Gate 1: actions from anything but the agent are refused as DEMO_MODE_BLOCK (then NOOP); the executor refuses them too when no gate is there', () => {
    const exp = experiment((d) => {
      d.spec.scenario.horizon.time = 7300;
    }, [2]);
    const { out, events, results } = run(exp, 0);
    const direct = events.filter((e) => e.type === 'intent.refused' && e.target === 'operator-script');
    expect(direct.map((e) => [e.payload.policy, e.payload.code])).toEqual([
      ['rl-intake', 'DEMO_MODE_BLOCK'],
      ['rl-intake', 'DEMO_MODE_BLOCK'],
    ]);
    expect(events.some((e) => e.type === 'action' && e.target === 'environments' && e.source !== 'agent')).toBe(false);
    const proof = proofEntries(out.files.get('proof_log.jsonl')!);
    const blocks = proof.filter((p) => p.event === 'DEMO_MODE_BLOCK');
    expect(blocks.map((b) => [b.t, b.source, b.action])).toEqual([
      [3600, 'rl-intake', 'restart'],
      [7200, 'rl-intake', 'scale_up'],
    ]);
    for (const b of blocks) {
      expect(proof[(b.i as number) - 1]).toMatchObject({ event: 'ACTION_REQUESTED', source: 'operator-script' });
      expect(proof[(b.i as number) + 1]).toMatchObject({ event: 'NOOP', gate: 'rl-intake', code: 'DEMO_MODE_BLOCK' });
    }
    expect(results['rl-intake']).toMatchObject({ refused: 2, byCode: { DEMO_MODE_BLOCK: 2 } });
    expect(results['rl-intake']!.passed).toBe(proposals(events).length);

    // Without any gate the executor itself refuses the direct calls.
    const ungated = experiment((d) => {
      d.spec.scenario.horizon.time = 7300;
      d.spec.scenario.modules = d.spec.scenario.modules.filter((m) => m.kind !== 'policy');
      d.spec.scenario.modules.find((m) => m.name === 'environments')!.config = {};
    }, [2]);
    const u = run(ungated, 0);
    const uproof = proofEntries(u.out.files.get('proof_log.jsonl')!);
    // They reach the executor after the dispatch latency (5 s) and are refused there, each becoming a NOOP.
    const orchRefusals = uproof.filter((p) => p.event === 'ORCH_REFUSE');
    expect(orchRefusals.map((p) => [p.t, p.action])).toEqual([
      [3605, 'restart'],
      [7205, 'scale_up'],
    ]);
    for (const r of orchRefusals) expect(uproof[(r.i as number) + 1]).toMatchObject({ event: 'NOOP', gate: 'environments', code: 'ORCH_REFUSE' });
    expect(u.results.environments!.refusedByExecutor).toBe(2);
  });
});

function proofEntries(text: string): Record<string, unknown>[] {
  return text.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('the memory override in a run', () => {
  it('the fourth crash of an app within ten minutes is not acted on: the proof log shows the agent BLOCKED and the NOOP, with the reason', () => {
    const doc = parse(readFileSync(new URL('../../../../../scenarios/cicd-demo.yaml', import.meta.url), 'utf8')) as Doc;
    const injector = doc.spec.scenario.modules.find((m) => m.name === 'injector')!.config!;
    injector.script = [100, 200, 300, 400].map((at) => ({ at, kind: 'crash', env: 'stage', app: 'demo-api' }));
    // Ends before the monitor alerts again about the crash left open.
    doc.spec.scenario.horizon.time = 450;
    const exp = withTextTrace(parseExperimentText(stringify(doc)));
    const { out, results } = run(exp, 0);
    const proof = proofEntries(out.files.get('proof_log.jsonl')!);
    expect(proof.filter((p) => p.event === 'RL_DECISION').map((p) => p.action)).toEqual(['restart', 'restart', 'restart', 'restart']);
    expect(proof.filter((p) => p.event === 'ORCH_EXEC')).toHaveLength(3);
    const blocked = proof.filter((p) => p.event === 'MEMORY_OVERRIDE');
    expect(blocked).toHaveLength(1);
    expect(blocked[0]).toMatchObject({ source: 'agent/memory', from: 'restart', to: 'noop', recentFailures: 4, justification: 'agent BLOCKED: 4 failures in the last 600s exceed the limit of 3' });
    const i = blocked[0]!.i as number;
    expect(proof[i - 1]).toMatchObject({ event: 'RL_DECISION', decision: blocked[0]!.decision });
    expect(proof.slice(i + 1, i + 4).map((p) => p.event)).toEqual(['RL_INTAKE_VALIDATED', 'EXECUTION_GATE_PASSED', 'NOOP']);
    expect(proof[i + 3]).toMatchObject({ gate: 'agent/memory', code: 'MEMORY_OVERRIDE', proposed: 'restart', action: 'noop' });
    expect(results.agent).toMatchObject({ memoryBlocks: 1, state: 'BLOCKED' });
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

  it('refuses a Gate 1 that accepts anything but a recovery agent, and onboarding, scripts or direct calls aimed at anything but the environments', () => {
    const intake = (agents: string[]) => [{ kind: 'policy', module: 'cicd-rl-intake', name: 'rl-intake', config: { agents } }, ...mods()];
    expect(planError(intake(['agent']))).toBeUndefined();
    expect(planError(intake(['agent', 'monitor']))).toMatchObject({ code: 'INVALID_MODULE_CONFIG', path: 'spec.scenario.modules[0].config.agents[1]' });
    const extra = (m: Record<string, unknown>) => [...mods(), m];
    expect(planError(extra({ kind: 'agent', module: 'cicd-onboarding', name: 'onboarding', config: { target: 'monitor' } }))?.path).toBe('spec.scenario.modules[5].config.target');
    expect(planError(extra({ kind: 'agent', module: 'cicd-direct-caller', name: 'caller', config: { target: 'agent' } }))?.path).toBe('spec.scenario.modules[5].config.target');
    // A script step must name a known environment and kind.
    const script = (step: Record<string, unknown>) => planError([...mods().filter((m) => m.name !== 'injector'), { kind: 'agent', module: 'cicd-failure-injector', name: 'injector', config: { script: [step] } }]);
    expect(script({ at: 5, kind: 'crash', env: 'stage', app: 'api' })).toBeUndefined();
    expect(script({ at: 5, kind: 'crash', env: 'qa', app: 'api' })).toMatchObject({ code: 'INVALID_MODULE_CONFIG' });
    expect(script({ at: 5, kind: 'meltdown', env: 'stage', app: 'api' })).toMatchObject({ code: 'INVALID_MODULE_CONFIG' });
  });
});
