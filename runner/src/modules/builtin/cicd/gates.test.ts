import { describe, expect, it } from 'vitest';
import type { Intent, JsonObject, ModuleDefinition, Verdict, z } from 'swarmlab/sdk';
import { testModule, type ModuleHarness } from 'swarmlab/sdk/testing';
import { allowlistGate, conflictGate, cooldownGate, globalBlockGate, prerequisiteGate, repetitionGate, rlIntakeGate, uncertaintyGate } from './gates.ts';
import { ACTIONS, GLOBALLY_BLOCKED } from './common.ts';

function gate<S extends z.ZodObject>(def: ModuleDefinition<S>, config?: z.input<S>): ModuleHarness<S> {
  return testModule(def, config === undefined ? {} : { config });
}

function action(over: Partial<Record<string, unknown>> = {}): Intent & { source: string } {
  const payload = {
    decision: 0,
    env: 'dev',
    app: 'api',
    action: 'restart',
    proposed: 'restart',
    confidence: 0.9,
    state: 'dev:crash',
    signals: {},
    context: { app: 'api', hasPreviousVersion: true },
    gates: [],
    ...over,
  } as JsonObject;
  return { type: 'action', target: 'environments', payload, source: 'agent' };
}

function review<S extends z.ZodObject>(g: ModuleHarness<S>, intent: Intent & { source: string }, at?: number): Verdict {
  return g.review(intent, { source: intent.source, ...(at === undefined ? {} : { at }) });
}

function executed<S extends z.ZodObject>(g: ModuleHarness<S>, time: number, act: string, env = 'dev', app = 'api'): void {
  g.deliver('action.executed', { env, app, action: act }, { at: time, source: 'environments' });
}

const allowed = (v: Verdict) => v.allow;
const code = (v: Verdict) => (v.allow ? undefined : v.code);
const rewrittenTo = (v: Verdict) => (v.allow && v.intent ? (v.intent.payload as JsonObject).action : undefined);

describe('governance gates', () => {
  it('every gate passes other intent types untouched', () => {
    for (const def of [rlIntakeGate, globalBlockGate, allowlistGate, cooldownGate, repetitionGate, prerequisiteGate, uncertaintyGate, conflictGate]) {
      const g = gate(def as unknown as ModuleDefinition);
      expect(review(g, { type: 'telemetry', target: 'monitor', payload: { action: 'drop_database' }, source: 'environments' })).toEqual({ allow: true });
    }
  });

  it('RL intake (Gate 1): accepts actions from the agent only, marking them RL_INTAKE_VALIDATED; any other source is DEMO_MODE_BLOCK', () => {
    const g = gate(rlIntakeGate);
    const ok = review(g, action());
    expect(ok.allow && (ok.intent?.payload as JsonObject).gates).toEqual([{ gate: 'cicd-rl-intake', decision: 'pass', code: 'RL_INTAKE_VALIDATED', reason: 'action proposed by the RL decision layer (agent)' }]);
    // An entity inside the agent instance is the agent too.
    expect(allowed(review(g, { ...action(), source: 'agent/learner' }))).toBe(true);
    for (const source of ['injector', 'operator-script', 'environments', 'agents']) {
      const v = review(g, { ...action(), source });
      expect(code(v)).toBe('DEMO_MODE_BLOCK');
      expect(v.allow ? '' : v.reason).toContain(`action from ${source}, not from the RL decision layer`);
    }
    // The accepted agents are configurable; a noop from a stranger is refused as well.
    const two = gate(rlIntakeGate, { agents: ['blue', 'green'] });
    expect(allowed(review(two, { ...action(), source: 'green' }))).toBe(true);
    expect(code(review(two, { ...action({ action: 'noop' }), source: 'agent' }))).toBe('DEMO_MODE_BLOCK');
  });

  it('global block refuses every blocked destructive action in every environment, and extra ones, but nothing else', () => {
    const g = gate(globalBlockGate, { extra: ['wipe_cluster'] });
    for (const env of ['dev', 'stage', 'prod']) {
      for (const a of [...GLOBALLY_BLOCKED, 'wipe_cluster']) expect(code(review(g, action({ env, action: a })))).toBe('GLOBALLY_BLOCKED');
      for (const a of ACTIONS) expect(allowed(review(g, action({ env, action: a })))).toBe(true);
    }
  });

  it('allowlist: prod noop only, stage restart/scale/noop, dev all; observe everywhere', () => {
    const g = gate(allowlistGate);
    const ok = (env: string, a: string) => allowed(review(g, action({ env, action: a })));
    expect(ACTIONS.filter((a) => ok('prod', a))).toEqual(['noop']);
    expect(ACTIONS.filter((a) => ok('stage', a))).toEqual(['noop', 'restart', 'scale_up', 'scale_down']);
    expect(ACTIONS.filter((a) => ok('dev', a))).toEqual([...ACTIONS]);
    for (const env of ['dev', 'stage', 'prod']) expect(ok(env, 'observe')).toBe(true);
    expect(code(review(g, action({ env: 'prod', action: 'rollback' })))).toBe('ACTION_ELIGIBILITY_FAILED');
    expect(ok('qa', 'noop')).toBe(false);
  });

  it('a passing gate appends itself to the trail of the intent', () => {
    const g = gate(allowlistGate);
    const v = review(g, action({ gates: [{ gate: 'global-block', decision: 'pass' }] }));
    expect(v.allow && (v.intent?.payload as JsonObject).gates).toEqual([
      { gate: 'global-block', decision: 'pass' },
      { gate: 'cicd-allowlist', decision: 'pass' },
    ]);
  });

  it('cooldown refuses the same action on the same app until the cooldown since its execution expires', () => {
    const g = gate(cooldownGate);
    expect(allowed(review(g, action(), 100))).toBe(true);
    executed(g, 100, 'restart');
    expect(code(review(g, action(), 100))).toBe('COOLDOWN_ACTIVE');
    // Another action, another app and another environment have their own clocks.
    expect(allowed(review(g, action({ action: 'scale_up' }), 110))).toBe(true);
    expect(allowed(review(g, action({ app: 'web' }), 110))).toBe(true);
    expect(allowed(review(g, action({ env: 'stage' }), 110))).toBe(true);
    expect(code(review(g, action(), 159.9))).toBe('COOLDOWN_ACTIVE');
    // Expiry: 60 s after the execution the restart passes again.
    expect(allowed(review(g, action(), 160))).toBe(true);
    executed(g, 170, 'rollback');
    expect(code(review(g, action({ action: 'rollback' }), 469))).toBe('COOLDOWN_ACTIVE');
    expect(allowed(review(g, action({ action: 'rollback' }), 470))).toBe(true);
    // Refused or merely reviewed actions start no cooldown: only executions do.
    expect(allowed(review(g, action({ action: 'scale_down' }), 500))).toBe(true);
    expect(allowed(review(g, action({ action: 'scale_down' }), 501))).toBe(true);
  });

  it('repetition allows at most N identical executed actions in a sliding window', () => {
    const g = gate(repetitionGate, { limit: 3, window: 300 });
    for (const t of [0, 100, 200]) {
      expect(allowed(review(g, action({ action: 'scale_up' }), t))).toBe(true);
      executed(g, t, 'scale_up');
    }
    const v = review(g, action({ action: 'scale_up' }), 250);
    expect(code(v)).toBe('REPETITION_SUPPRESSED');
    expect(v.allow ? '' : v.reason).toContain('3 times');
    expect(allowed(review(g, action({ action: 'restart' }), 250))).toBe(true);
    expect(allowed(review(g, action({ action: 'scale_up', app: 'web' }), 250))).toBe(true);
    // The window slides: at 300 the execution at 0 has left it.
    expect(code(review(g, action({ action: 'scale_up' }), 299.9))).toBe('REPETITION_SUPPRESSED');
    expect(allowed(review(g, action({ action: 'scale_up' }), 300))).toBe(true);
    executed(g, 300, 'scale_up');
    expect(code(review(g, action({ action: 'scale_up' }), 399))).toBe('REPETITION_SUPPRESSED');
    expect(allowed(review(g, action({ action: 'scale_up' }), 400))).toBe(true);
    // noop is exempt however often it runs.
    for (let t = 0; t < 10; t++) executed(g, 500 + t, 'noop');
    expect(allowed(review(g, action({ action: 'noop' }), 510))).toBe(true);
  });

  it('prerequisite: rollback needs a previous version, restart/scale need the app', () => {
    const g = gate(prerequisiteGate);
    expect(allowed(review(g, action({ action: 'rollback' })))).toBe(true);
    expect(code(review(g, action({ action: 'rollback', context: { app: 'api', hasPreviousVersion: false } })))).toBe('MISSING_PREREQUISITE');
    expect(code(review(g, action({ action: 'rollback', context: { app: 'api' } })))).toBe('MISSING_PREREQUISITE');
    for (const a of ['restart', 'scale_up', 'scale_down']) {
      expect(allowed(review(g, action({ action: a, context: { app: 'api', hasPreviousVersion: false } })))).toBe(true);
      expect(code(review(g, action({ action: a, context: {} })))).toBe('MISSING_PREREQUISITE');
    }
    expect(allowed(review(g, action({ action: 'noop', context: {} })))).toBe(true);
  });

  it('uncertainty turns an action below the confidence threshold into noop, with the reason in the trail', () => {
    const g = gate(uncertaintyGate, { minConfidence: 0.5 });
    const low = review(g, action({ confidence: 0.35 }));
    expect(rewrittenTo(low)).toBe('noop');
    const trail = (low.allow && (low.intent?.payload as JsonObject).gates) as JsonObject[];
    expect(trail.at(-1)).toMatchObject({ decision: 'rewrite', from: 'restart', to: 'noop', code: 'UNCERTAINTY_NOOP' });
    expect(String(trail.at(-1)!.reason)).toContain('0.65');
    expect(rewrittenTo(review(g, action({ confidence: 0.5 })))).toBe('restart');
    expect(rewrittenTo(review(g, action({ confidence: 0.1, action: 'noop' })))).toBe('noop');
  });

  it('signal conflict turns an action on contradictory signals into observe, and only then', () => {
    const g = gate(conflictGate);
    for (const [hi, lo] of [
      ['cpu_high', 'cpu_low'],
      ['memory_high', 'memory_low'],
      ['error_rate_high', 'error_rate_zero'],
    ] as const) {
      expect(rewrittenTo(review(g, action({ signals: { [hi]: true, [lo]: true } })))).toBe('observe');
      expect(rewrittenTo(review(g, action({ signals: { [hi]: true, [lo]: false } })))).toBe('restart');
    }
    expect(rewrittenTo(review(g, action({ signals: { cpu_high: true, memory_low: true } })))).toBe('restart');
  });
});
