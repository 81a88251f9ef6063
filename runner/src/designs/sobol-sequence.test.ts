import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Rng } from '../rng/index.ts';
import { MAX_SOBOL_DIMENSIONS, sobolPoints } from './sobol-sequence.ts';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');

/** Whether, in each dimension, the points fall one in each interval [k/n, (k+1)/n). */
function balanced(points: readonly (readonly number[])[], dimension: number): boolean {
  const seen = new Set(points.map((p) => Math.floor(p[dimension]! * points.length)));
  return seen.size === points.length && points.every((p) => p[dimension]! >= 0 && p[dimension]! < 1);
}

describe("Sobol' sequence", () => {
  it("is SciPy's unscrambled sequence, bit for bit, in every dimension this build has", { timeout: 120_000 }, () => {
    const python = process.env.PYDATA || execFileSync('bash', [join(repo, 'scripts/ensure-pypi-tool.sh'), 'pydata'], { encoding: 'utf8' }).trim();
    const script = `import json; from scipy.stats import qmc; print(json.dumps(qmc.Sobol(d=${MAX_SOBOL_DIMENSIONS}, scramble=False).random(512).tolist()))`;
    const reference = JSON.parse(execFileSync(python, ['-c', script], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 })) as number[][];
    expect(sobolPoints(512, MAX_SOBOL_DIMENSIONS)).toEqual(reference);
  });

  it('scrambled, keeps one point in each 1/2^m interval of every dimension, and one in each elementary box of the first two', () => {
    const points = sobolPoints(256, 10, Rng.derive('test', 1));
    for (let d = 0; d < 10; d++) expect(balanced(points, d)).toBe(true);
    // (0, m, 2)-net: every box of 2^a x 2^b with a + b = 8 holds exactly one point.
    for (let a = 0; a <= 8; a++) {
      const boxes = new Set(points.map((p) => `${Math.floor(p[0]! * 2 ** a)},${Math.floor(p[1]! * 2 ** (8 - a))}`));
      expect(boxes.size).toBe(256);
    }
  });

  it('scrambles differently for another stream, the same for the same one, and never as the plain sequence', () => {
    const a = sobolPoints(64, 3, Rng.derive('test', 1));
    expect(sobolPoints(64, 3, Rng.derive('test', 1))).toEqual(a);
    expect(sobolPoints(64, 3, Rng.derive('test', 2))).not.toEqual(a);
    expect(a[0]).not.toEqual([0, 0, 0]);
    expect(sobolPoints(64, 3)[0]).toEqual([0, 0, 0]);
  });

  it('refuses more dimensions than it has direction numbers for', () => {
    expect(() => sobolPoints(4, MAX_SOBOL_DIMENSIONS + 1)).toThrow(/at most 128 dimensions/);
  });
});
