import seedrandom from 'seedrandom';
import { deriveSeed } from './derive.ts';

/**
 * A seeded random stream. Every draw in the engine and the modules comes from
 * one of these; the lint forbids Math.random there.
 */
export class Rng {
  private readonly prng: () => number;

  constructor(seed: string) {
    // Alea: fast, small state, good statistical quality for simulation.
    this.prng = seedrandom.alea(seed);
  }

  static derive(...parts: ReadonlyArray<string | number>): Rng {
    return new Rng(deriveSeed(...parts));
  }

  /** Uniform in [0, 1). */
  next(): number {
    return this.prng();
  }

  /** Uniform integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.prng() * n);
  }

  /** Uniform integer in [min, max] inclusive. */
  intBetween(min: number, max: number): number {
    return min + Math.floor(this.prng() * (max - min + 1));
  }

  uniform(min: number, max: number): number {
    return min + (max - min) * this.prng();
  }

  bernoulli(p: number): boolean {
    return this.prng() < p;
  }

  /** Exponential with the given rate (mean 1/rate). */
  exponential(rate: number): number {
    return -Math.log(1 - this.prng()) / rate;
  }

  /** Normal by Box–Muller; one draw per call keeps streams easy to reason about. */
  normal(mean = 0, sd = 1): number {
    const u1 = 1 - this.prng();
    const u2 = this.prng();
    return mean + sd * Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }

  /** Log-normal parameterised by the mean and sd of the underlying normal. */
  lognormal(mu: number, sigma: number): number {
    return Math.exp(this.normal(mu, sigma));
  }

  pick<T>(items: ReadonlyArray<T>): T {
    if (items.length === 0) throw new RangeError('pick from an empty list');
    return items[this.int(items.length)] as T;
  }

  /** Index drawn with probability proportional to its weight. */
  weightedIndex(weights: ReadonlyArray<number>): number {
    let total = 0;
    for (const w of weights) total += w;
    if (!(total > 0)) throw new RangeError('weights must sum to a positive number');
    let r = this.prng() * total;
    for (let i = 0; i < weights.length; i++) {
      r -= weights[i] as number;
      if (r < 0) return i;
    }
    return weights.length - 1;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: ReadonlyArray<T>): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i] as T;
      out[i] = out[j] as T;
      out[j] = tmp;
    }
    return out;
  }
}

/**
 * Hands out streams for one run. Each stream is keyed by (run seed, module
 * instance, entity), so its draws depend on nothing else in the scenario.
 */
export class RngFactory {
  private readonly runSeed: number;

  constructor(runSeed: number) {
    this.runSeed = runSeed;
  }

  stream(module: string, entity = ''): Rng {
    return Rng.derive('swarmlab/v1', this.runSeed, module, entity);
  }
}
