import type { Rng } from '../rng/index.ts';

/** A random permutation of 0..n-1 (Fisher–Yates). */
function permutation(n: number, rng: Rng): number[] {
  const p = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.int(i + 1);
    [p[i], p[j]] = [p[j]!, p[i]!];
  }
  return p;
}

/** `n` points in [0, 1)^dimensions, one in each of the n slices of every dimension, at a uniform place within its slice. */
export function latinHypercube(n: number, dimensions: number, rng: Rng): number[][] {
  const points = Array.from({ length: n }, () => new Array<number>(dimensions).fill(0));
  for (let d = 0; d < dimensions; d++) {
    const slice = permutation(n, rng);
    for (let i = 0; i < n; i++) points[i]![d] = (slice[i]! + rng.next()) / n;
  }
  return points;
}

/** The smallest squared distance between two of the points. */
export function minimumSquaredDistance(points: readonly (readonly number[])[]): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < points.length; i++) {
    const a = points[i]!;
    for (let j = i + 1; j < points.length; j++) {
      const b = points[j]!;
      let s = 0;
      for (let d = 0; d < a.length && s < best; d++) s += (a[d]! - b[d]!) ** 2;
      if (s < best) best = s;
    }
  }
  return best;
}

/** Of `candidates` Latin hypercubes drawn in turn, the first whose two closest points are farthest apart (maximin). */
export function maximinLatinHypercube(n: number, dimensions: number, candidates: number, rng: Rng): number[][] {
  let best: number[][] = [];
  let bestDistance = Number.NEGATIVE_INFINITY;
  for (let c = 0; c < candidates; c++) {
    const design = latinHypercube(n, dimensions, rng);
    const distance = minimumSquaredDistance(design);
    if (distance > bestDistance) {
      best = design;
      bestDistance = distance;
    }
  }
  return best;
}
