import { defineModule, expectInstance, type JsonObject, z } from 'swarmlab/sdk';
import { QLearner, qLearningSchema } from '../../../lib/qlearning/qlearning.ts';
import { ACTIONS, GLOBALLY_BLOCKED, asActionPayload, type GateEntry } from './common.ts';

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
  version: '1.0.0',
  description: 'Q-learning recovery agent over noop, restart, scale_up, scale_down and rollback, proposing actions with a confidence; freeze mode for exact replays.',
  config: cicdAgentConfig,
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
        alert(e, sim) {
          const env = String(e.payload.env);
          const state = `${env}:${String(e.payload.signature)}`;
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
          sim.emit({
            type: 'action',
            target: config.environments,
            payload: {
              decision: id,
              env,
              app: e.payload.app ?? '',
              action,
              proposed: action,
              confidence,
              explored: c.explored,
              state,
              signals: e.payload.signals ?? {},
              context: e.payload.context ?? {},
              gates: [],
            },
          });
        },
        outcome(e) {
          const id = e.payload.decision as number;
          const d = pending.get(id);
          if (!d) return;
          pending.delete(id);
          outcomes++;
          const executed = String(e.payload.executed);
          const r = config.rewards;
          let reward = e.payload.resolved === true ? r.resolved : r.unresolved;
          reward -= config.actionCost[executed] ?? 0;
          if (e.payload.falseAlarm === true && executed !== 'noop' && executed !== 'observe') reward += r.falseAlarm;
          learn(d, executed, reward, e.payload.resolved === true ? undefined : d.state);
        },
        'intent.refused'(e) {
          const intent = e.payload.intent as JsonObject;
          const p = asActionPayload((intent.payload ?? {}) as JsonObject);
          const d = pending.get(p.decision);
          if (!d) return;
          pending.delete(p.decision);
          refusals++;
          learn(d, p.action, config.rewards.refused, undefined);
        },
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
  const gateLines = (t: number, id: number, gates: readonly GateEntry[]) => {
    for (const { gate, decision: verdict, ...rest } of gates) write({ t, event: 'GATE_DECISION', id, gate, verdict, ...rest });
  };
  for (const e of events) {
    if (e.type === 'action' && e.target === environments) {
      const p = asActionPayload(e.payload);
      gateLines(e.time, p.decision, p.gates);
      write({ t: e.time, event: 'ACTION_EXECUTED', id: p.decision, env: p.env, app: p.app, proposed: p.proposed, action: p.action, confidence: p.confidence, gates: p.gates.map((g) => g.gate) });
    } else if (e.type === 'intent.refused' && e.target === agent) {
      const intent = e.payload.intent as JsonObject;
      const p = asActionPayload((intent.payload ?? {}) as JsonObject);
      gateLines(e.time, p.decision, p.gates);
      write({ t: e.time, event: 'GATE_DECISION', id: p.decision, gate: String(e.payload.policy), verdict: 'refuse', code: e.payload.code ?? null, reason: e.payload.reason ?? '' });
      write({
        t: e.time,
        event: 'ACTION_REFUSED',
        id: p.decision,
        env: p.env,
        app: p.app,
        proposed: p.proposed,
        action: p.action,
        gate: String(e.payload.policy),
        code: e.payload.code ?? null,
        reason: e.payload.reason ?? '',
      });
    }
  }
  return lines.length ? `${lines.join('\n')}\n` : '';
}
