import { defineModule, type Rng, strictObject, z } from 'swarmlab/sdk';
import { type EdgePairs, MAX_GENERATED_EDGES, MAX_GENERATED_NODES, edgeWeight, toGraph, RENAMED_SIZE } from './common.ts';

/**
 * Preferential attachment: a complete graph on m0 seed nodes, then each new
 * node links to m distinct existing nodes chosen with probability proportional
 * to degree. Sampling a uniform entry of the list of all edge endpoints is
 * exactly degree-proportional (Batagelj–Brandes), so the whole build is
 * O(n·m) expected.
 */
export function barabasiAlbertPairs(n: number, m: number, m0: number, rng: Rng): EdgePairs {
  const out: EdgePairs = [];
  for (let v = 1; v < m0; v++) for (let u = 0; u < v; u++) out.push(u, v);
  const endpoints = new Int32Array(2 * edgeCount(n, m, m0));
  let ends = 0;
  for (const x of out) endpoints[ends++] = x;
  const targets: number[] = [];
  // pickedBy[t] === s marks t as already chosen by node s: O(1) even for large m.
  const pickedBy = new Int32Array(n).fill(-1);
  for (let s = m0; s < n; s++) {
    targets.length = 0;
    while (targets.length < m) {
      const t = endpoints[rng.int(ends)] as number;
      if (pickedBy[t] !== s) {
        pickedBy[t] = s;
        targets.push(t);
      }
    }
    // Endpoints join the list only after all m picks, so a node never picks itself.
    for (const t of targets) {
      out.push(t, s);
      endpoints[ends++] = t;
      endpoints[ends++] = s;
    }
  }
  return out;
}

export function edgeCount(n: number, m: number, m0: number): number {
  return (m0 * (m0 - 1)) / 2 + (n - m0) * m;
}

export const barabasiAlbertNetwork = defineModule({
  kind: 'network',
  name: 'barabasi-albert',
  version: '2.0.0',
  description:
    'Barabási–Albert scale-free graph, undirected: starting from a complete graph on m0 nodes, each new node attaches to m existing nodes with probability proportional to their degree. Degree tail P(k) ~ k^-3.',
  config: strictObject(
    {
      size: z.int().min(2).max(MAX_GENERATED_NODES).default(1000).describe('Number of nodes, named "0".."size-1" in order of arrival.'),
      m: z.int().min(1).default(2).describe('Edges each new node brings; less than size. Mean degree tends to 2m.'),
      m0: z.int().min(2).optional().describe('Seed nodes, fully linked to each other; at least m, at most size. Defaults to m + 1.'),
      weight: edgeWeight,
    },
    RENAMED_SIZE,
  )
    .superRefine((c, ctx) => {
      if (c.m >= c.size) {
        ctx.addIssue({ code: 'custom', path: ['m'], message: `m must be less than size (${c.size}), got ${c.m}` });
        return;
      }
      const m0 = c.m0 ?? c.m + 1;
      if (m0 < c.m) ctx.addIssue({ code: 'custom', path: ['m0'], message: `m0 must be at least m (${c.m}), got ${m0}` });
      else if (m0 > c.size) ctx.addIssue({ code: 'custom', path: ['m0'], message: `m0 must be at most size (${c.size}), got ${m0}` });
      else if (edgeCount(c.size, c.m, m0) > MAX_GENERATED_EDGES) {
        ctx.addIssue({ code: 'custom', path: ['m'], message: `the graph would have ${edgeCount(c.size, c.m, m0)} edges, over the limit of ${MAX_GENERATED_EDGES}` });
      }
    }),
  nodes: (config) => config.size,
  create(config, ctx) {
    const m0 = config.m0 ?? config.m + 1;
    return { graph: toGraph(config.size, barabasiAlbertPairs(config.size, config.m, m0, ctx.rng('graph')), config.weight) };
  },
});
