import { defineModule, expectInstance, intent, IntentRefused, on, type JsonObject, z } from 'swarmlab/sdk';
import { QLearner, qLearningSchema } from '../../../lib/qlearning/qlearning.ts';
import { ACTIONS, GLOBALLY_BLOCKED } from './common.ts';
import { Action, Alert, Outcome } from './events.ts';

/** The original system's deterministic stage rules, used as the learner's starting Q-values. */
const RULES: Record<string, (typeof ACTIONS)[number]> = {
  crash: 'restart',
  cpu: 'scale_up',
  memory: 'restart',
  errors: 'rollback',
  slow: 'noop',
};

export const cicdAgentConfig = z
  .object({
    environments: z.string().min(1).default('environments').describe('Environments instance actions are sent to.'),
    learning: qLearningSchema({ learningRate: 0.2, discount: 0.3, epsilon: 0.1, epsilonDecay: 1, epsilonMin: 0.01, replayCapacity: 100, replayBatch: 2 })
      .prefault({})
      .describe('Q-learning parameters; learning.freeze is freeze mode (epsilon 0, no Q updates).'),
    temperature: z.number().positive().default(0.25).describe('Softmax temperature turning Q-values into the confidence of the chosen action.'),
    prior: z.number().min(0).default(0.5).describe('Starting Q-value of the rule-based action for each signature (0 = learn from scratch).'),
    rewards: z
      .object({
        resolved: z.number().default(1).describe('Reward when the app is healthy after the action.'),
        unresolved: z.number().default(-0.5).describe('Reward when the incident is still open after the action.'),
        refused: z.number().default(-1).describe('Reward of an action a gate refused (below any executed outcome, so the agent learns what governance allows).'),
        falseAlarm: z.number().default(-0.5).describe('Extra reward for an action (other than noop/observe) on a false alarm.'),
      })
      .strict()
      .prefault({})
      .describe('Reward shaping.'),
    actionCost: z
      .record(z.string(), z.number().min(0))
      .default({ noop: 0, restart: 0.1, scale_up: 0.2, scale_down: 0.05, rollback: 0.3 })
      .describe('Cost subtracted from the reward of each executed action.'),
    rogueRate: z.number().min(0).max(1).default(0).describe('Stress test: chance a decision proposes a globally blocked destructive action instead.'),
  })
  .strict();

interface Decision {
  readonly state: string;
  readonly proposed: string;
}

/**
 * The recovery agent: on each alert it picks an action by epsilon-greedy
 * Q-learning over (environment, signature), proposes it with the softmax
 * confidence, and learns from the executor's outcome or from a gate's
 * refusal. It never executes anything: the gates and the executor decide.
 */
export const cicdRecoveryAgent = defineModule({
  kind: 'agent',
  name: 'cicd-recovery-agent',
  publishes: { metrics: { decisions: 'Actions proposed.', refusals: 'Proposed actions a gate refused.', epsilon: 'Current exploration rate.', meanReward: 'Mean reward over outcomes and refusals so far.' } },
  version: '1.0.0',
  description: 'Q-learning recovery agent over noop, restart, scale_up, scale_down and rollback, proposing actions with a confidence; freeze mode for exact replays.',
  config: cicdAgentConfig,
  events: { handles: [Alert, Outcome, IntentRefused], emits: [{ event: Action, to: 'environments' }] },
  validate: (config, scenario) => expectInstance(scenario, config.environments, ['environments'], ['cicd-environments']),
  create(config, ctx) {
    const prior = (state: string): number[] => {
      const sig = state.slice(state.indexOf(':') + 1);
      const row = ACTIONS.map(() => 0);
      const rule = RULES[sig];
      if (rule) row[ACTIONS.indexOf(rule)] = config.prior;
      return row;
    };
    const learner = new QLearner(ACTIONS.length, config.learning, ctx.rng('learner'), prior);
    const rogue = ctx.rng('rogue');
    const pending = new Map<number, Decision>();
    let decisions = 0;
    let refusals = 0;
    let outcomes = 0;
    let rewardSum = 0;
    const proposed: Record<string, number> = {};
    const learn = (d: Decision, executed: string, reward: number, next: string | undefined) => {
      const a = ACTIONS.indexOf((executed === 'observe' ? 'noop' : executed) as (typeof ACTIONS)[number]);
      if (a >= 0) learner.update({ state: d.state, action: a, reward, next });
      rewardSum += reward;
    };
    return {
      handle: {
        ...on(Alert, (alert, _e, sim) => {
          const state = `${alert.env}:${alert.signature}`;
          const c = learner.choose(state);
          let action: string = ACTIONS[c.action]!;
          let confidence = learner.confidence(state, c.action, config.temperature);
          if (config.rogueRate > 0 && rogue.bernoulli(config.rogueRate)) {
            action = rogue.pick(GLOBALLY_BLOCKED);
            confidence = 1;
          }
          const id = decisions++;
          proposed[action] = (proposed[action] ?? 0) + 1;
          pending.set(id, { state, proposed: action });
          sim.emit(
            intent(Action, config.environments, {
              decision: id,
              env: alert.env,
              app: alert.app,
              action,
              proposed: action,
              confidence,
              explored: c.explored,
              state,
              signals: alert.signals,
              context: alert.context,
              gates: [],
            }),
          );
        }),
        ...on(Outcome, (outcome) => {
          const d = pending.get(outcome.decision);
          if (!d) return;
          pending.delete(outcome.decision);
          outcomes++;
          const r = config.rewards;
          let reward = outcome.resolved ? r.resolved : r.unresolved;
          reward -= config.actionCost[outcome.executed] ?? 0;
          if (outcome.falseAlarm && outcome.executed !== 'noop' && outcome.executed !== 'observe') reward += r.falseAlarm;
          learn(d, outcome.executed, reward, outcome.resolved ? undefined : d.state);
        }),
        ...on(IntentRefused, (refusal) => {
          // The agent emits only actions; a refused action carries its decision id.
          const action = Action.payload.safeParse(refusal.intent.payload);
          if (!action.success) return;
          const d = pending.get(action.data.decision);
          if (!d) return;
          pending.delete(action.data.decision);
          refusals++;
          learn(d, action.data.action, config.rewards.refused, undefined);
        }),
      },
      metrics: () => ({ decisions, refusals, epsilon: learner.epsilon, meanReward: outcomes + refusals > 0 ? rewardSum / (outcomes + refusals) : 0 }),
      summary: () => ({
        frozen: learner.frozen,
        decisions,
        refusals,
        updates: learner.updates,
        proposed: { ...proposed },
        qTable: learner.snapshot(),
        actions: [...ACTIONS],
      }),
      analyze: (log) => ({ 'proof_log.jsonl': proofLog(log.events, ctx.instance, config.environments) }),
    };
  },
});

/**
 * The proof log: for every decision, one line per gate decision, then one line
 * for the executed or refused action with its reason. Built from the event log
 * after the run, so it proves what the scheduler actually did.
 */
export function proofLog(events: readonly { time: number; type: string; source: string; target: string; payload: JsonObject }[], agent: string, environments: string): string {
  const lines: string[] = [];
  const write = (o: JsonObject) => lines.push(JSON.stringify(o));
  const gateLines = (t: number, id: number, gates: readonly (JsonObject & { gate: string; decision: string })[]) => {
    for (const { gate, decision: verdict, ...rest } of gates) write({ t, event: 'GATE_DECISION', id, gate, verdict, ...rest });
  };
  for (const e of events) {
    if (e.type === Action.type && e.target === environments) {
      const p = Action.payload.parse(e.payload);
      gateLines(e.time, p.decision, p.gates);
      write({ t: e.time, event: 'ACTION_EXECUTED', id: p.decision, env: p.env, app: p.app, proposed: p.proposed, action: p.action, confidence: p.confidence, gates: p.gates.map((g) => g.gate) });
    } else if (e.type === IntentRefused.type && e.target === agent) {
      const refusal = IntentRefused.payload.parse(e.payload);
      const p = Action.payload.parse(refusal.intent.payload);
      gateLines(e.time, p.decision, p.gates);
      write({ t: e.time, event: 'GATE_DECISION', id: p.decision, gate: refusal.policy, verdict: 'refuse', code: refusal.code ?? null, reason: refusal.reason });
      write({
        t: e.time,
        event: 'ACTION_REFUSED',
        id: p.decision,
        env: p.env,
        app: p.app,
        proposed: p.proposed,
        action: p.action,
        gate: refusal.policy,
        code: refusal.code ?? null,
        reason: refusal.reason,
      });
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
