import { describe, expect, it } from 'vitest';
import { buildNetwork } from 'swarmlab/sdk/testing';
import type { Graph } from '../../../sdk/graph.ts';
import { grid2dNetwork as grid, gridHasEdge } from './grid-2d.ts';
import { averageClustering, connectedComponents, simpleGraphViolations } from './stats.ts';

const sortedNeighbours = (g: Graph, id: number): number[] => g.neighbors(String(id)).map(Number).sort((a, b) => a - b);

/** Expected degree of cell (r, c) on a bounded grid, by counting in-range offsets. */
function boundedDegree(w: number, h: number, r: number, c: number, moore: boolean): number {
  let d = 0;
  for (let dr = -1; dr <= 1; dr++) {
    for (let dc = -1; dc <= 1; dc++) {
      if ((dr === 0 && dc === 0) || (!moore && dr !== 0 && dc !== 0)) continue;
      if (r + dr >= 0 && r + dr < h && c + dc >= 0 && c + dc < w) d++;
    }
  }
  return d;
}

describe('grid-2d', () => {
  it('on a torus every node has degree 4 (von Neumann) or 8 (Moore)', () => {
    for (const [neighbourhood, k] of [['von-neumann', 4], ['moore', 8]] as const) {
      for (const [w, h] of [[3, 3], [7, 4], [20, 15]] as const) {
        const g = buildNetwork(grid, { width: w, height: h, neighbourhood, periodic: true }, 1);
        expect(g.nodes).toHaveLength(w * h);
        expect(g.edges).toHaveLength((w * h * k) / 2);
        for (const id of g.nodes) expect(g.degree(id)).toBe(k);
        expect(simpleGraphViolations(g)).toEqual({ selfLoops: 0, repeatedEdges: 0 });
      }
    }
  });

  it('without wrapping, border and corner cells lose exactly their off-grid neighbours', () => {
    for (const neighbourhood of ['von-neumann', 'moore'] as const) {
      const w = 6;
      const h = 4;
      const g = buildNetwork(grid, { width: w, height: h, neighbourhood }, 1);
      for (let r = 0; r < h; r++) {
        for (let c = 0; c < w; c++) expect(g.degree(String(r * w + c))).toBe(boundedDegree(w, h, r, c, neighbourhood === 'moore'));
      }
      expect(simpleGraphViolations(g)).toEqual({ selfLoops: 0, repeatedEdges: 0 });
      expect(connectedComponents(g).count).toBe(1);
    }
    // Corner 2/3, border 3/5, interior 4/8.
    const vn = buildNetwork(grid, { width: 5, height: 5 }, 1);
    expect([vn.degree('0'), vn.degree('2'), vn.degree('12')]).toEqual([2, 3, 4]);
    const mo = buildNetwork(grid, { width: 5, height: 5, neighbourhood: 'moore' }, 1);
    expect([mo.degree('0'), mo.degree('2'), mo.degree('12')]).toEqual([3, 5, 8]);
  });

  it('numbers nodes row-major: id = row * width + column', () => {
    const w = 5;
    const h = 4;
    expect(sortedNeighbours(buildNetwork(grid, { width: w, height: h }, 1), 7)).toEqual([2, 6, 8, 12]);
    // Node 0 of a torus wraps to the end of its row (4) and the bottom of its column (15).
    expect(sortedNeighbours(buildNetwork(grid, { width: w, height: h, periodic: true }, 1), 0)).toEqual([1, 4, 5, 15]);
    expect(sortedNeighbours(buildNetwork(grid, { width: w, height: h, neighbourhood: 'moore', periodic: true }, 1), 0)).toEqual([1, 4, 5, 6, 9, 15, 16, 19]);
  });

  it('a single row is a path, and a Moore torus has the lattice clustering 3/7', () => {
    const path = buildNetwork(grid, { width: 10, height: 1 }, 1);
    expect(path.edges).toHaveLength(9);
    // Each Moore cell's 8 neighbours share 12 links of the 28 possible pairs.
    expect(averageClustering(buildNetwork(grid, { width: 10, height: 10, neighbourhood: 'moore', periodic: true }, 1))).toBeCloseTo(12 / 28, 12);
  });

  it('does not depend on the seed, and carries the configured weight', () => {
    const cfg = { width: 8, height: 8, neighbourhood: 'moore' as const, weight: 2.5 };
    const a = buildNetwork(grid, cfg, 1);
    expect(buildNetwork(grid, cfg, 2).edges).toEqual(a.edges);
    expect(a.edges.every((e) => e.weight === 2.5)).toBe(true);
  });

  it('rejects bad configs with the field path', () => {
    const path = (c: unknown) => grid.config.safeParse(c).error?.issues[0]?.path;
    expect(path({ width: 2, height: 5, periodic: true })).toEqual(['width']);
    expect(path({ width: 5, height: 1, periodic: true })).toEqual(['height']);
    expect(path({ width: 0, height: 5 })).toEqual(['width']);
    expect(path({ width: 5, height: 5, neighbourhood: 'hex' })).toEqual(['neighbourhood']);
    expect(path({ width: 2000, height: 2000 })).toEqual(['width']);
    expect(path({ width: 5, height: 5, weight: -1 })).toEqual(['weight']);
    expect(grid.config.parse({})).toEqual({ width: 32, height: 32, neighbourhood: 'von-neumann', periodic: false, weight: 1 });
  });
});

describe('grid-2d declared shape', () => {
  it('gridHasEdge agrees with the built graph for every pair, open or wrapped, 4 or 8 neighbours', () => {
    for (const neighbourhood of ['von-neumann', 'moore'] as const) {
      for (const periodic of [false, true]) {
        const [width, height] = [4, 3];
        const g = buildNetwork(grid, { width, height, neighbourhood, periodic }, 1);
        for (let a = 0; a < width * height; a++) {
          for (let b = 0; b < width * height; b++) {
            expect(gridHasEdge(width, height, neighbourhood, periodic, a, b), `${neighbourhood} ${periodic} ${a}-${b}`).toBe(g.edge(String(a), String(b)) !== undefined);
          }
        }
      }
    }
  });
});
