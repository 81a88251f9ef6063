import { describe, expect, it } from 'vitest';
import type { JsonObject } from 'swarmlab/sdk';
import { testModule } from 'swarmlab/sdk/testing';
import { cicdRecoveryAgent } from './agent.ts';

const SIGNALS = { down: false, cpu_high: false, cpu_low: false, memory_high: false, memory_low: false, error_rate_high: false, error_rate_zero: false, deploy_slow: false };

function alert(env: string, app: string, signature: string): JsonObject {
  return { env, app, signature, signals: SIGNALS, context: { app, hasPreviousVersion: true, version: 2, replicas: 2 } };
}

type AgentConfig = Parameters<typeof testModule<typeof cicdRecoveryAgent.config>>[1] extends infer O ? (O extends { config?: infer C } ? C : never) : never;

function agent(seed: number, config: AgentConfig = {}) {
  return testModule(cicdRecoveryAgent, { seed, instance: 'agent', config });
}

/** The one action the agent emitted since the last call. */
function lastAction(a: ReturnType<typeof agent>): JsonObject {
  const sent = a.takeEmitted();
  expect(sent).toHaveLength(1);
  return sent[0]!.intent.payload!;
}

const SIGNATURES = ['crash', 'cpu', 'memory', 'errors', 'slow', 'spike'];

/** The same incident sequence in stage and prod, with outcomes (some unresolved) so that adaptive environments learn. */
function play(seed: number, config: AgentConfig) {
  const a = agent(seed, config);
  const decisions: { env: string; state: string; action: string; mode: unknown }[] = [];
  for (let k = 0; k < 60; k++) {
    const env = k % 2 === 0 ? 'stage' : 'prod';
    // Apps spread so that the memory override stays out of the way.
    const app = `app${k % 12}`;
    a.deliver('alert', alert(env, app, SIGNATURES[k % SIGNATURES.length]!), { at: k * 1000, source: 'monitor' });
    const p = lastAction(a);
    decisions.push({ env, state: String(p.state), action: String(p.proposed), mode: p.mode });
    a.deliver('outcome', { decision: p.decision!, env, app, state: p.state!, proposed: p.proposed!, executed: p.action!, resolved: k % 3 === 0, falseAlarm: false }, { at: k * 1000 + 30, source: 'environments' });
  }
  return { decisions, summary: a.summary()! };
}

describe('the recovery agent', () => {
  it('stage is deterministic (greedy, no Q updates) and prod adaptive: stage decisions are identical across seeds for the same incidents, prod ones are not', () => {
    const runs = [1, 2, 3, 4, 5].map((seed) => play(seed, { learning: { epsilon: 0.5 } }));
    const stage = runs.map((r) => r.decisions.filter((d) => d.env === 'stage'));
    const prod = runs.map((r) => r.decisions.filter((d) => d.env === 'prod'));
    for (const s of stage.slice(1)) expect(s).toEqual(stage[0]);
    // The stage policy is the rule prior, never explored or learned away from.
    const rules: Record<string, string> = { crash: 'restart', cpu: 'scale_up', memory: 'restart', errors: 'rollback', slow: 'noop', spike: 'noop' };
    for (const d of stage[0]!) {
      expect(d.mode).toBe('deterministic');
      expect(d.action).toBe(rules[d.state.split(':')[1]!]);
    }
    for (const p of prod) for (const d of p) expect(d.mode).toBe('adaptive');
    expect(new Set(prod.map((p) => JSON.stringify(p.map((d) => d.action)))).size).toBeGreaterThan(1);
    for (const r of runs) {
      const q = r.summary.qTable as Record<string, unknown>;
      expect(Object.keys(q).some((s) => s.startsWith('stage:'))).toBe(false);
      expect(Object.keys(q).some((s) => s.startsWith('prod:'))).toBe(true);
      expect(r.summary.updates as number).toBeGreaterThan(0);
      expect(r.summary.decisionsByMode).toEqual({ deterministic: 30, adaptive: 30 });
    }
  });

  it('the modes are per environment and freeze makes every environment deterministic', () => {
    const adaptiveStage = [1, 2, 3].map((seed) => play(seed, { learning: { epsilon: 0.5 }, modes: { stage: 'adaptive' } }).decisions.filter((d) => d.env === 'stage'));
    expect(new Set(adaptiveStage.map((s) => JSON.stringify(s))).size).toBeGreaterThan(1);
    const frozen = [1, 2, 3].map((seed) => play(seed, { learning: { epsilon: 0.5, freeze: true } }));
    for (const f of frozen.slice(1)) expect(f.decisions).toEqual(frozen[0]!.decisions);
    for (const f of frozen) {
      expect(f.summary.updates).toBe(0);
      expect(f.summary.decisionsByMode).toEqual({ deterministic: 60, adaptive: 0 });
    }
  });

  it('memory override: the fourth failure of an app within the window turns the action into noop, the agent is BLOCKED and says why', () => {
    const a = agent(1);
    for (const t of [0, 100, 200]) {
      a.deliver('alert', alert('stage', 'api', 'crash'), { at: t, source: 'monitor' });
      const p = lastAction(a);
      expect(p).toMatchObject({ action: 'restart', proposed: 'restart', gates: [] });
      a.deliver('outcome', { decision: p.decision!, env: 'stage', app: 'api', state: p.state!, proposed: 'restart', executed: 'restart', resolved: true, falseAlarm: false }, { at: t + 30, source: 'environments' });
    }
    expect(a.metrics()).toMatchObject({ blocked: 0, memoryBlocks: 0 });
    a.deliver('alert', alert('stage', 'api', 'crash'), { at: 300, source: 'monitor' });
    const p = lastAction(a);
    expect(p).toMatchObject({ action: 'noop', proposed: 'restart' });
    expect(p.gates).toEqual([
      { gate: 'agent/memory', decision: 'rewrite', from: 'restart', to: 'noop', code: 'MEMORY_OVERRIDE', reason: 'agent BLOCKED: 4 failures in the last 600s exceed the limit of 3', recentFailures: 4, instability: 60 },
    ]);
    expect(a.metrics()).toMatchObject({ blocked: 1, memoryBlocks: 1 });
    expect(a.summary()).toMatchObject({ state: 'BLOCKED', memoryBlocks: 1 });
    // Another app is acted on, and the agent leaves BLOCKED.
    a.deliver('alert', alert('stage', 'web', 'crash'), { at: 310, source: 'monitor' });
    expect(lastAction(a)).toMatchObject({ action: 'restart', gates: [] });
    expect(a.summary()).toMatchObject({ state: 'IDLE' });
  });

  it('memory override: failed recoveries raise the instability score past its limit before the failure count is reached', () => {
    const a = agent(1);
    for (const t of [0, 60]) {
      a.deliver('alert', alert('stage', 'api', 'memory'), { at: t, source: 'monitor' });
      const p = lastAction(a);
      expect(p.action).toBe('restart');
      a.deliver('outcome', { decision: p.decision!, env: 'stage', app: 'api', state: p.state!, proposed: 'restart', executed: 'restart', resolved: false, falseAlarm: false }, { at: t + 30, source: 'environments' });
    }
    a.deliver('alert', alert('stage', 'api', 'memory'), { at: 120, source: 'monitor' });
    const p = lastAction(a);
    expect(p.action).toBe('noop');
    // One failure (the repeated alerts continue it) and two failed restarts: 20 x 0.8 + 30 x 0.85 + 30 x 0.95 = 16 + 25.5 + 28.5
    expect((p.gates as JsonObject[])[0]).toMatchObject({ code: 'MEMORY_OVERRIDE', recentFailures: 1, instability: 70, reason: 'agent BLOCKED: instability score 70 exceeds the limit of 60' });
    // A noop chosen by the agent itself is never overridden.
    a.deliver('alert', alert('stage', 'api', 'slow'), { at: 130, source: 'monitor' });
    expect(lastAction(a)).toMatchObject({ action: 'noop', proposed: 'noop', gates: [] });
  });
});
