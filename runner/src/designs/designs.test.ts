import { describe, expect, it } from 'vitest';
import { Rng } from '../rng/index.ts';
import type { DesignParameter } from '../spec/experiment.ts';
import { latinHypercube, maximinLatinHypercube, minimumSquaredDistance } from './latin-hypercube.ts';
import { morrisDelta, morrisTrajectories } from './morris.ts';
import { saltelliRows } from './saltelli.ts';
import { sobolPoints } from './sobol-sequence.ts';
import { valueAt } from './transform.ts';

describe('Latin hypercube', () => {
  it('puts one point in each of the n slices of every dimension', () => {
    const points = latinHypercube(50, 4, Rng.derive('lhs', 1));
    for (let d = 0; d < 4; d++) expect(new Set(points.map((p) => Math.floor(p[d]! * 50))).size).toBe(50);
  });

  it('maximin keeps the candidate whose closest points are farthest apart', () => {
    const chosen = maximinLatinHypercube(30, 3, 8, Rng.derive('lhs', 2));
    const rng = Rng.derive('lhs', 2);
    const candidates = Array.from({ length: 8 }, () => latinHypercube(30, 3, rng));
    const distances = candidates.map(minimumSquaredDistance);
    expect(minimumSquaredDistance(chosen)).toBe(Math.max(...distances));
    expect(Math.max(...distances)).toBeGreaterThan(Math.min(...distances));
  });
});

describe('Saltelli matrix', () => {
  it("gives per base sample A, AB_1..AB_D (A with B's column j), BA_j with second order, then B", () => {
    const base = sobolPoints(8, 6, Rng.derive('s', 1));
    const first = saltelliRows(base, 3, false);
    expect(first).toHaveLength(8 * 5);
    const second = saltelliRows(base, 3, true);
    expect(second).toHaveLength(8 * 8);
    base.forEach((point, i) => {
      const a = point.slice(0, 3);
      const b = point.slice(3);
      const rows = second.slice(i * 8, i * 8 + 8);
      expect(rows[0]).toEqual(a);
      expect(rows[7]).toEqual(b);
      for (let j = 0; j < 3; j++) {
        expect(rows[1 + j]).toEqual(a.map((x, k) => (k === j ? b[k] : x)));
        expect(rows[4 + j]).toEqual(b.map((x, k) => (k === j ? a[k] : x)));
      }
      expect(first.slice(i * 5, i * 5 + 5)).toEqual([rows[0], rows[1], rows[2], rows[3], rows[7]]);
    });
  });
});

describe('Morris trajectories', () => {
  it('move each parameter once per trajectory by delta, on the grid of levels, within [0, 1]', () => {
    const levels = 6;
    const delta = morrisDelta(levels);
    const rows = morrisTrajectories(20, 4, levels, Rng.derive('m', 1));
    expect(rows).toHaveLength(20 * 5);
    for (let t = 0; t < 20; t++) {
      const path = rows.slice(t * 5, t * 5 + 5);
      const moved: number[] = [];
      for (let s = 1; s < 5; s++) {
        const changed = path[s]!.flatMap((x, k) => (x === path[s - 1]![k] ? [] : [k]));
        expect(changed).toHaveLength(1);
        expect(Math.abs(path[s]![changed[0]!]! - path[s - 1]![changed[0]!]!)).toBeCloseTo(delta, 12);
        moved.push(changed[0]!);
      }
      expect(moved.slice().sort()).toEqual([0, 1, 2, 3]);
      for (const p of path) for (const x of p) {
        expect(x).toBeGreaterThanOrEqual(0);
        expect(x).toBeLessThanOrEqual(1);
        expect(Number.isInteger(Math.round(x * (levels - 1) * 1e9) / 1e9)).toBe(true);
      }
    }
  });

  it('moves up and down, from several starting levels', () => {
    const rows = morrisTrajectories(40, 2, 4, Rng.derive('m', 2));
    expect(new Set(rows.map((r) => r[0])).size).toBe(4);
  });
});

describe('values from coordinates', () => {
  const p = (over: Partial<DesignParameter>): DesignParameter => ({ param: 'a.b', distribution: 'uniform', ...over }) as DesignParameter;

  it('scales uniform and log-uniform ranges, ends included', () => {
    expect(valueAt(p({ min: 2, max: 6 }), 0.25)).toBe(3);
    expect(valueAt(p({ min: 2, max: 6 }), 1)).toBe(6);
    const log = p({ distribution: 'log-uniform', min: 0.01, max: 100 });
    expect(valueAt(log, 0.5)).toBeCloseTo(1, 12);
    expect(valueAt(log, 0)).toBe(0.01);
    expect(valueAt(log, 1)).toBe(100);
  });

  it('gives every integer and every category an equal slice, the top end included', () => {
    const int = p({ distribution: 'integer', min: 1, max: 4 });
    expect([0, 0.24, 0.25, 0.5, 0.99, 1].map((u) => valueAt(int, u))).toEqual([1, 1, 2, 3, 4, 4]);
    const cat = p({ distribution: 'categorical', values: ['x', true, 3] });
    expect([0, 0.34, 0.67, 1].map((u) => valueAt(cat, u))).toEqual(['x', true, 3, 3]);
  });
});
