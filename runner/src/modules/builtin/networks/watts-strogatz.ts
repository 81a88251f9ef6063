import { defineModule, type Rng, strictObject, z } from 'swarmlab/sdk';
import { type EdgePairs, MAX_GENERATED_EDGES, MAX_GENERATED_NODES, edgeWeight, toGraph, RENAMED_SIZE } from './common.ts';

/**
 * Ring lattice where each node links to its k/2 nearest neighbours on each side,
 * then every lattice edge (i, i+j) is rewired with probability beta to (i, w),
 * w uniform among nodes that keep the graph simple. The order (j outer, i inner)
 * is the one Watts and Strogatz describe and NetworkX follows, so the
 * Barrat–Weigt clustering C(beta) ≈ C(0)(1-beta)^3 applies.
 */
export function wattsStrogatzPairs(n: number, k: number, beta: number, rng: Rng): EdgePairs {
  const half = k / 2;
  const from = new Int32Array(n * half);
  const to = new Int32Array(n * half);
  const degree = new Int32Array(n).fill(k);
  // n <= 1e6, so u * n + v is an exact integer key for the pair.
  const present = new Set<number>();
  const key = (a: number, b: number): number => (a < b ? a * n + b : b * n + a);
  for (let j = 1; j <= half; j++) {
    for (let i = 0; i < n; i++) {
      const e = (j - 1) * n + i;
      from[e] = i;
      to[e] = (i + j) % n;
      present.add(key(i, (i + j) % n));
    }
  }
  if (beta > 0) {
    for (let e = 0; e < from.length; e++) {
      if (!rng.bernoulli(beta)) continue;
      const u = from[e] as number;
      // A node linked to every other node has nowhere to rewire to.
      if ((degree[u] as number) >= n - 1) continue;
      let w = rng.int(n);
      while (w === u || present.has(key(u, w))) w = rng.int(n);
      const v = to[e] as number;
      present.delete(key(u, v));
      present.add(key(u, w));
      degree[v] = (degree[v] as number) - 1;
      degree[w] = (degree[w] as number) + 1;
      to[e] = w;
    }
  }
  const out: EdgePairs = new Array<number>(2 * from.length);
  for (let e = 0; e < from.length; e++) {
    out[2 * e] = from[e] as number;
    out[2 * e + 1] = to[e] as number;
  }
  return out;
}

export const wattsStrogatzNetwork = defineModule({
  kind: 'network',
  name: 'watts-strogatz',
  version: '2.0.0',
  description: 'Watts–Strogatz small world, undirected: a ring lattice of degree k whose edges are rewired with probability beta.',
  config: strictObject(
    {
      size: z.int().min(3).max(MAX_GENERATED_NODES).default(1000).describe('Number of nodes, named "0".."size-1" around the ring.'),
      k: z.int().min(2).default(4).describe('Lattice degree: each node links to k/2 neighbours on each side. Even, less than size.'),
      beta: z.number().min(0).max(1).default(0.1).describe('Probability that each lattice edge is rewired to a uniformly chosen node.'),
      weight: edgeWeight,
    },
    RENAMED_SIZE,
  )
    .superRefine((c, ctx) => {
      if (c.k % 2 !== 0) ctx.addIssue({ code: 'custom', path: ['k'], message: `k must be even, got ${c.k}` });
      else if (c.k >= c.size) ctx.addIssue({ code: 'custom', path: ['k'], message: `k must be less than size (${c.size}), got ${c.k}` });
      else if ((c.size * c.k) / 2 > MAX_GENERATED_EDGES) {
        ctx.addIssue({ code: 'custom', path: ['k'], message: `size*k/2 = ${(c.size * c.k) / 2} edges exceeds the limit of ${MAX_GENERATED_EDGES}` });
      }
    }),
  nodes: (config) => config.size,
  create(config, ctx) {
    return { graph: toGraph(config.size, wattsStrogatzPairs(config.size, config.k, config.beta, ctx.rng('graph')), config.weight) };
  },
});
