import type { JsonObject } from 'swarmlab/sdk';

/** Routing outcomes over some window: requests answered, served, and the sums the means come from. */
export class Outcomes {
  responses = 0;
  served = 0;
  rewardSum = 0;
  costSum = 0;
  latencySum = 0;

  add(served: boolean, reward: number, cost: number, latency: number): void {
    this.responses++;
    this.rewardSum += reward;
    if (served) {
      this.served++;
      this.costSum += cost;
      this.latencySum += latency;
    }
  }

  get fillRate(): number {
    return this.responses > 0 ? this.served / this.responses : 0;
  }

  get avgCost(): number {
    return this.served > 0 ? this.costSum / this.served : 0;
  }

  get avgLatency(): number {
    return this.served > 0 ? this.latencySum / this.served : 0;
  }

  /** The multi-objective score: the mean reward per answered request (docs/scenarios.md). */
  get score(): number {
    return this.responses > 0 ? this.rewardSum / this.responses : 0;
  }

  measures(): JsonObject {
    return { responses: this.responses, fillRate: this.fillRate, avgCost: this.avgCost, avgLatency: this.avgLatency, score: this.score };
  }
}

/** What the router knows of its swarm when an episode closes. */
export interface SwarmAtClose {
  readonly epsilon: number;
  readonly qStates: number;
  readonly psi: number;
  readonly coherence: number;
}

/**
 * Training in episodes: the run's time horizon is cut into `count` equal
 * episodes. Outcomes count in the episode their response arrives in. The
 * last quarter of the episodes (at least one) is the tail: the measures of
 * the trained routing, reported apart from the whole run's.
 */
export class Episodes {
  readonly count: number;
  readonly tailStart: number;
  readonly total = new Outcomes();
  readonly tail = new Outcomes();
  private current = new Outcomes();
  private index = 0;
  readonly closed: JsonObject[] = [];

  constructor(count: number) {
    this.count = count;
    this.tailStart = count - Math.max(1, Math.floor(count / 4));
  }

  get episode(): number {
    return this.index;
  }

  /** The average reward of the last closed episode (0 before the first closes). */
  lastReward = 0;

  add(served: boolean, reward: number, cost: number, latency: number): void {
    this.total.add(served, reward, cost, latency);
    this.current.add(served, reward, cost, latency);
    if (this.index >= this.tailStart) this.tail.add(served, reward, cost, latency);
  }

  /** Closes the current episode with the swarm's state and starts the next. */
  close(swarm: SwarmAtClose): void {
    const o = this.current;
    this.closed.push({
      episode: this.index,
      avgReward: o.score,
      epsilon: swarm.epsilon,
      qStates: swarm.qStates,
      responses: o.responses,
      fillRate: o.fillRate,
      avgCost: o.avgCost,
      avgLatency: o.avgLatency,
      psi: swarm.psi,
      coherence: swarm.coherence,
    });
    this.lastReward = o.score;
    this.current = new Outcomes();
    this.index++;
  }
}
