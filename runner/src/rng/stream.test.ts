import { describe, expect, it } from 'vitest';
import { Rng, RngFactory, deriveSeed, deriveUint32 } from './index.ts';

const draws = (r: Rng, n = 5) => Array.from({ length: n }, () => r.next());

describe('seeded streams', () => {
  it('give the same draws for the same key and different draws for another', () => {
    expect(draws(Rng.derive('a', 1))).toEqual(draws(Rng.derive('a', 1)));
    expect(draws(Rng.derive('a', 1))).not.toEqual(draws(Rng.derive('a', 2)));
  });

  it('hash parts unambiguously', () => {
    expect(deriveSeed('ab', 'c')).not.toBe(deriveSeed('a', 'bc'));
  });

  it('keep a module\'s draws independent of which other modules draw', () => {
    const alone = new RngFactory(42).stream('queue', 'server');
    const f = new RngFactory(42);
    const other = f.stream('arrivals');
    const mine = f.stream('queue', 'server');
    draws(other, 100);
    expect(draws(mine)).toEqual(draws(alone));
  });

  it('hash replica seeds instead of counting up from the base', () => {
    const seeds = [0, 1, 2].map((r) => deriveUint32('swarmlab/seed', 7, r));
    expect(new Set(seeds).size).toBe(3);
    expect(seeds[1]! - seeds[0]!).not.toBe(1);
    for (const s of seeds) expect(s).toBeGreaterThanOrEqual(0);
  });

  it('draw exponentials with the requested mean', () => {
    const r = Rng.derive('exp');
    let sum = 0;
    const n = 200_000;
    for (let i = 0; i < n; i++) sum += r.exponential(4);
    // mean 1/4, sd 1/4: standard error 1/(4*sqrt(n)) ~ 0.00056
    expect(Math.abs(sum / n - 0.25)).toBeLessThan(0.003);
  });

  it('draw normals with the requested mean and sd', () => {
    const r = Rng.derive('normal');
    const n = 100_000;
    const xs = Array.from({ length: n }, () => r.normal(3, 2));
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
    expect(Math.abs(mean - 3)).toBeLessThan(0.03);
    expect(Math.abs(sd - 2)).toBeLessThan(0.03);
  });

  it('shuffle is a permutation and weightedIndex follows the weights', () => {
    const r = Rng.derive('misc');
    expect(r.shuffle([1, 2, 3, 4, 5]).sort()).toEqual([1, 2, 3, 4, 5]);
    const counts = [0, 0, 0];
    for (let i = 0; i < 30_000; i++) counts[r.weightedIndex([1, 0, 2])]!++;
    expect(counts[1]).toBe(0);
    expect(counts[2]! / counts[0]!).toBeGreaterThan(1.85);
    expect(counts[2]! / counts[0]!).toBeLessThan(2.15);
  });
});
