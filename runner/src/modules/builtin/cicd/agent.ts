import { defineModule, expectInstance, intent, IntentRefused, on, type JsonObject, z } from 'swarmlab/sdk';
import { qLearningSchema } from '../../../lib/qlearning/qlearning.ts';
import { ACTIONS, GLOBALLY_BLOCKED, PASSIVE } from './common.ts';
import { Action, Alert, Outcome } from './events.ts';
import { FailureMemory, memoryOverrideSchema } from './memory.ts';
import { modesSchema, RecoveryPolicy, type LearningMode } from './policy.ts';
import { buildProofLog, PROOF_LOG_FILE } from './proof-log.ts';

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
    modes: modesSchema
      .prefault({})
      .describe('Per environment: deterministic (greedy, epsilon 0, no Q updates) or adaptive (epsilon-greedy Q-learning). learning.freeze makes every environment deterministic.'),
    memory: memoryOverrideSchema.prefault({}).describe('Memory override: the agent blocks itself (noop) on an app with too many recent failures or too high an instability score.'),
  })
  .strict();

interface Decision {
  readonly state: string;
  readonly proposed: string;
  /** Whether the outcome teaches the learner (adaptive mode and the learner's own choice was tried). */
  readonly learns: boolean;
}

/**
 * The recovery agent: on each alert it picks an action over (environment,
 * signature), greedily in a deterministic environment and by epsilon-greedy
 * Q-learning in an adaptive one, and proposes it with the softmax confidence;
 * its memory of the app may override the choice with noop (the agent is then
 * BLOCKED). It learns, in adaptive environments only, from the executor's
 * outcome or a gate's refusal. It never executes anything: the gates and the
 * executor decide. Its analysis writes the proof log.
 */
export const cicdRecoveryAgent = defineModule({
  kind: 'agent',
  name: 'cicd-recovery-agent',
  publishes: {
    metrics: {
      decisions: 'Actions proposed.',
      refusals: 'Proposed actions a gate refused.',
      epsilon: 'Current exploration rate.',
      meanReward: 'Mean reward over outcomes and refusals so far.',
      memoryBlocks: 'Decisions the memory override turned into noop.',
      blocked: '1 while the agent is BLOCKED (its last decision was overridden by its memory), else 0.',
    },
    files: { [PROOF_LOG_FILE]: 'The proof log (JSONL): the run\'s story from onboarding to recovery, one entry per step with time, source and justification.' },
  },
  version: '2.0.0',
  description: 'Recovery agent over noop, restart, scale_up, scale_down and rollback: deterministic in stage, Q-learning in dev and prod (freeze mode: deterministic everywhere), a memory override that blocks it on unstable apps; writes the proof log.',
  config: cicdAgentConfig,
  events: { handles: [Alert, Outcome, IntentRefused], emits: [{ event: Action, to: 'environments' }] },
  validate: (config, scenario) => expectInstance(scenario, config.environments, ['environments'], ['cicd-environments']),
  create(config, ctx) {
    const policy = new RecoveryPolicy(config.learning, config.modes, { prior: config.prior, temperature: config.temperature, rng: ctx.rng('learner') });
    const memory = new FailureMemory(config.memory);
    const rogue = ctx.rng('rogue');
    const pending = new Map<number, Decision>();
    let decisions = 0;
    let refusals = 0;
    let outcomes = 0;
    let rewardSum = 0;
    let memoryBlocks = 0;
    let blocked = false;
    const proposed: Record<string, number> = {};
    const byMode: Record<LearningMode, number> = { deterministic: 0, adaptive: 0 };
    let proof: { entries: number; breakdown: Record<string, number> } | undefined;
    const learn = (d: Decision, executed: string, reward: number, next: string | undefined) => {
      rewardSum += reward;
      if (d.learns) policy.learn(d.state, executed, reward, next);
    };
    return {
      handle: {
        ...on(Alert, (alert, _e, sim) => {
          const c = policy.choose(alert.env, alert.signature);
          const { state, mode: m } = c;
          byMode[m]++;
          let action: string = c.action;
          let confidence = c.confidence;
          if (config.rogueRate > 0 && rogue.bernoulli(config.rogueRate)) {
            action = rogue.pick(GLOBALLY_BLOCKED);
            confidence = 1;
          }
          const app = `${alert.env}/${alert.app}`;
          memory.recordAlert(app, sim.now);
          const a = memory.assess(app, sim.now);
          const override = a.block !== undefined && !PASSIVE.includes(action);
          blocked = override;
          if (override) memoryBlocks++;
          const id = decisions++;
          proposed[action] = (proposed[action] ?? 0) + 1;
          pending.set(id, { state, proposed: action, learns: m === 'adaptive' && !override });
          const gates: JsonObject[] = override
            ? [{ gate: `${ctx.instance}/memory`, decision: 'rewrite', from: action, to: 'noop', code: 'MEMORY_OVERRIDE', reason: `agent BLOCKED: ${a.block}`, recentFailures: a.recentFailures, instability: a.instability }]
            : [];
          sim.emit(
            intent(Action, config.environments, {
              decision: id,
              env: alert.env,
              app: alert.app,
              action: override ? 'noop' : action,
              proposed: action,
              confidence,
              explored: c.explored,
              state,
              decidedAt: sim.now,
              mode: m,
              signals: alert.signals,
              context: alert.context,
              gates: gates as { gate: string; decision: 'pass' | 'rewrite' }[],
            }),
          );
        }),
        ...on(Outcome, (outcome, _e, sim) => {
          const d = pending.get(outcome.decision);
          if (!d) return;
          pending.delete(outcome.decision);
          outcomes++;
          if (outcome.executed !== 'none') memory.recordOutcome(`${outcome.env}/${outcome.app}`, sim.now, outcome.resolved, !PASSIVE.includes(outcome.executed));
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
      metrics: () => ({ decisions, refusals, epsilon: policy.epsilon, meanReward: outcomes + refusals > 0 ? rewardSum / (outcomes + refusals) : 0, memoryBlocks, blocked: blocked ? 1 : 0 }),
      summary: () => ({
        frozen: policy.frozen,
        state: blocked ? 'BLOCKED' : 'IDLE',
        decisions,
        decisionsByMode: { ...byMode },
        refusals,
        memoryBlocks,
        updates: policy.updates,
        proposed: { ...proposed },
        qTable: policy.snapshot(),
        actions: [...ACTIONS],
        ...(proof ? { proofLog: { file: PROOF_LOG_FILE, entries: proof.entries, breakdown: proof.breakdown } } : {}),
      }),
      // Runs before summary(), which reports the log's event breakdown.
      analyze: (log) => {
        const built = buildProofLog(log.events, { agent: ctx.instance, environments: config.environments });
        proof = { entries: built.entries, breakdown: built.breakdown };
        return { [PROOF_LOG_FILE]: built.text };
      },
    };
  },
});
