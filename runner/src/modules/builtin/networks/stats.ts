// Structural statistics over a Graph, for scenarios that report on their
// network and for the statistical tests of the generators. All of them treat a
// directed graph as undirected (weak connectivity, clustering of the
// underlying simple graph) unless they say otherwise.
import type { Graph } from 'swarmlab/sdk';

/** The underlying simple undirected graph over node indices (positions in graph.nodes). */
export interface Adjacency {
  readonly index: ReadonlyMap<string, number>;
  /** Sorted distinct neighbours of each node, without the node itself. */
  readonly neighbors: readonly Int32Array[];
}

// Graphs are immutable, so the index-based view is built once per graph.
const adjacencyCache = new WeakMap<Graph, Adjacency>();

export function simpleAdjacency(graph: Graph): Adjacency {
  const cached = adjacencyCache.get(graph);
  if (cached) return cached;
  const n = graph.nodes.length;
  const index = new Map<string, number>();
  graph.nodes.forEach((id, i) => index.set(id, i));
  const stamp = new Int32Array(n).fill(-1);
  const neighbors: Int32Array[] = new Array<Int32Array>(n);
  const scratch: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = graph.nodes[i] as string;
    scratch.length = 0;
    stamp[i] = i;
    const add = (other: string): void => {
      const j = index.get(other) as number;
      if (stamp[j] !== i) {
        stamp[j] = i;
        scratch.push(j);
      }
    };
    for (const o of graph.neighbors(id)) add(o);
    if (graph.directed) for (const o of graph.predecessors(id)) add(o);
    neighbors[i] = Int32Array.from(scratch).sort();
  }
  const adj = { index, neighbors };
  adjacencyCache.set(graph, adj);
  return adj;
}

/**
 * Mean of Graph.degree over all nodes: 2|E|/n for an undirected graph (a
 * self-loop counts twice), the mean out-degree |E|/n for a directed one.
 */
export function meanDegree(graph: Graph): number {
  if (graph.nodes.length === 0) return 0;
  let sum = 0;
  for (const id of graph.nodes) sum += graph.degree(id);
  return sum / graph.nodes.length;
}

/** histogram[k] = number of nodes with Graph.degree k; its length is max degree + 1. */
export function degreeHistogram(graph: Graph): number[] {
  const hist: number[] = [];
  for (const id of graph.nodes) {
    const d = graph.degree(id);
    while (hist.length <= d) hist.push(0);
    hist[d] = (hist[d] as number) + 1;
  }
  return hist;
}

export interface Components {
  readonly count: number;
  /** Component sizes, largest first. */
  readonly sizes: readonly number[];
  /** component[i] labels graph.nodes[i]; labels are numbered in order of their first node. */
  readonly component: Int32Array;
}

/** Connected components (weakly connected, for a directed graph), by breadth-first search. */
export function connectedComponents(graph: Graph): Components {
  const { neighbors } = simpleAdjacency(graph);
  const n = neighbors.length;
  const component = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  const sizes: number[] = [];
  for (let s = 0; s < n; s++) {
    if (component[s] !== -1) continue;
    const label = sizes.length;
    component[s] = label;
    let head = 0;
    let tail = 0;
    queue[tail++] = s;
    while (head < tail) {
      const v = queue[head++] as number;
      for (const u of neighbors[v] as Int32Array) {
        if (component[u] === -1) {
          component[u] = label;
          queue[tail++] = u;
        }
      }
    }
    sizes.push(tail);
  }
  return { count: sizes.length, sizes: sizes.sort((a, b) => b - a), component };
}

/** Fraction of nodes in the largest connected component (0 for an empty graph). */
export function largestComponentFraction(graph: Graph): number {
  const n = graph.nodes.length;
  return n === 0 ? 0 : (connectedComponents(graph).sizes[0] as number) / n;
}

/**
 * Local clustering coefficient of every node, aligned with graph.nodes: the
 * fraction of pairs of its neighbours that are linked, 0 when it has fewer
 * than two neighbours (the NetworkX convention).
 */
export function clusteringCoefficients(graph: Graph): Float64Array {
  const { neighbors } = simpleAdjacency(graph);
  const n = neighbors.length;
  const mark = new Int32Array(n).fill(-1);
  const out = new Float64Array(n);
  for (let v = 0; v < n; v++) {
    const nv = neighbors[v] as Int32Array;
    const d = nv.length;
    if (d < 2) continue;
    for (const u of nv) mark[u] = v;
    let links = 0;
    for (const u of nv) for (const w of neighbors[u] as Int32Array) if (mark[w] === v) links++;
    // Each link between two neighbours was seen from both ends.
    out[v] = links / (d * (d - 1));
  }
  return out;
}

export function localClustering(graph: Graph, node: string): number {
  const i = simpleAdjacency(graph).index.get(node);
  if (i === undefined) throw new RangeError(`unknown node ${JSON.stringify(node)}`);
  const { neighbors } = simpleAdjacency(graph);
  const nv = neighbors[i] as Int32Array;
  const d = nv.length;
  if (d < 2) return 0;
  const around = new Set(nv);
  let links = 0;
  for (const u of nv) for (const w of neighbors[u] as Int32Array) if (around.has(w)) links++;
  return links / (d * (d - 1));
}

/** Mean local clustering over all nodes, nodes of degree < 2 counting as 0 (Watts–Strogatz's C). */
export function averageClustering(graph: Graph): number {
  const c = clusteringCoefficients(graph);
  if (c.length === 0) return 0;
  let sum = 0;
  for (const x of c) sum += x;
  return sum / c.length;
}

/** Self-loops and repeated pairs, which a simple graph has none of (for an undirected graph, {a,b} = {b,a}). */
export function simpleGraphViolations(graph: Graph): { readonly selfLoops: number; readonly repeatedEdges: number } {
  const seen = new Set<string>();
  let selfLoops = 0;
  let repeatedEdges = 0;
  for (const e of graph.edges) {
    if (e.from === e.to) selfLoops++;
    const k = graph.directed || e.from < e.to ? `${e.from}\u0000${e.to}` : `${e.to}\u0000${e.from}`;
    if (seen.has(k)) repeatedEdges++;
    seen.add(k);
  }
  return { selfLoops, repeatedEdges };
}
