import { type Rng, z } from 'swarmlab/sdk';

/** Tabular Q-learning shared by the learning agents (mesh routers, the CI/CD recovery agent). */

export interface QLearningDefaults {
  readonly learningRate: number;
  readonly discount: number;
  readonly epsilon: number;
  readonly epsilonDecay: number;
  readonly epsilonMin: number;
  readonly replayCapacity: number;
  readonly replayBatch: number;
}

const baseDefaults: QLearningDefaults = {
  learningRate: 0.1,
  discount: 0.9,
  epsilon: 0.2,
  epsilonDecay: 1,
  epsilonMin: 0.01,
  replayCapacity: 0,
  replayBatch: 0,
};

/** The learner's config schema; each agent module picks its own defaults. */
export function qLearningSchema(overrides: Partial<QLearningDefaults> = {}) {
  const d = { ...baseDefaults, ...overrides };
  return z
    .object({
      learningRate: z.number().min(0).max(1).default(d.learningRate).describe('Step size alpha of the Q update.'),
      discount: z.number().min(0).max(1).default(d.discount).describe('Discount gamma of future value.'),
      epsilon: z.number().min(0).max(1).default(d.epsilon).describe('Initial exploration rate of epsilon-greedy choice.'),
      epsilonDecay: z.number().min(0).max(1).default(d.epsilonDecay).describe('Epsilon is multiplied by this after every decision (1 = constant).'),
      epsilonMin: z.number().min(0).max(1).default(d.epsilonMin).describe('Epsilon never decays below this.'),
      replayCapacity: z.number().int().min(0).max(100_000).default(d.replayCapacity).describe('Experience replay buffer size (0 = no replay).'),
      replayBatch: z.number().int().min(0).max(1_000).default(d.replayBatch).describe('Transitions replayed from the buffer after every real update.'),
      freeze: z.boolean().default(false).describe('Freeze mode: epsilon 0 and no Q updates, so decisions depend on the state alone.'),
    })
    .strict();
}

export const QLearningConfig = qLearningSchema();
export type QLearningConfig = z.output<typeof QLearningConfig>;

export interface Transition {
  readonly state: string;
  readonly action: number;
  readonly reward: number;
  /** Undefined for a terminal transition (no bootstrapped future value). */
  readonly next: string | undefined;
}

/** Fixed-size ring buffer of past transitions; sampling draws from the learner's own stream. */
export class ReplayBuffer<T = Transition> {
  private readonly items: T[] = [];
  private head = 0;
  readonly capacity: number;

  constructor(capacity: number) {
    this.capacity = capacity;
  }

  get size(): number {
    return this.items.length;
  }

  push(t: T): void {
    if (this.capacity === 0) return;
    if (this.items.length < this.capacity) this.items.push(t);
    else {
      this.items[this.head] = t;
      this.head = (this.head + 1) % this.capacity;
    }
  }

  sample(rng: Rng, n: number): T[] {
    const out: T[] = [];
    if (this.items.length === 0) return out;
    for (let i = 0; i < n; i++) out.push(this.items[rng.int(this.items.length)] as T);
    return out;
  }

  clear(): void {
    this.items.length = 0;
    this.head = 0;
  }
}

export interface Choice {
  readonly action: number;
  /** True when epsilon-greedy picked at random rather than greedily. */
  readonly explored: boolean;
}

/**
 * A Q-table over string states and a fixed number of actions. States are kept
 * in insertion order (a Map), so iteration and serialisation are deterministic.
 */
export class QLearner {
  readonly actions: number;
  private readonly cfg: QLearningConfig;
  private readonly rng: Rng;
  private table = new Map<string, number[]>();
  private readonly replay: ReplayBuffer;
  private prior: ((state: string) => readonly number[]) | undefined;
  epsilon: number;
  updates = 0;

  constructor(actions: number, cfg: QLearningConfig, rng: Rng, prior?: (state: string) => readonly number[]) {
    this.actions = actions;
    this.cfg = cfg;
    this.rng = rng;
    this.prior = prior;
    this.replay = new ReplayBuffer(cfg.replayCapacity);
    this.epsilon = cfg.freeze ? 0 : cfg.epsilon;
  }

  get frozen(): boolean {
    return this.cfg.freeze;
  }

  get stateCount(): number {
    return this.table.size;
  }

  get replaySize(): number {
    return this.replay.size;
  }

  /** Q-values of a state; an unseen state starts from the prior (zeros without one). */
  values(state: string): readonly number[] {
    return this.table.get(state) ?? this.initial(state);
  }

  private initial(state: string): number[] {
    const p = this.prior?.(state);
    const row = new Array<number>(this.actions).fill(0);
    if (p) for (let a = 0; a < this.actions; a++) row[a] = p[a] ?? 0;
    return row;
  }

  private row(state: string): number[] {
    let r = this.table.get(state);
    if (!r) {
      r = this.initial(state);
      this.table.set(state, r);
    }
    return r;
  }

  /** Greedy action; ties go to the lowest index so that a frozen policy needs no draws. */
  greedy(state: string): number {
    const q = this.values(state);
    let best = 0;
    for (let a = 1; a < q.length; a++) if ((q[a] as number) > (q[best] as number)) best = a;
    return best;
  }

  /** Epsilon-greedy choice; `epsilonOverride` lets a coordinator raise exploration for a while. */
  choose(state: string, epsilonOverride?: number): Choice {
    const eps = this.cfg.freeze ? 0 : Math.max(this.epsilon, epsilonOverride ?? 0);
    let choice: Choice;
    if (eps > 0 && this.rng.next() < eps) choice = { action: this.rng.int(this.actions), explored: true };
    else choice = { action: this.greedy(state), explored: false };
    if (!this.cfg.freeze) this.epsilon = Math.max(this.cfg.epsilonMin, this.epsilon * this.cfg.epsilonDecay);
    return choice;
  }

  /** Softmax probability of an action under the current Q-values: the learner's confidence in it. */
  confidence(state: string, action: number, temperature: number): number {
    const q = this.values(state);
    const max = Math.max(...q);
    let total = 0;
    for (const v of q) total += Math.exp((v - max) / temperature);
    return Math.exp(((q[action] as number) - max) / temperature) / total;
  }

  /** One Q-learning step, then replay of past transitions. Does nothing when frozen. */
  update(t: Transition): void {
    if (this.cfg.freeze) return;
    this.apply(t);
    this.replay.push(t);
    if (this.cfg.replayBatch > 0) for (const old of this.replay.sample(this.rng, this.cfg.replayBatch)) this.apply(old);
  }

  private apply(t: Transition): void {
    const row = this.row(t.state);
    const future = t.next === undefined ? 0 : Math.max(...this.values(t.next));
    const target = t.reward + this.cfg.discount * future;
    row[t.action] = (row[t.action] as number) + this.cfg.learningRate * (target - (row[t.action] as number));
    this.updates++;
  }

  /** Forgets everything learned (a coordinator's reset intervention). */
  reset(): void {
    this.table = new Map();
    this.replay.clear();
    this.epsilon = this.cfg.freeze ? 0 : this.cfg.epsilon;
  }

  /** Moves this table toward a peer's: q <- (1 - mix) q + mix q_peer, for every state the peer knows. */
  merge(peer: Readonly<Record<string, readonly number[]>>, mix: number): void {
    if (this.cfg.freeze) return;
    for (const [state, theirs] of Object.entries(peer)) {
      const mine = this.table.get(state);
      if (!mine) {
        this.table.set(state, theirs.slice(0, this.actions));
        continue;
      }
      for (let a = 0; a < this.actions; a++) mine[a] = (1 - mix) * (mine[a] as number) + mix * (theirs[a] ?? 0);
    }
  }

  /** The table as JSON (state -> Q-values), in insertion order. */
  snapshot(): Record<string, number[]> {
    const out: Record<string, number[]> = {};
    for (const [s, row] of this.table) out[s] = row.slice();
    return out;
  }
}

/**
 * Mean absolute difference between two Q-tables over the union of their
 * states (an unseen state counts as zeros). 0 means identical tables.
 */
export function tableDistance(a: Readonly<Record<string, readonly number[]>>, b: Readonly<Record<string, readonly number[]>>, actions: number): number {
  const states = new Set([...Object.keys(a), ...Object.keys(b)]);
  if (states.size === 0) return 0;
  let sum = 0;
  for (const s of states) {
    const x = a[s];
    const y = b[s];
    for (let i = 0; i < actions; i++) sum += Math.abs((x?.[i] ?? 0) - (y?.[i] ?? 0));
  }
  return sum / (states.size * actions);
}

/** Mean pairwise table distance across a swarm: how far the agents' policies have drifted apart. */
export function swarmDivergence(tables: readonly Readonly<Record<string, readonly number[]>>[], actions: number): number {
  let sum = 0;
  let pairs = 0;
  for (let i = 0; i < tables.length; i++) {
    for (let j = i + 1; j < tables.length; j++) {
      sum += tableDistance(tables[i] as Record<string, number[]>, tables[j] as Record<string, number[]>, actions);
      pairs++;
    }
  }
  return pairs === 0 ? 0 : sum / pairs;
}
