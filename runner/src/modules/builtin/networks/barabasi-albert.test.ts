import { describe, expect, it } from 'vitest';
import { Rng } from '../../../rng/index.ts';
import { barabasiAlbertNetwork as ba, barabasiAlbertPairs, edgeCount } from './barabasi-albert.ts';
import { buildNetwork } from 'swarmlab/sdk/testing';
import type { Graph } from '../../../sdk/graph.ts';
import { connectedComponents, degreeHistogram, meanDegree, simpleGraphViolations } from './stats.ts';

const edgeList = (g: Graph): string => g.edges.map((e) => `${e.from}-${e.to}`).join(',');

/** Least-squares slope of y on x. */
function slope(xs: readonly number[], ys: readonly number[]): number {
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let sxy = 0;
  let sxx = 0;
  xs.forEach((x, i) => {
    sxy += (x - mx) * ((ys[i] as number) - my);
    sxx += (x - mx) ** 2;
  });
  return sxy / sxx;
}

describe('barabasi-albert', () => {
  it('mean degree is 2m in the limit, and exactly 2(m0(m0-1)/2 + (n-m0)m)/n', () => {
    for (const [n, m] of [[5000, 1], [5000, 3], [2000, 5]] as const) {
      const g = buildNetwork(ba, { size: n, m }, 3);
      expect(g.edges).toHaveLength(edgeCount(n, m, m + 1));
      expect(meanDegree(g)).toBeCloseTo((2 * edgeCount(n, m, m + 1)) / n, 12);
      expect(Math.abs(meanDegree(g) - 2 * m)).toBeLessThan((m * (m + 1)) / n + 1e-12);
      expect(simpleGraphViolations(g)).toEqual({ selfLoops: 0, repeatedEdges: 0 });
      // Every node arrives attached to the graph built so far.
      expect(connectedComponents(g).count).toBe(1);
    }
  });

  it('every node after the seed brings exactly m edges to earlier nodes', () => {
    const g = buildNetwork(ba, { size: 300, m: 4, m0: 6 }, 8);
    const brought = new Map<string, number>();
    for (const e of g.edges) {
      expect(Number(e.from)).toBeLessThan(Number(e.to));
      brought.set(e.to, (brought.get(e.to) ?? 0) + 1);
    }
    for (let v = 6; v < 300; v++) expect(brought.get(String(v))).toBe(4);
    for (const id of g.nodes) expect(g.degree(id)).toBeGreaterThanOrEqual(4);
  });

  it('has a power-law degree tail with exponent ≈ 3', () => {
    const n = 50_000;
    const m = 3;
    for (const seed of [1, 2]) {
      // Degrees straight from the generator's pairs: building a Graph would triple the test's time.
      const degree = new Int32Array(n);
      for (const v of barabasiAlbertPairs(n, m, m + 1, Rng.derive('ba-tail', seed))) degree[v] = (degree[v] as number) + 1;
      const hist: number[] = [];
      for (const d of degree) hist[d] = (hist[d] ?? 0) + 1;
      // The CCDF P(K >= k) ~ k^-(gamma-1) is smooth where the histogram is noisy.
      // Fit from 2m (past the low-degree curvature of the exact m(m+1)/(k(k+1)))
      // up to where at least 50 nodes remain, so the top of the range still has
      // a few per cent relative error.
      const xs: number[] = [];
      const ys: number[] = [];
      let above = n;
      for (let k = 0; k < hist.length && above >= 50; k++) {
        if (k >= 2 * m && (hist[k] ?? 0) > 0) {
          xs.push(Math.log(k));
          ys.push(Math.log(above / n));
        }
        above -= hist[k] ?? 0;
      }
      expect(Math.exp(xs.at(-1) as number)).toBeGreaterThan(60);
      const gamma = 1 - slope(xs, ys);
      expect(gamma).toBeGreaterThan(2.75);
      expect(gamma).toBeLessThan(3.25);
    }
  });

  it('the largest hub grows like sqrt(n), far beyond what a random graph of the same mean degree has', () => {
    const n = 10_000;
    const g = buildNetwork(ba, { size: n, m: 2 }, 5);
    const maxDegree = degreeHistogram(g).length - 1;
    // k_max ≈ m sqrt(n) = 200; a Poisson(4) graph of this size tops out near 15.
    expect(maxDegree).toBeGreaterThan(80);
  });

  it('same seed gives the identical edge list, a different seed a different one', () => {
    const cfg = { size: 500, m: 2 };
    const a = edgeList(buildNetwork(ba, cfg, 42));
    expect(edgeList(buildNetwork(ba, cfg, 42))).toBe(a);
    expect(edgeList(buildNetwork(ba, cfg, 43))).not.toBe(a);
  });

  it('rejects bad configs with the field path', () => {
    const path = (c: unknown) => ba.config.safeParse(c).error?.issues[0]?.path;
    expect(path({ size: 10, m: 10 })).toEqual(['m']);
    expect(path({ size: 10, m: 12 })).toEqual(['m']);
    expect(path({ size: 10, m: 0 })).toEqual(['m']);
    expect(path({ size: 10, m: 3, m0: 2 })).toEqual(['m0']);
    expect(path({ size: 10, m: 3, m0: 11 })).toEqual(['m0']);
    expect(path({ size: 1_000_000, m: 10 })).toEqual(['m']);
    expect(ba.config.parse({ size: 10 })).toEqual({ size: 10, m: 2, weight: 1 });
  });
});
