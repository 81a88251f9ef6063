import { describe, expect, it } from 'vitest';
import { buildNetwork } from 'swarmlab/sdk/testing';
import { erdosRenyiNetwork as er } from './erdos-renyi.ts';
import type { Graph } from '../../../sdk/graph.ts';
import { connectedComponents, degreeHistogram, largestComponentFraction, meanDegree, simpleGraphViolations } from './stats.ts';

const edgeList = (g: Graph): string => g.edges.map((e) => `${e.from}-${e.to}`).join(',');
const seeds = [11, 22, 33];

/** Giant-component fraction of G(n, z/n) as n grows: the root of S = 1 - exp(-zS) in (0, 1]. */
function giantFraction(z: number): number {
  let s = 1;
  for (let i = 0; i < 500; i++) s = 1 - Math.exp(-z * s);
  return s;
}

// G(n,p) at mean degree z = 2 with n = 20,000, shared by the tests that look at its structure.
const n2 = 20_000;
const pCritical2 = 2 / (n2 - 1);
let z2Cache: Graph[] | undefined;
const z2Graphs = (): Graph[] => (z2Cache ??= seeds.slice(0, 2).map((seed) => buildNetwork(er, { size: n2, p: pCritical2 }, seed)));

describe('erdos-renyi G(n,p)', () => {
  it('mean degree matches p(n-1) within 4 standard errors of the binomial edge count', () => {
    const n = 10_000;
    const p = 4e-4;
    const pairs = (n * (n - 1)) / 2;
    const se = (2 * Math.sqrt(pairs * p * (1 - p))) / n;
    for (const seed of seeds) {
      const g = buildNetwork(er, { size: n, p }, seed);
      expect(Math.abs(meanDegree(g) - p * (n - 1))).toBeLessThan(4 * se);
      expect(simpleGraphViolations(g)).toEqual({ selfLoops: 0, repeatedEdges: 0 });
    }
  });

  it('degrees are Poisson-like: the isolated fraction matches (1-p)^(n-1)', () => {
    const q = (1 - pCritical2) ** (n2 - 1);
    // Binomial standard error, doubled for the weak dependence between nodes' degrees.
    const tol = 4 * 2 * Math.sqrt((q * (1 - q)) / n2);
    for (const g of z2Graphs()) expect(Math.abs((degreeHistogram(g)[0] ?? 0) / n2 - q)).toBeLessThan(tol);
  });

  it('giant component fraction solves S = 1 - exp(-zS) above the threshold (z = 2: S ≈ 0.797)', () => {
    const z = 2;
    const s = giantFraction(z);
    expect(s).toBeCloseTo(0.7968, 3);
    // sd of the giant fraction is sqrt(S(1-S) / (n (1 - z(1-S))^2)) ≈ 0.005 here.
    const sd = Math.sqrt((s * (1 - s)) / (n2 * (1 - z * (1 - s)) ** 2));
    for (const g of z2Graphs()) expect(Math.abs(largestComponentFraction(g) - s)).toBeLessThan(4 * sd);
  });

  it('has no giant component below the threshold (z = 0.5)', () => {
    const n = 20_000;
    const c = connectedComponents(buildNetwork(er, { size: n, p: 0.5 / (n - 1) }, 5));
    // The largest component is O(log n) nodes: about 50 for this n and z.
    expect(c.sizes[0]).toBeLessThan(200);
    expect(c.count).toBeGreaterThan(n / 2);
  });

  it('p = 0 gives no edges and p = 1 the complete graph', () => {
    expect(buildNetwork(er, { size: 50, p: 0 }, 1).edges).toHaveLength(0);
    const k = buildNetwork(er, { size: 40, p: 1 }, 1);
    expect(k.edges).toHaveLength((40 * 39) / 2);
    expect(simpleGraphViolations(k)).toEqual({ selfLoops: 0, repeatedEdges: 0 });
  });

  it('scales to n = 100,000 by geometric skipping', () => {
    const n = 100_000;
    const p = 2e-5;
    const g = buildNetwork(er, { size: n, p }, 3);
    expect(g.nodes).toHaveLength(n);
    expect(g.nodes[n - 1]).toBe(String(n - 1));
    const se = (2 * Math.sqrt(((n * (n - 1)) / 2) * p)) / n;
    expect(Math.abs(meanDegree(g) - p * (n - 1))).toBeLessThan(4 * se);
  });
});

describe('erdos-renyi G(n,m)', () => {
  it('has exactly m distinct edges, so mean degree is exactly 2m/n, sparse or dense', () => {
    for (const [n, m] of [[1000, 3000], [50, 1000], [30, 435], [10, 0]] as const) {
      const g = buildNetwork(er, { size: n, m }, 7);
      expect(g.edges).toHaveLength(m);
      expect(meanDegree(g)).toBeCloseTo((2 * m) / n, 12);
      expect(simpleGraphViolations(g)).toEqual({ selfLoops: 0, repeatedEdges: 0 });
    }
  });

  it('draws every pair with the same probability (chi-square over 2000 graphs)', () => {
    const n = 5;
    const m = 3;
    const graphs = 2000;
    const counts = new Map<string, number>();
    for (let seed = 0; seed < graphs; seed++) {
      for (const e of buildNetwork(er, { size: n, m }, seed).edges) counts.set(`${e.from}-${e.to}`, (counts.get(`${e.from}-${e.to}`) ?? 0) + 1);
    }
    expect(counts.size).toBe(10);
    const expected = (graphs * m) / 10;
    let chi2 = 0;
    for (const c of counts.values()) chi2 += (c - expected) ** 2 / expected;
    // 99.9% quantile of chi-square with 9 degrees of freedom.
    expect(chi2).toBeLessThan(27.88);
  });
});

describe('erdos-renyi determinism and config', () => {
  it('same seed gives the identical edge list, a different seed a different one', () => {
    for (const cfg of [{ size: 500, p: 0.01 }, { size: 500, m: 1200 }]) {
      const a = edgeList(buildNetwork(er, cfg, 42));
      expect(edgeList(buildNetwork(er, cfg, 42))).toBe(a);
      expect(edgeList(buildNetwork(er, cfg, 43))).not.toBe(a);
    }
  });

  it('uses only the graph stream of its instance', () => {
    const cfg = { size: 300, p: 0.02 };
    expect(edgeList(buildNetwork(er, cfg, 42, 'social'))).not.toBe(edgeList(buildNetwork(er, cfg, 42, 'contacts')));
  });

  it('rejects bad configs with the field path', () => {
    const issue = (c: unknown) => {
      const r = er.config.safeParse(c);
      expect(r.success).toBe(false);
      return r.error?.issues[0];
    };
    expect(issue({ size: 10, p: 1.5 })?.path).toEqual(['p']);
    expect(issue({ size: 10, p: 0.1, m: 3 })?.path).toEqual(['m']);
    expect(issue({ size: 10 })?.path).toEqual(['p']);
    expect(issue({ size: 10, m: 46 })?.path).toEqual(['m']);
    expect(issue({ size: 10, m: 2.5 })?.path).toEqual(['m']);
    expect(issue({ size: 0, p: 0.1 })?.path).toEqual(['size']);
    expect(issue({ size: 100_000, p: 0.5 })?.path).toEqual(['p']);
    expect(issue({ size: 10, p: 0.1, directed: true })?.code).toBe('unrecognized_keys');
    expect(er.config.parse({ size: 10, p: 0.1 })).toEqual({ size: 10, p: 0.1, weight: 1 });
  });
});
