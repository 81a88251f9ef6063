import type { Rng } from 'swarmlab/sdk';
import type { PoolView } from './observation.ts';

/** The heuristic routing rules the learned routing is compared with; each sees the same PoolView the agents observe. */
export const HEURISTICS = ['weighted-round-robin', 'cheapest-free', 'least-latency-free', 'random'] as const;
export type Heuristic = (typeof HEURISTICS)[number];

/** Index of the smallest key among providers with free capacity; among all providers when none has any. */
function bestFree(view: PoolView, key: (p: number) => number): number {
  let best = -1;
  for (let p = 0; p < view.size; p++) {
    if (view.free(p) === 0) continue;
    if (best < 0 || key(p) < key(best)) best = p;
  }
  if (best >= 0) return best;
  best = 0;
  for (let p = 1; p < view.size; p++) if (key(p) < key(best)) best = p;
  return best;
}

/**
 * Smooth weighted round robin (as nginx balances upstreams): every pick adds
 * each provider's weight, its effective capacity, to its credit, picks the
 * largest credit and takes the total weight from it. Over any window each
 * provider gets its share of capacity, evenly spread, whatever its load.
 */
export class WeightedRoundRobin {
  private readonly credit: number[];

  constructor(size: number) {
    this.credit = new Array<number>(size).fill(0);
  }

  pick(view: PoolView): number {
    let total = 0;
    let best = -1;
    for (let p = 0; p < view.size; p++) {
      const w = view.capacity(p);
      total += w;
      this.credit[p] = this.credit[p]! + w;
      if (w > 0 && (best < 0 || this.credit[p]! > this.credit[best]!)) best = p;
    }
    if (best < 0) return 0;
    this.credit[best] = this.credit[best]! - total;
    return best;
  }
}

export interface HeuristicRouter {
  pick(view: PoolView): number;
}

export function heuristicRouter(kind: Heuristic, size: number, rng: Rng): HeuristicRouter {
  switch (kind) {
    case 'weighted-round-robin':
      return new WeightedRoundRobin(size);
    case 'cheapest-free':
      return { pick: (view) => bestFree(view, (p) => view.expectedPrice(p)) };
    case 'least-latency-free':
      return { pick: (view) => bestFree(view, (p) => view.expectedLatency(p)) };
    case 'random':
      return { pick: (view) => rng.int(view.size) };
  }
}
