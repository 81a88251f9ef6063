import { type Edge, Graph, type Rng, z } from 'swarmlab/sdk';

/**
 * Upper bound on the (expected) edge count of a generated graph. Graph keeps an
 * object and two index entries per edge, so a few million is the most a runner
 * pod holds comfortably; a typo such as p: 0.5 with size: 100000 fails at parse
 * time instead of exhausting memory mid-sweep.
 */
export const MAX_GENERATED_EDGES = 5_000_000;
export const MAX_GENERATED_NODES = 1_000_000;

/**
 * The node count was `n`, which kubectl (YAML 1.1) reads as the boolean false;
 * the old name is refused with this hint.
 */
export const RENAMED_SIZE: Readonly<Record<string, string>> = { n: 'size' };

export const edgeWeight = z.number().min(0).default(1).describe('Weight of every edge; the latency for `model: edge` rules.');

/** Undirected edges as a flat list of node-index pairs [u0, v0, u1, v1, ...]. */
export type EdgePairs = number[];

/** Generated networks name their nodes "0".."n-1". */
export function toGraph(n: number, pairs: EdgePairs, weight: number): Graph {
  const ids = Array.from({ length: n }, (_, i) => String(i));
  const edges: Edge[] = new Array<Edge>(pairs.length / 2);
  for (let e = 0; e < edges.length; e++) {
    edges[e] = { from: ids[pairs[2 * e] as number] as string, to: ids[pairs[2 * e + 1] as number] as string, weight };
  }
  return new Graph(ids, edges, false);
}

const TWO_POW_32 = 4294967296;

/**
 * Uniform integer in [0, bound) for bounds beyond 2^32. Alea yields 32 bits per
 * draw, so Rng.int alone would skip most values of a bound like n(n-1)/2 for
 * n = 100,000; two draws give the resolution such bounds need.
 */
export function wideInt(rng: Rng, bound: number): number {
  if (bound <= TWO_POW_32) return rng.int(bound);
  const u = rng.next() + rng.next() / TWO_POW_32;
  return Math.min(bound - 1, Math.floor(u * bound));
}
