import { defineModule, expectInstance, instanceOf, on, type EventContracts, type Intent, type JsonObject, type ModuleRuntime, type Verdict, z } from 'swarmlab/sdk';
import { ActionExecuted } from './events.ts';
import { ACTIONS, ENVIRONMENTS, GLOBALLY_BLOCKED, PASSIVE, asActionPayload, type ActionPayload } from './common.ts';

/**
 * Governance gates: each is its own policy module reviewing the recovery
 * agent's `action` intents in module order (declare `after` to fix the order).
 * A gate passes (and appends itself to the intent's gate trail), refuses with
 * a reason and code (the engine logs it and tells the agent), or rewrites the
 * action (uncertainty -> noop, signal conflict -> observe), which it also
 * records in the trail. The trail is the proof of every gate decision.
 */

type Decision =
  | { readonly kind: 'pass'; readonly code?: string; readonly reason?: string }
  | { readonly kind: 'refuse'; readonly code: string; readonly reason: string; readonly detail?: JsonObject }
  | { readonly kind: 'rewrite'; readonly to: string; readonly code: string; readonly reason: string; readonly detail?: JsonObject };

const common = {
  intentType: z.string().min(1).default('action').describe('Intent type the gate reviews; every other intent passes untouched.'),
  after: z.array(z.string().min(1)).max(16).default([]).describe('Gate instances that must review before this one (fixes the order).'),
};

/** Every gate hears of executed actions (the stateful ones count them). */
const gateEvents: EventContracts = { handles: [ActionExecuted] };
const gatePublishes = {
  metrics: { reviewed: 'Intents of its type reviewed.', passed: 'Passed unchanged.', refused: 'Refused.', rewritten: 'Rewritten (to noop or observe).' },
};

interface ExecutedNotice {
  readonly env: string;
  readonly app: string;
  readonly action: string;
  readonly time: number;
}

interface GateCore {
  /** `source` is the instance that emitted the intent. */
  decide(p: ActionPayload, now: number, source: string): Decision;
  /** Stateful gates learn of actions the executor ran through `action.executed` notices. */
  executed?(n: ExecutedNotice): void;
}

function gateRuntime(instance: string, intentType: string, core: GateCore): ModuleRuntime {
  let reviewed = 0;
  let passed = 0;
  let refused = 0;
  let rewritten = 0;
  const byCode: Record<string, number> = {};
  return {
    reviews: [intentType],
    review(intent, view): Verdict {
      if (intent.type !== intentType) return { allow: true };
      reviewed++;
      const raw = intent.payload ?? {};
      const p = asActionPayload(raw);
      const { source, ...plain } = intent;
      const d = core.decide(p, view.now, instanceOf(source));
      if (d.kind === 'refuse') {
        refused++;
        byCode[d.code] = (byCode[d.code] ?? 0) + 1;
        return { allow: false, reason: d.reason, code: d.code };
      }
      const entry: JsonObject =
        d.kind === 'pass'
          ? { gate: instance, decision: 'pass', ...(d.code === undefined ? {} : { code: d.code }), ...(d.reason === undefined ? {} : { reason: d.reason }) }
          : { gate: instance, decision: 'rewrite', from: p.action, to: d.to, code: d.code, reason: d.reason, ...(d.detail ?? {}) };
      if (d.kind === 'pass') passed++;
      else {
        rewritten++;
        byCode[d.code] = (byCode[d.code] ?? 0) + 1;
      }
      const payload: JsonObject = { ...raw, gates: [...p.gates, entry] };
      if (d.kind === 'rewrite') payload.action = d.to;
      const next: Intent = { ...plain, payload };
      return { allow: true, intent: next };
    },
    handle: on(ActionExecuted, ({ env, app, action }, e) => core.executed?.({ env, app, action, time: e.time })),
    metrics: () => ({ reviewed, passed, refused, rewritten }),
    summary: () => ({ reviewed, passed, refused, rewritten, byCode: { ...byCode } }),
  };
}

/**
 * Gate 1, the RL intake gate: remediation actions are accepted only from the
 * recovery agent(s) named in `agents`; any other source (a direct call to the
 * executor) is refused as DEMO_MODE_BLOCK, and an accepted one is marked
 * RL_INTAKE_VALIDATED in the trail.
 */
export const rlIntakeGate = defineModule({
  kind: 'policy',
  name: 'cicd-rl-intake',
  version: '1.0.0',
  description: 'Gate 1: only the recovery agent may propose actions; any other source is refused (DEMO_MODE_BLOCK), the agent\'s are marked RL_INTAKE_VALIDATED.',
  config: z
    .object({ ...common, agents: z.array(z.string().min(1)).min(1).max(16).default(['agent']).describe('Recovery agent instances whose actions are accepted.') })
    .strict(),
  dependsOn: (c) => c.after,
  events: gateEvents,
  publishes: gatePublishes,
  validate: (config, scenario) => config.agents.flatMap((a, i) => expectInstance(scenario, a, ['agents', i], ['cicd-recovery-agent'])),
  create(config, ctx) {
    const agents = new Set(config.agents);
    return gateRuntime(ctx.instance, config.intentType, {
      decide(_p, _now, source) {
        if (agents.has(source)) return { kind: 'pass', code: 'RL_INTAKE_VALIDATED', reason: `action proposed by the RL decision layer (${source})` };
        return { kind: 'refuse', code: 'DEMO_MODE_BLOCK', reason: `action from ${source}, not from the RL decision layer (${[...agents].join(', ')}): direct calls to the executor are blocked` };
      },
    });
  },
});

export const globalBlockGate = defineModule({
  kind: 'policy',
  name: 'cicd-global-block',
  version: '1.0.0',
  description: 'Refuses the globally blocked destructive operations in every environment; the list can be extended, never shortened.',
  config: z
    .object({ ...common, extra: z.array(z.string().min(1)).max(256).default([]).describe('More actions to block, on top of the built-in list.') })
    .strict(),
  dependsOn: (c) => c.after,
  events: gateEvents,
  publishes: gatePublishes,
  create(config, ctx) {
    const blocked = new Set([...GLOBALLY_BLOCKED, ...config.extra]);
    return gateRuntime(ctx.instance, config.intentType, {
      decide(p) {
        if (blocked.has(p.action)) return { kind: 'refuse', code: 'GLOBALLY_BLOCKED', reason: `action ${p.action} is globally blocked (destructive) in every environment` };
        return { kind: 'pass' };
      },
    });
  },
});

const actionList = z.array(z.string().min(1)).max(64);

export const allowlistGate = defineModule({
  kind: 'policy',
  name: 'cicd-allowlist',
  version: '1.0.0',
  description: 'Environment allowlists: prod noop only, stage restart/scale/noop, dev every action (by default).',
  config: z
    .object({
      ...common,
      allow: z
        .object({
          dev: actionList.default([...ACTIONS]).describe('Actions allowed in dev.'),
          stage: actionList.default(['restart', 'scale_up', 'scale_down', 'noop']).describe('Actions allowed in stage.'),
          prod: actionList.default(['noop']).describe('Actions allowed in prod.'),
        })
        .strict()
        .prefault({})
        .describe('Allowed actions per environment; `observe` (watch only) is allowed everywhere.'),
    })
    .strict(),
  dependsOn: (c) => c.after,
  events: gateEvents,
  publishes: gatePublishes,
  create(config, ctx) {
    const allow = new Map<string, Set<string>>(ENVIRONMENTS.map((e) => [e, new Set(config.allow[e])]));
    return gateRuntime(ctx.instance, config.intentType, {
      decide(p) {
        if (p.action === 'observe') return { kind: 'pass' };
        const list = allow.get(p.env);
        if (list?.has(p.action)) return { kind: 'pass' };
        return {
          kind: 'refuse',
          code: 'ACTION_ELIGIBILITY_FAILED',
          reason: `action ${p.action} is not allowed in ${p.env || 'an unknown environment'} (allowed: ${list ? [...list].join(', ') : 'none'})`,
        };
      },
    });
  },
});

const scope = z.enum(['app', 'environment', 'global']).default('app').describe('What the history is kept per: each app, each environment, or everything.');
const keyOf = (s: 'app' | 'environment' | 'global', env: string, app: string, action: string): string =>
  s === 'app' ? `${env}/${app}/${action}` : s === 'environment' ? `${env}/${action}` : action;

export const cooldownGate = defineModule({
  kind: 'policy',
  name: 'cicd-cooldown',
  version: '1.0.0',
  description: 'Refuses an action until its cooldown since the last execution of the same action has passed.',
  config: z
    .object({
      ...common,
      cooldowns: z
        .record(z.string(), z.number().min(0))
        .default({ restart: 60, scale_up: 120, scale_down: 120, rollback: 300, noop: 0 })
        .describe('Seconds per action between executions; unlisted actions have none.'),
      scope,
    })
    .strict(),
  dependsOn: (c) => c.after,
  events: gateEvents,
  publishes: gatePublishes,
  create(config, ctx) {
    const last = new Map<string, number>();
    return gateRuntime(ctx.instance, config.intentType, {
      decide(p, now) {
        const cd = config.cooldowns[p.action] ?? 0;
        const t = last.get(keyOf(config.scope, p.env, p.app, p.action));
        if (cd > 0 && t !== undefined && now - t < cd) {
          const remaining = cd - (now - t);
          return { kind: 'refuse', code: 'COOLDOWN_ACTIVE', reason: `action ${p.action} on cooldown for ${remaining.toFixed(1)}s (cooldown ${cd}s)` };
        }
        return { kind: 'pass' };
      },
      executed(n) {
        last.set(keyOf(config.scope, n.env, n.app, n.action), n.time);
      },
    });
  },
});

export const repetitionGate = defineModule({
  kind: 'policy',
  name: 'cicd-repetition',
  version: '1.0.0',
  description: 'Refuses an action when N identical actions already executed within the sliding window.',
  config: z
    .object({
      ...common,
      limit: z.number().int().min(1).default(3).describe('Identical actions allowed within the window.'),
      window: z.number().positive().default(300).describe('Sliding window (seconds).'),
      exempt: z.array(z.string()).default([...PASSIVE]).describe('Actions never suppressed.'),
      scope,
    })
    .strict(),
  dependsOn: (c) => c.after,
  events: gateEvents,
  publishes: gatePublishes,
  create(config, ctx) {
    const history = new Map<string, number[]>();
    return gateRuntime(ctx.instance, config.intentType, {
      decide(p, now) {
        if (config.exempt.includes(p.action)) return { kind: 'pass' };
        const times = history.get(keyOf(config.scope, p.env, p.app, p.action)) ?? [];
        const recent = times.filter((t) => now - t < config.window).length;
        if (recent >= config.limit) {
          return { kind: 'refuse', code: 'REPETITION_SUPPRESSED', reason: `action ${p.action} already ran ${recent} times in the last ${config.window}s (limit ${config.limit})` };
        }
        return { kind: 'pass' };
      },
      executed(n) {
        const k = keyOf(config.scope, n.env, n.app, n.action);
        const times = (history.get(k) ?? []).filter((t) => n.time - t < config.window);
        times.push(n.time);
        history.set(k, times);
      },
    });
  },
});

export const prerequisiteGate = defineModule({
  kind: 'policy',
  name: 'cicd-prerequisite',
  version: '1.0.0',
  description: 'Refuses actions whose prerequisites are missing: restart/scale need the app, rollback a previous version.',
  config: z.object({ ...common }).strict(),
  dependsOn: (c) => c.after,
  events: gateEvents,
  publishes: gatePublishes,
  create(config, ctx) {
    return gateRuntime(ctx.instance, config.intentType, {
      decide(p) {
        if (['restart', 'scale_up', 'scale_down', 'rollback'].includes(p.action) && !p.context.app) {
          return { kind: 'refuse', code: 'MISSING_PREREQUISITE', reason: `action ${p.action} requires app_name in context` };
        }
        if (p.action === 'rollback' && p.context.hasPreviousVersion !== true) {
          return { kind: 'refuse', code: 'MISSING_PREREQUISITE', reason: 'action rollback requires a previous version to roll back to' };
        }
        return { kind: 'pass' };
      },
    });
  },
});

export const uncertaintyGate = defineModule({
  kind: 'policy',
  name: 'cicd-uncertainty',
  version: '1.0.0',
  description: 'Turns an action whose confidence is below the threshold into noop.',
  config: z.object({ ...common, minConfidence: z.number().min(0).max(1).default(0.5).describe('Confidence below this (uncertainty above 1 - this) becomes noop.') }).strict(),
  dependsOn: (c) => c.after,
  events: gateEvents,
  publishes: gatePublishes,
  create(config, ctx) {
    return gateRuntime(ctx.instance, config.intentType, {
      decide(p) {
        if (PASSIVE.includes(p.action) || p.confidence >= config.minConfidence) return { kind: 'pass' };
        const u = 1 - p.confidence;
        return {
          kind: 'rewrite',
          to: 'noop',
          code: 'UNCERTAINTY_NOOP',
          reason: `uncertainty ${u.toFixed(2)} exceeds threshold ${(1 - config.minConfidence).toFixed(2)} -> noop`,
          detail: { confidence: p.confidence },
        };
      },
    });
  },
});

const CONFLICTS: readonly (readonly [string, string, string])[] = [
  ['cpu', 'cpu_high', 'cpu_low'],
  ['memory', 'memory_high', 'memory_low'],
  ['error_rate', 'error_rate_high', 'error_rate_zero'],
];

export const conflictGate = defineModule({
  kind: 'policy',
  name: 'cicd-signal-conflict',
  version: '1.0.0',
  description: 'Turns an action taken on contradictory health signals (e.g. CPU both high and low) into observe.',
  config: z.object({ ...common }).strict(),
  dependsOn: (c) => c.after,
  events: gateEvents,
  publishes: gatePublishes,
  create(config, ctx) {
    return gateRuntime(ctx.instance, config.intentType, {
      decide(p) {
        if (p.action === 'observe') return { kind: 'pass' };
        const s = p.signals as Record<string, boolean | undefined>;
        const conflicts = CONFLICTS.filter(([, hi, lo]) => s[hi] === true && s[lo] === true).map(([m]) => m);
        if (conflicts.length === 0) return { kind: 'pass' };
        return {
          kind: 'rewrite',
          to: 'observe',
          code: 'SIGNAL_CONFLICT_OBSERVE',
          reason: `conflicting signals (${conflicts.map((c) => `${c}: both high and low`).join('; ')}) -> observe instead of act`,
          detail: { conflicts },
        };
      },
    });
  },
});

export const gateModules = [rlIntakeGate, globalBlockGate, allowlistGate, cooldownGate, repetitionGate, prerequisiteGate, uncertaintyGate, conflictGate];
