import { instanceOf, IntentRefused, type JsonObject, type SimEvent } from 'swarmlab/sdk';
import { ACTIONS, PASSIVE, type GateEntry } from './common.ts';
import { Action, AppDeploy, ExecutorRefused, Inject, Onboard, OnboardingChecked, Outcome, RUNTIME_KINDS } from './events.ts';

export const PROOF_LOG_FILE = 'proof_log.jsonl';

/**
 * The proof log tells a run's story in the original system's event types, one
 * entry per step, each with its logical time, its source (the instance that
 * acted) and a justification in words:
 *
 *   ONBOARDING_STARTED, ONBOARDING_VALIDATION_PASSED + SPEC_GENERATED or
 *   ONBOARDING_REFUSED, DEPLOYMENT_TRIGGERED; RUNTIME_EMIT (deploy, scale),
 *   FAILURE_INJECTED; RL_DECISION (or ACTION_REQUESTED from any other source);
 *   RL_INTAKE_VALIDATED, rewrites (MEMORY_OVERRIDE, UNCERTAINTY_NOOP,
 *   SIGNAL_CONFLICT_OBSERVE), then EXECUTION_GATE_PASSED or the refusal under
 *   the refusing gate's code (DEMO_MODE_BLOCK, GLOBALLY_BLOCKED, ...) or the
 *   executor's ORCH_REFUSE; ORCH_EXEC for an action that changes something,
 *   NOOP for a decision that ends with nothing done (with the gate and reason
 *   when a gate made it so); SYSTEM_STABLE or SYSTEM_UNSTABLE after it.
 *
 * It is built from the event log after the run, so it shows what the
 * scheduler actually did; entries are ordered by time, then by the order of
 * the events they come from.
 */
export interface ProofLog {
  readonly text: string;
  readonly entries: number;
  /** Entries per event type, by type name. */
  readonly breakdown: Record<string, number>;
}

export interface ProofLogInstances {
  /** The recovery agent (RL decision layer). */
  readonly agent: string;
  /** The executor (environments instance). */
  readonly environments: string;
}

interface Entry {
  readonly t: number;
  readonly event: string;
  readonly source: string;
  readonly justification: string;
  readonly fields: JsonObject;
}

type ActionP = ReturnType<typeof Action.payload.parse>;

export function buildProofLog(events: readonly SimEvent[], who: ProofLogInstances): ProofLog {
  const out: Entry[] = [];
  const add = (t: number, event: string, source: string, justification: string, fields: JsonObject = {}) => out.push({ t, event, source, justification, fields });
  const refusedByExecutor = new Map<number, string>();
  for (const e of events) {
    if (e.type === ExecutorRefused.type) {
      const r = ExecutorRefused.payload.parse(e.payload);
      refusedByExecutor.set(r.seq, r.reason);
    }
  }

  const where = (p: { env: string; app: string }) => `${p.env}/${p.app}`;
  const ids = (p: ActionP): JsonObject => ({ decision: p.decision, env: p.env, app: p.app });

  /** The decision and the gate trail, at the decision time. Returns the last rewrite, if any. */
  const decided = (p: ActionP, origin: string): GateEntry | undefined => {
    const t = p.decidedAt;
    if (origin === who.agent) {
      const how = !(ACTIONS as readonly string[]).includes(p.proposed)
        ? 'stress-test proposal outside the action space (rogueRate)'
        : p.mode === 'deterministic'
          ? 'greedy choice, deterministic mode (epsilon 0, no learning)'
          : p.explored
            ? 'explored at random (epsilon-greedy)'
            : 'greedy choice on learned Q-values';
      add(t, 'RL_DECISION', origin, `${p.state} -> ${p.proposed}: ${how}; confidence ${p.confidence.toFixed(2)}`, {
        ...ids(p),
        state: p.state,
        action: p.proposed,
        confidence: p.confidence,
        explored: p.explored,
        ...(p.mode === undefined ? {} : { mode: p.mode }),
      });
    } else {
      add(t, 'ACTION_REQUESTED', origin, `${p.proposed} on ${where(p)} requested directly by ${origin}, not by the RL decision layer`, { ...ids(p), action: p.proposed });
    }
    let rewrite: GateEntry | undefined;
    for (const g of p.gates) {
      const { gate, decision, ...rest } = g;
      const code = typeof rest.code === 'string' ? rest.code : undefined;
      const reason = typeof rest.reason === 'string' ? rest.reason : code;
      if (decision === 'rewrite') {
        rewrite = g;
        add(t, code ?? 'GATE_REWRITE', gate, reason ?? `${gate} rewrote the action`, { ...ids(p), gate, ...rest });
      } else if (code !== undefined) add(t, code, gate, reason ?? code, { ...ids(p), gate });
    }
    return rewrite;
  };

  for (const e of events) {
    if (e.type === Onboard.type) {
      const r = Onboard.payload.parse(e.payload);
      add(e.time, 'ONBOARDING_STARTED', e.source, `onboarding request ${r.request}: ${r.name} (${r.runtime}) into ${r.environment}`, {
        request: r.request,
        app: r.name,
        env: r.environment,
        repoUrl: r.repoUrl,
        runtime: r.runtime,
      });
    } else if (e.type === OnboardingChecked.type) {
      const c = OnboardingChecked.payload.parse(e.payload);
      const f = { request: c.request, app: c.name, env: c.environment };
      if (c.passed && c.spec) {
        add(e.time, 'ONBOARDING_VALIDATION_PASSED', e.source, 'every onboarding rule passed: name, https repository URL, runtime, environment, no injection characters, not a duplicate', f);
        add(e.time, 'SPEC_GENERATED', e.source, 'app_spec filled in from the template; no field inferred', { ...f, spec: c.spec });
      } else {
        add(e.time, 'ONBOARDING_REFUSED', e.source, c.issues.map((i) => `${i.field}: ${i.message}`).join('; '), { ...f, issues: c.issues });
      }
    } else if (e.type === AppDeploy.type) {
      const d = AppDeploy.payload.parse(e.payload);
      add(e.time, 'DEPLOYMENT_TRIGGERED', e.source, `deploying onboarded ${d.spec.name} into ${d.spec.environment}`, { request: d.request, app: d.spec.name, env: d.spec.environment });
    } else if (e.type === Inject.type) {
      const i = Inject.payload.parse(e.payload);
      const level = i.cpu !== undefined ? ` (CPU ${Math.round(i.cpu * 100)}%)` : i.memory !== undefined ? ` (memory ${Math.round(i.memory * 100)}%)` : i.replicas !== undefined ? ` (to ${i.replicas} replicas)` : '';
      const runtime = RUNTIME_KINDS.includes(i.kind);
      add(e.time, runtime ? 'RUNTIME_EMIT' : 'FAILURE_INJECTED', e.source, `${i.kind}${level} ${runtime ? 'event on' : 'injected into'} ${where(i)}`, { ...i });
    } else if (e.type === Action.type && e.target === who.environments) {
      const p = Action.payload.parse(e.payload);
      const rewrite = decided(p, instanceOf(e.source));
      const passed = p.gates.map((g) => g.gate).filter((g) => g !== `${who.agent}/memory`);
      add(p.decidedAt, 'EXECUTION_GATE_PASSED', who.environments, passed.length ? `${p.action} passed ${passed.length} gates: ${passed.join(', ')}` : `${p.action}: no gate in the scenario`, {
        ...ids(p),
        action: p.action,
        gates: passed,
      });
      const refused = refusedByExecutor.get(e.seq);
      if (refused !== undefined) {
        add(e.time, 'ORCH_REFUSE', e.target, refused, { ...ids(p), action: p.action });
        add(e.time, 'NOOP', e.target, `refused by the executor: ${refused}`, { ...ids(p), proposed: p.proposed, gate: e.target, code: 'ORCH_REFUSE', reason: refused });
      } else if (!PASSIVE.includes(p.action)) {
        add(e.time, 'ORCH_EXEC', e.target, `executing ${p.action} on ${where(p)}`, { ...ids(p), action: p.action });
      } else if (rewrite) {
        const reason = typeof rewrite.reason === 'string' ? rewrite.reason : '';
        add(e.time, 'NOOP', rewrite.gate, `${p.proposed} became ${p.action}: ${reason}`, { ...ids(p), action: p.action, proposed: p.proposed, gate: rewrite.gate, code: rewrite.code ?? null, reason });
      } else {
        add(e.time, 'NOOP', instanceOf(e.source), `${p.action} chosen: no action needed`, { ...ids(p), action: p.action, proposed: p.proposed });
      }
    } else if (e.type === IntentRefused.type) {
      const r = IntentRefused.payload.parse(e.payload);
      if (r.intent.type !== Action.type || r.intent.target !== who.environments) continue;
      const p = Action.payload.parse(r.intent.payload);
      decided(p, instanceOf(e.target));
      const code = r.code ?? 'ORCH_REFUSE';
      add(e.time, code, r.policy, r.reason, { ...ids(p), action: p.action, gate: r.policy, code, reason: r.reason });
      add(e.time, 'NOOP', r.policy, `${p.action} refused by ${r.policy} (${code}); nothing runs instead`, { ...ids(p), proposed: p.proposed, refused: p.action, gate: r.policy, code, reason: r.reason });
    } else if (e.type === Outcome.type && e.target === who.agent) {
      const o = Outcome.payload.parse(e.payload);
      if (o.refusedByExecutor) continue;
      const f = { decision: o.decision, env: o.env, app: o.app, executed: o.executed };
      if (o.resolved) add(e.time, 'SYSTEM_STABLE', e.source, `${where(o)} healthy after ${o.executed}${o.falseAlarm ? ' (there was no incident)' : ''}`, f);
      else add(e.time, 'SYSTEM_UNSTABLE', e.source, `${where(o)} still has an open incident after ${o.executed}`, f);
    }
  }

  // Stable: entries of one time keep the order of the events they come from.
  out.sort((a, b) => a.t - b.t);
  const breakdown: Record<string, number> = {};
  for (const x of out) breakdown[x.event] = (breakdown[x.event] ?? 0) + 1;
  const sorted = Object.fromEntries(Object.entries(breakdown).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  const lines = out.map((x, i) => JSON.stringify({ i, t: x.t, event: x.event, source: x.source, justification: x.justification, ...x.fields }));
  return { text: lines.length ? `${lines.join('\n')}\n` : '', entries: out.length, breakdown: sorted };
}
