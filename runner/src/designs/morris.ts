import type { Rng } from '../rng/index.ts';

// Morris's elementary-effect trajectories (Morris 1991) on a grid of `levels`
// values per parameter in [0, 1]: each trajectory starts at a random grid
// point and moves every parameter once, in random order, by the step
// delta = levels / (2 (levels - 1)), up or down at random. Consecutive
// points differ in one parameter, so each pair gives one elementary effect.

/** The step of every move, as a fraction of the range (SALib's convention). */
export function morrisDelta(levels: number): number {
  return levels / (2 * (levels - 1));
}

/** `trajectories` trajectories of parameters + 1 points each, one after another. */
export function morrisTrajectories(trajectories: number, parameters: number, levels: number, rng: Rng): number[][] {
  // In grid steps: a move is levels / 2 steps, from one of the lower levels / 2 levels.
  const step = levels / 2;
  const at = (level: number): number => level / (levels - 1);
  const rows: number[][] = [];
  for (let t = 0; t < trajectories; t++) {
    const low = Array.from({ length: parameters }, () => rng.int(step));
    const up = Array.from({ length: parameters }, () => rng.next() < 0.5);
    const order = Array.from({ length: parameters }, (_, i) => i);
    for (let i = parameters - 1; i > 0; i--) {
      const j = rng.int(i + 1);
      [order[i], order[j]] = [order[j]!, order[i]!];
    }
    const level = low.map((l, k) => (up[k] ? l : l + step));
    rows.push(level.map(at));
    for (const k of order) {
      level[k] = up[k] ? low[k]! + step : low[k]!;
      rows.push(level.map(at));
    }
  }
  return rows;
}
