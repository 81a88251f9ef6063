import { describe, expect, it } from 'vitest';
import { buildNetwork } from 'swarmlab/sdk/testing';
import type { Graph } from '../../../sdk/graph.ts';
import { averageClustering, meanDegree, simpleGraphViolations } from './stats.ts';
import { wattsStrogatzNetwork as ws } from './watts-strogatz.ts';

const edgeList = (g: Graph): string => g.edges.map((e) => `${e.from}-${e.to}`).join(',');
const c0 = (k: number): number => (3 * (k - 2)) / (4 * (k - 1));

describe('watts-strogatz', () => {
  it('at beta = 0 is the ring lattice with C(0) = 3(k-2)/(4(k-1)) exactly', () => {
    for (const k of [4, 6, 10]) {
      const n = 200;
      const g = buildNetwork(ws, { size: n, k, beta: 0 }, 1);
      expect(g.edges).toHaveLength((n * k) / 2);
      for (const id of g.nodes) expect(g.degree(id)).toBe(k);
      expect([...g.neighbors('0')].sort()).toEqual(
        Array.from({ length: k / 2 }, (_, j) => [String(j + 1), String(n - 1 - j)]).flat().sort(),
      );
      expect(averageClustering(g)).toBeCloseTo(c0(k), 12);
    }
  });

  it('clustering follows C(beta) ≈ C(0)(1-beta)^3 (Barrat–Weigt)', () => {
    const n = 2000;
    const k = 10;
    // The closed form drops the O(k/n) clustering of the random part and
    // higher-order terms (together < 0.01 at these sizes); the seed-to-seed
    // sd of C is about 0.002. Two seeds averaged, 0.012 covers both.
    let previous = c0(k);
    for (const beta of [0.05, 0.1, 0.2, 0.3, 0.5]) {
      const c = (averageClustering(buildNetwork(ws, { size: n, k, beta }, 1)) + averageClustering(buildNetwork(ws, { size: n, k, beta }, 2))) / 2;
      expect(Math.abs(c - c0(k) * (1 - beta) ** 3)).toBeLessThan(0.012);
      expect(c).toBeLessThan(previous);
      previous = c;
    }
  });

  it('rewiring keeps n*k/2 edges, a simple graph, and every node its own k/2 edges', () => {
    const n = 1000;
    const k = 6;
    for (const beta of [0.3, 1]) {
      const g = buildNetwork(ws, { size: n, k, beta }, 4);
      expect(g.edges).toHaveLength((n * k) / 2);
      expect(meanDegree(g)).toBe(k);
      expect(simpleGraphViolations(g)).toEqual({ selfLoops: 0, repeatedEdges: 0 });
      for (const id of g.nodes) expect(g.degree(id)).toBeGreaterThanOrEqual(k / 2);
    }
    // About beta of the lattice edges move: count edges that are no longer ring-local.
    const g = buildNetwork(ws, { size: n, k, beta: 0.3 }, 4);
    const rewired = g.edges.filter((e) => {
      const d = Math.abs(Number(e.from) - Number(e.to));
      return Math.min(d, n - d) > k / 2;
    }).length;
    const m = (n * k) / 2;
    // A rewired edge lands back in the ring neighbourhood with probability ~k/n, ignored by the tolerance.
    expect(Math.abs(rewired / m - 0.3)).toBeLessThan(4 * Math.sqrt((0.3 * 0.7) / m) + k / n);
  });

  it('leaves a complete graph alone (nowhere to rewire to)', () => {
    const g = buildNetwork(ws, { size: 7, k: 6, beta: 1 }, 1);
    expect(g.edges).toHaveLength(21);
    expect(simpleGraphViolations(g)).toEqual({ selfLoops: 0, repeatedEdges: 0 });
  });

  it('same seed gives the identical edge list, a different seed a different one', () => {
    const cfg = { size: 500, k: 4, beta: 0.2 };
    const a = edgeList(buildNetwork(ws, cfg, 42));
    expect(edgeList(buildNetwork(ws, cfg, 42))).toBe(a);
    expect(edgeList(buildNetwork(ws, cfg, 43))).not.toBe(a);
  });

  it('rejects bad configs with the field path', () => {
    const path = (c: unknown) => ws.config.safeParse(c).error?.issues[0]?.path;
    expect(path({ size: 100, k: 5 })).toEqual(['k']);
    expect(path({ size: 10, k: 10 })).toEqual(['k']);
    expect(path({ size: 100, k: 4, beta: 1.2 })).toEqual(['beta']);
    expect(path({ size: 100, k: 4, beta: -0.1 })).toEqual(['beta']);
    expect(path({ size: 2, k: 2 })).toEqual(['size']);
    expect(path({ size: 1_000_000, k: 100 })).toEqual(['k']);
    expect(ws.config.safeParse({ size: 100, k: 4, p: 0.1 }).error?.issues[0]?.code).toBe('unrecognized_keys');
    expect(ws.config.parse({})).toEqual({ size: 1000, k: 4, beta: 0.1, weight: 1 });
  });
});
