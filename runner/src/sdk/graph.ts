/** A node-and-edge graph that network modules build and agents read. Immutable once built. */
export interface Edge {
  readonly from: string;
  readonly to: string;
  /** Edge weight; also the per-edge latency when a latency rule uses `model: edge`. */
  readonly weight: number;
}

export class Graph {
  readonly directed: boolean;
  readonly nodes: readonly string[];
  readonly edges: readonly Edge[];
  private readonly out = new Map<string, string[]>();
  private readonly inn: Map<string, string[]>;
  // Built on the first edge() call: generated graphs of millions of edges pay
  // for the string keys only when something looks an edge up.
  private edgeIndex: Map<string, Map<string, Edge>> | undefined;

  constructor(nodes: readonly string[], edges: readonly Edge[], directed: boolean) {
    this.directed = directed;
    this.nodes = nodes;
    this.edges = edges;
    // Undirected in- and out-lists hold the same nodes in the same (edge) order, so they share storage.
    this.inn = directed ? new Map<string, string[]>() : this.out;
    for (const n of nodes) {
      if (this.out.has(n)) throw new Error(`duplicate node id ${JSON.stringify(n)}`);
      this.out.set(n, []);
      if (directed) this.inn.set(n, []);
    }
    for (const e of edges) {
      const outs = this.out.get(e.from);
      const ins = this.inn.get(e.to);
      if (!outs || !ins) throw new Error(`edge ${e.from} -> ${e.to} names an unknown node`);
      outs.push(e.to);
      ins.push(e.from);
    }
  }

  /** Nodes this node points to (its neighbours, for an undirected graph), in edge order. */
  neighbors(node: string): readonly string[] {
    return this.out.get(node) ?? [];
  }

  /** Nodes pointing to this node (the same as neighbors for an undirected graph). */
  predecessors(node: string): readonly string[] {
    return this.inn.get(node) ?? [];
  }

  degree(node: string): number {
    return this.neighbors(node).length;
  }

  edge(from: string, to: string): Edge | undefined {
    if (!this.edgeIndex) {
      // Later duplicates overwrite earlier ones, in edge order. Keyed by node, then node: a lookup builds no string.
      const index = new Map<string, Map<string, Edge>>();
      const put = (a: string, b: string, e: Edge) => {
        let row = index.get(a);
        if (!row) index.set(a, (row = new Map()));
        row.set(b, e);
      };
      for (const e of this.edges) {
        put(e.from, e.to, e);
        if (!this.directed) put(e.to, e.from, e);
      }
      this.edgeIndex = index;
    }
    return this.edgeIndex.get(from)?.get(to);
  }

  hasNode(node: string): boolean {
    return this.out.has(node);
  }
}
