import { type Rng, z } from 'swarmlab/sdk';
import { QLearner, type QLearningConfig } from '../../../lib/qlearning/qlearning.ts';
import { ACTIONS, ENVIRONMENTS, type EnvName } from './common.ts';

/** The original system's deterministic stage rules, used as the learner's starting Q-values. */
const RULES: Record<string, (typeof ACTIONS)[number]> = {
  crash: 'restart',
  cpu: 'scale_up',
  memory: 'restart',
  errors: 'rollback',
  slow: 'noop',
  spike: 'noop',
};

export const learningMode = z.enum(['deterministic', 'adaptive']);
export type LearningMode = z.infer<typeof learningMode>;

export const modesSchema = z
  .object({
    dev: learningMode.default('adaptive').describe('Learning mode in dev.'),
    stage: learningMode.default('deterministic').describe('Learning mode in stage.'),
    prod: learningMode.default('adaptive').describe('Learning mode in prod.'),
  })
  .strict();
export type Modes = z.output<typeof modesSchema>;

export interface Choice {
  readonly state: string;
  readonly mode: LearningMode;
  readonly action: (typeof ACTIONS)[number];
  readonly explored: boolean;
  /** Softmax probability of the action under the state's Q-values. */
  readonly confidence: number;
}

/**
 * The recovery agent's policy over states `env:signature`, with a learning
 * mode per environment: deterministic (greedy on the Q-values, no random
 * draw, no update) or adaptive (epsilon-greedy Q-learning). Freeze mode makes
 * every environment deterministic. Q-rows are per environment (the state
 * names it), so a deterministic environment's rows keep the rule prior.
 */
export class RecoveryPolicy {
  private readonly learner: QLearner;
  private readonly modes: Modes;
  private readonly temperature: number;
  private readonly frozenAll: boolean;

  constructor(learning: QLearningConfig, modes: Modes, opts: { readonly prior: number; readonly temperature: number; readonly rng: Rng }) {
    const prior = (state: string): number[] => {
      const row = ACTIONS.map(() => 0);
      const rule = RULES[state.slice(state.indexOf(':') + 1)];
      if (rule) row[ACTIONS.indexOf(rule)] = opts.prior;
      return row;
    };
    this.learner = new QLearner(ACTIONS.length, learning, opts.rng, prior);
    this.modes = modes;
    this.temperature = opts.temperature;
    this.frozenAll = learning.freeze;
  }

  modeOf(env: string): LearningMode {
    if (this.frozenAll || !(ENVIRONMENTS as readonly string[]).includes(env)) return 'deterministic';
    return this.modes[env as EnvName];
  }

  choose(env: string, signature: string): Choice {
    const state = `${env}:${signature}`;
    const mode = this.modeOf(env);
    const c = mode === 'adaptive' ? this.learner.choose(state) : { action: this.learner.greedy(state), explored: false };
    return { state, mode, action: ACTIONS[c.action]!, explored: c.explored, confidence: this.learner.confidence(state, c.action, this.temperature) };
  }

  /** One Q update for an executed (or refused) action; `observe` counts as noop, other names as nothing. */
  learn(state: string, executed: string, reward: number, next: string | undefined): void {
    const a = ACTIONS.indexOf((executed === 'observe' ? 'noop' : executed) as (typeof ACTIONS)[number]);
    if (a >= 0) this.learner.update({ state, action: a, reward, next });
  }

  get epsilon(): number {
    return this.learner.epsilon;
  }

  get frozen(): boolean {
    return this.frozenAll;
  }

  get updates(): number {
    return this.learner.updates;
  }

  snapshot(): Record<string, number[]> {
    return this.learner.snapshot();
  }
}
