import { defineModule, type Rng, strictObject, z } from 'swarmlab/sdk';
import { type EdgePairs, MAX_GENERATED_EDGES, MAX_GENERATED_NODES, edgeWeight, toGraph, wideInt, RENAMED_SIZE } from './common.ts';

/**
 * G(n,p) by Batagelj–Brandes geometric skipping ("Efficient generation of large
 * random networks", Phys. Rev. E 71, 2005): the gap to the next present pair is
 * geometric, so the cost is O(n + edges) rather than O(n^2).
 */
export function gnpPairs(n: number, p: number, rng: Rng): EdgePairs {
  const out: EdgePairs = [];
  if (p <= 0 || n < 2) return out;
  if (p >= 1) {
    for (let v = 1; v < n; v++) for (let w = 0; w < v; w++) out.push(w, v);
    return out;
  }
  // log1p keeps the logarithm accurate for the tiny p of large sparse graphs.
  const logQ = Math.log1p(-p);
  let v = 1;
  let w = -1;
  while (v < n) {
    w += 1 + Math.floor(Math.log1p(-rng.next()) / logQ);
    while (w >= v && v < n) {
      w -= v;
      v++;
    }
    if (v < n) out.push(w, v);
  }
  return out;
}

/**
 * G(n,m): m distinct pairs drawn uniformly by Floyd's subset sampling over the
 * n(n-1)/2 pair indices, so it takes exactly m draws however dense the graph.
 * Edges come out sorted by pair index, which keeps the list canonical.
 */
export function gnmPairs(n: number, m: number, rng: Rng): EdgePairs {
  const total = (n * (n - 1)) / 2;
  const chosen = new Set<number>();
  for (let j = total - m; j < total; j++) {
    const t = wideInt(rng, j + 1);
    chosen.add(chosen.has(t) ? j : t);
  }
  const sorted = Float64Array.from(chosen).sort();
  const out: EdgePairs = [];
  for (const k of sorted) {
    // Pair index k enumerates (u, v) with u < v row by row: k = v(v-1)/2 + u.
    let v = Math.floor((1 + Math.sqrt(1 + 8 * k)) / 2);
    while ((v * (v - 1)) / 2 > k) v--;
    while (((v + 1) * v) / 2 <= k) v++;
    out.push(k - (v * (v - 1)) / 2, v);
  }
  return out;
}

export const erdosRenyiNetwork = defineModule({
  kind: 'network',
  name: 'erdos-renyi',
  version: '2.0.0',
  description:
    'Erdős–Rényi random graph, undirected: G(n,p) (each pair linked independently with probability p) or G(n,m) (m edges drawn uniformly). Give exactly one of p and m.',
  config: strictObject(
    {
      size: z.int().min(1).max(MAX_GENERATED_NODES).default(1000).describe('Number of nodes, named "0".."size-1".'),
      p: z.number().min(0).max(1).optional().describe('G(n,p): probability that a given pair of nodes is linked. Exclusive with m.'),
      m: z.int().min(0).optional().describe('G(n,m): exact number of edges, at most size(size-1)/2. Exclusive with p.'),
      weight: edgeWeight,
    },
    RENAMED_SIZE,
  )
    .superRefine((c, ctx) => {
      const pairs = (c.size * (c.size - 1)) / 2;
      if (c.p !== undefined && c.m !== undefined) {
        ctx.addIssue({ code: 'custom', path: ['m'], message: 'give either p (G(n,p)) or m (G(n,m)), not both' });
      } else if (c.p === undefined && c.m === undefined) {
        ctx.addIssue({ code: 'custom', path: ['p'], message: 'give p (edge probability, G(n,p)) or m (edge count, G(n,m))' });
      } else if (c.m !== undefined) {
        if (c.m > pairs) ctx.addIssue({ code: 'custom', path: ['m'], message: `m = ${c.m} exceeds the ${pairs} pairs of ${c.size} nodes` });
        else if (c.m > MAX_GENERATED_EDGES) ctx.addIssue({ code: 'custom', path: ['m'], message: `m = ${c.m} exceeds the limit of ${MAX_GENERATED_EDGES} edges` });
      } else if (c.p !== undefined && c.p * pairs > MAX_GENERATED_EDGES) {
        ctx.addIssue({ code: 'custom', path: ['p'], message: `p = ${c.p} gives about ${Math.round(c.p * pairs)} edges, over the limit of ${MAX_GENERATED_EDGES}` });
      }
    }),
  nodes: (config) => config.size,
  create(config, ctx) {
    const rng = ctx.rng('graph');
    const pairs = config.m !== undefined ? gnmPairs(config.size, config.m, rng) : gnpPairs(config.size, config.p ?? 0, rng);
    return { graph: toGraph(config.size, pairs, config.weight) };
  },
});
