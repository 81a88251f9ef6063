import { describe, expect, it } from 'vitest';
import { RngFactory } from '../../../rng/index.ts';
import { PoolView, type CatalogueMessage } from './observation.ts';
import { heuristicRouter, WeightedRoundRobin } from './heuristics.ts';
import { coherence, psi } from './swarm-state.ts';

function pool(capacities: number[], over: Partial<CatalogueMessage> = {}): PoolView {
  return new PoolView({
    pool: 'providers',
    providers: capacities.map((capacity, i) => ({ name: `p${i}`, latency: 0.1 * (i + 1), price: 4 - i, capacity })),
    congestion: 2,
    surge: 0.25,
    status: capacities.map((capacity) => ({ capacity, latencyFactor: 1, priceFactor: 1 })),
    ...over,
  });
}

describe('a router\'s view of its pool', () => {
  it('counts requests in flight, and predicts a rejection at capacity as the pool does', () => {
    const v = pool([2, 3]);
    expect(v.send(0)).toBe(true);
    expect(v.send(0)).toBe(true);
    expect(v.free(0)).toBe(0);
    expect(v.send(0)).toBe(false);
    v.done(0);
    expect(v.free(0)).toBe(1);
  });

  it('expects the latency and price the pool will charge the next request', () => {
    const v = pool([4]);
    v.send(0);
    // utilisation of the next request: 2/4
    expect(v.expectedLatency(0)).toBeCloseTo(0.1 * (1 + 2 * 0.25));
    expect(v.expectedPrice(0)).toBeCloseTo(4 * (1 + 0.25 * 0.5));
  });

  it('discretises free capacity, latency and price into a bounded key, and sees an outage in a status', () => {
    const v = pool([6]);
    expect(v.key(0)).toBe('f3l0p0');
    for (let i = 0; i < 3; i++) v.send(0);
    // 3 of 6 free (level 2); next utilisation 4/6: latency x1.89 (level 1), price x1.17 (level 1)
    expect(v.key(0)).toBe('f2l1p1');
    for (let i = 0; i < 3; i++) v.send(0);
    expect(v.key(0)).toBe('f0l2p1');
    v.update([{ capacity: 0, latencyFactor: 1, priceFactor: 1 }]);
    expect(v.key(0)).toMatch(/^f0l2/);
    expect(v.expectedLatency(0)).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('heuristic routers', () => {
  const rng = () => new RngFactory(1).stream('router', 'heuristic');

  it('weighted round robin gives each provider its share of capacity, evenly, and none to a provider that is out', () => {
    const v = pool([1, 2, 3]);
    const wrr = new WeightedRoundRobin(3);
    const picks = Array.from({ length: 12 }, () => wrr.pick(v));
    expect([0, 1, 2].map((p) => picks.filter((x) => x === p).length)).toEqual([2, 4, 6]);
    // Smooth: never the same provider three times running.
    expect(picks.join('')).not.toMatch(/(.)\1\1/);
    v.update([{ capacity: 1, latencyFactor: 1, priceFactor: 1 }, { capacity: 0, latencyFactor: 1, priceFactor: 1 }, { capacity: 3, latencyFactor: 1, priceFactor: 1 }]);
    expect(Array.from({ length: 8 }, () => wrr.pick(v))).not.toContain(1);
  });

  it('cheapest-free takes the cheapest provider with a free slot, and moves on when it is full', () => {
    const v = pool([1, 1, 1]);
    const r = heuristicRouter('cheapest-free', 3, rng());
    expect(r.pick(v)).toBe(2);
    v.send(2);
    expect(r.pick(v)).toBe(1);
  });

  it('least-latency-free takes the lowest expected latency with a free slot, congestion included', () => {
    const v = pool([1, 4, 4]);
    const r = heuristicRouter('least-latency-free', 3, rng());
    // p0 alone would run at utilisation 1: 0.1 * 3 = 0.3; p1 at 1/4: 0.2 * 1.125 = 0.225.
    expect(r.pick(v)).toBe(1);
    v.update([{ capacity: 8, latencyFactor: 1, priceFactor: 1 }, { capacity: 4, latencyFactor: 1, priceFactor: 1 }, { capacity: 4, latencyFactor: 1, priceFactor: 1 }]);
    expect(r.pick(v)).toBe(0);
    for (let i = 0; i < 8; i++) v.send(0);
    expect(r.pick(v)).toBe(1);
  });

  it('random picks uniformly from its own stream', () => {
    const v = pool([1, 1, 1, 1]);
    const r = heuristicRouter('random', 4, rng());
    const counts = [0, 0, 0, 0];
    for (let i = 0; i < 4000; i++) counts[r.pick(v)]!++;
    for (const c of counts) expect(c).toBeGreaterThan(850);
  });
});

describe('swarm measures', () => {
  it('psi is 1 for even rewards and falls with their spread', () => {
    expect(psi([0.5, 0.5, 0.5], 0.1)).toBe(1);
    expect(psi([0.4, 0.6, null], 0.1)).toBeCloseTo(Math.exp(-Math.SQRT2));
    expect(psi([0.1, 0.9, 0.5], 0.1)).toBeLessThan(psi([0.4, 0.6, 0.5], 0.1));
    expect(psi([0.3, null], 0.1)).toBe(1);
  });

  it('coherence is the chance that two agents agree', () => {
    expect(coherence([2, 2, 2, 2])).toBe(1);
    expect(coherence([0, 1, 2, 3])).toBe(0);
    expect(coherence([0, 0, 1, 1])).toBeCloseTo(4 / 12);
  });
});
