import { defineModule, z } from 'swarmlab/sdk';
import { type EdgePairs, MAX_GENERATED_NODES, edgeWeight, toGraph } from './common.ts';

export type Neighbourhood = 'von-neumann' | 'moore';

/**
 * Each cell links forward only (right, down, and for Moore the two lower
 * diagonals), so every undirected edge is listed once. Node index is
 * row * width + column.
 */
export function gridPairs(width: number, height: number, neighbourhood: Neighbourhood, periodic: boolean): EdgePairs {
  const out: EdgePairs = [];
  const link = (r: number, c: number, r2: number, c2: number): void => {
    if (!periodic && (r2 >= height || c2 < 0 || c2 >= width)) return;
    const rr = (r2 + height) % height;
    const cc = (c2 + width) % width;
    out.push(r * width + c, rr * width + cc);
  };
  for (let r = 0; r < height; r++) {
    for (let c = 0; c < width; c++) {
      link(r, c, r, c + 1);
      link(r, c, r + 1, c);
      if (neighbourhood === 'moore') {
        link(r, c, r + 1, c + 1);
        link(r, c, r + 1, c - 1);
      }
    }
  }
  return out;
}

/** Whether the lattice links nodes a and b (in either direction: the grid is undirected). */
export function gridHasEdge(width: number, height: number, neighbourhood: Neighbourhood, periodic: boolean, a: number, b: number): boolean {
  const n = width * height;
  if (!Number.isInteger(a) || !Number.isInteger(b) || a < 0 || b < 0 || a >= n || b >= n || a === b) return false;
  const axis = (d: number, size: number): number | undefined => {
    const m = ((d % size) + size) % size;
    if (Math.abs(d) <= 1) return d;
    // Only a wrapped axis links the two ends of a row or column.
    return periodic && size >= 3 && (m === 1 || m === size - 1) && Math.abs(d) === size - 1 ? (m === 1 ? 1 : -1) : undefined;
  };
  const dr = axis(Math.floor(b / width) - Math.floor(a / width), height);
  const dc = axis((b % width) - (a % width), width);
  if (dr === undefined || dc === undefined) return false;
  return neighbourhood === 'moore' ? true : Math.abs(dr) + Math.abs(dc) === 1;
}

export const grid2dNetwork = defineModule({
  kind: 'network',
  name: 'grid-2d',
  version: '1.0.0',
  description:
    'A width × height lattice, undirected, with the von Neumann (4) or Moore (8) neighbourhood, optionally wrapped into a torus. Node id is the row-major index row*width + column.',
  config: z
    .object({
      width: z.int().min(1).max(MAX_GENERATED_NODES).default(32).describe('Number of columns.'),
      height: z.int().min(1).max(MAX_GENERATED_NODES).default(32).describe('Number of rows.'),
      neighbourhood: z
        .enum(['von-neumann', 'moore'])
        .default('von-neumann')
        .describe('von-neumann: the 4 orthogonal neighbours; moore: also the 4 diagonal ones.'),
      periodic: z.boolean().default(false).describe('Wrap both axes into a torus, so every node has the full neighbourhood.'),
      weight: edgeWeight,
    })
    .strict()
    .superRefine((c, ctx) => {
      if (c.width * c.height > MAX_GENERATED_NODES) {
        ctx.addIssue({ code: 'custom', path: ['width'], message: `width*height = ${c.width * c.height} nodes exceeds the limit of ${MAX_GENERATED_NODES}` });
      }
      // Below 3 a wrapped axis links a node to itself or to the same neighbour twice.
      if (c.periodic) {
        if (c.width < 3) ctx.addIssue({ code: 'custom', path: ['width'], message: `a periodic grid needs width >= 3, got ${c.width}` });
        if (c.height < 3) ctx.addIssue({ code: 'custom', path: ['height'], message: `a periodic grid needs height >= 3, got ${c.height}` });
      }
    }),
  nodes: (config) => config.width * config.height,
  edge: (config, from, to) => gridHasEdge(config.width, config.height, config.neighbourhood, config.periodic, Number(from), Number(to)),
  create(config) {
    return { graph: toGraph(config.width * config.height, gridPairs(config.width, config.height, config.neighbourhood, config.periodic), config.weight) };
  },
});
