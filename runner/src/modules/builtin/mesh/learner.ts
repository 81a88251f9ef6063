import type { Rng } from 'swarmlab/sdk';
import { ReplayBuffer } from '../../../lib/qlearning/qlearning.ts';

/**
 * One routing agent's Q-learning over provider observations.
 *
 * The agent's state is every provider's discretised observation (PoolView.key),
 * and its action a provider. The Q-function is factored by provider:
 * Q(state, a) = table[key of provider a][a], so the table has at most one row
 * per distinct provider observation (OBSERVATION_LEVELS) with one column per
 * provider, however many providers there are and whatever their combinations.
 * The update is the Q-learning step on that entry, bootstrapping on the best
 * value in the state observed when the response arrives.
 */

export interface RoutingTransition {
  /** The state the choice was made in: one observation key per provider. */
  readonly keys: readonly string[];
  readonly action: number;
  readonly reward: number;
  /** The state when the response came back; undefined: no bootstrapped future value. */
  readonly next: readonly string[] | undefined;
}

export interface LearnerSettings {
  readonly learningRate: number;
  readonly discount: number;
  readonly replayCapacity: number;
  readonly replayBatch: number;
  readonly freeze: boolean;
  /** Q-value of an entry never updated: optimistic, so that every provider is tried in every observation. */
  readonly initialValue: number;
}

export type QTable = Record<string, number[]>;

export class RoutingLearner {
  readonly actions: number;
  private readonly cfg: LearnerSettings;
  private readonly rng: Rng;
  private table = new Map<string, number[]>();
  private readonly replay: ReplayBuffer<RoutingTransition>;
  epsilon: number;
  updates = 0;

  constructor(actions: number, cfg: LearnerSettings, rng: Rng, epsilon: number) {
    this.actions = actions;
    this.cfg = cfg;
    this.rng = rng;
    this.replay = new ReplayBuffer<RoutingTransition>(cfg.replayCapacity);
    this.epsilon = cfg.freeze ? 0 : epsilon;
  }

  get stateCount(): number {
    return this.table.size;
  }

  value(keys: readonly string[], a: number): number {
    return this.table.get(keys[a]!)?.[a] ?? this.cfg.initialValue;
  }

  /** Greedy provider; ties go to the lowest index, so a frozen agent draws nothing. */
  greedy(keys: readonly string[]): number {
    let best = 0;
    let bestValue = this.value(keys, 0);
    for (let a = 1; a < this.actions; a++) {
      const v = this.value(keys, a);
      if (v > bestValue) {
        best = a;
        bestValue = v;
      }
    }
    return best;
  }

  private maxValue(keys: readonly string[]): number {
    let m = Number.NEGATIVE_INFINITY;
    for (let a = 0; a < this.actions; a++) m = Math.max(m, this.value(keys, a));
    return m;
  }

  /** Epsilon-greedy; `epsilonOverride` is a coordinator's explore intervention. */
  choose(keys: readonly string[], epsilonOverride?: number): { action: number; explored: boolean } {
    const eps = this.cfg.freeze ? 0 : Math.max(this.epsilon, epsilonOverride ?? 0);
    if (eps > 0 && this.rng.next() < eps) return { action: this.rng.int(this.actions), explored: true };
    return { action: this.greedy(keys), explored: false };
  }

  update(t: RoutingTransition): void {
    if (this.cfg.freeze) return;
    this.apply(t);
    this.replay.push(t);
    if (this.cfg.replayBatch > 0) for (const old of this.replay.sample(this.rng, this.cfg.replayBatch)) this.apply(old);
  }

  private apply(t: RoutingTransition): void {
    const key = t.keys[t.action]!;
    let row = this.table.get(key);
    if (!row) {
      row = new Array<number>(this.actions).fill(this.cfg.initialValue);
      this.table.set(key, row);
    }
    const future = t.next === undefined || this.cfg.discount === 0 ? 0 : this.cfg.discount * this.maxValue(t.next);
    row[t.action] = row[t.action]! + this.cfg.learningRate * (t.reward + future - row[t.action]!);
    this.updates++;
  }

  /** Epsilon for the next episode: multiplied by `decay`, never below `min`. */
  endEpisode(decay: number, min: number): void {
    if (!this.cfg.freeze) this.epsilon = Math.max(min, this.epsilon * decay);
  }

  /** Forgets everything learned (a coordinator's reset intervention); exploration starts again at `epsilon`. */
  reset(epsilon: number): void {
    this.table = new Map();
    this.replay.clear();
    if (!this.cfg.freeze) this.epsilon = epsilon;
  }

  /** Starts from a stored table (a warm start). */
  load(table: Readonly<QTable>, epsilon: number): void {
    this.table = new Map(Object.entries(table).map(([k, row]) => [k, row.slice(0, this.actions)]));
    if (!this.cfg.freeze) this.epsilon = epsilon;
  }

  /** Moves this table toward a peer's: q <- (1 - mix) q + mix q_peer, for every row the peer has. */
  merge(peer: Readonly<QTable>, mix: number): void {
    if (this.cfg.freeze) return;
    for (const [key, theirs] of Object.entries(peer)) {
      const mine = this.table.get(key);
      if (!mine) {
        this.table.set(key, theirs.slice(0, this.actions));
        continue;
      }
      for (let a = 0; a < this.actions; a++) mine[a] = (1 - mix) * mine[a]! + mix * (theirs[a] ?? this.cfg.initialValue);
    }
  }

  /** The table (row key -> Q-values per provider), in the order rows were first seen. */
  snapshot(): QTable {
    const out: QTable = {};
    for (const [k, row] of this.table) out[k] = row.slice();
    return out;
  }
}
