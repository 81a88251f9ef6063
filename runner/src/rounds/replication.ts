import type { Replication } from '../spec/adaptive.ts';
import { halfWidth, type SeedAllocation } from './allocation.ts';

/** Where a point stands: still adding seeds, precise enough, or out of seeds. */
export type ReplicationState = 'open' | 'reached' | 'max-seeds';

/** Whether the point's interval is as narrow as the target asks (needs two values, and a mean for a relative target). */
export function reachedTarget(r: Replication, alloc: SeedAllocation, point: number): boolean {
  const s = alloc.statistics(point);
  const half = halfWidth(s);
  if (half === undefined || s.mean === undefined) return false;
  if (r.target.halfWidth !== undefined) return half <= r.target.halfWidth;
  return half <= (r.target.relativeHalfWidth as number) * Math.abs(s.mean);
}

export function replicationState(r: Replication, alloc: SeedAllocation, point: number): ReplicationState {
  if (reachedTarget(r, alloc, point)) return 'reached';
  return alloc.seeds(point) >= r.maxSeeds ? 'max-seeds' : 'open';
}

/**
 * The seeds to add in round `round`: minSeeds to every point first, then
 * seedsPerRound to each point still open (short of the target and of
 * maxSeeds). Empty when every point is settled.
 */
export function replicationRound(r: Replication, points: number, alloc: SeedAllocation, round: number): Map<number, number> {
  const add = new Map<number, number>();
  for (let p = 0; p < points; p++) {
    if (round === 0) add.set(p, r.minSeeds);
    else if (replicationState(r, alloc, p) === 'open') add.set(p, Math.min(r.seedsPerRound, r.maxSeeds - alloc.seeds(p)));
  }
  return add;
}
