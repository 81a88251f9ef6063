import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { morrisDelta, morrisTrajectories } from '../designs/morris.ts';
import { gFunction } from '../modules/builtin/test-functions/functions.ts';
import { Rng } from '../rng/index.ts';
import { elementaryEffects, morrisEffects } from './morris-effects.ts';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const python = (): string => process.env.PYDATA || execFileSync('bash', [join(repo, 'scripts/ensure-pypi-tool.sh'), 'pydata'], { encoding: 'utf8' }).trim();
const opts = { resamples: 1000, confidence: 0.95, rng: Rng.derive('test', 1) };
const a = [0, 1, 4.5, 9, 99, 99, 99, 99];

describe('Morris effects', () => {
  it('of a linear function are its slopes, with no spread', () => {
    const unit = morrisTrajectories(10, 3, 4, Rng.derive('m', 1));
    const y = unit.map((u) => 2 * u[0]! - 3 * u[1]! + 0 * u[2]!);
    const r = morrisEffects(unit, y, 3, morrisDelta(4), opts);
    expect(r.map((e) => e.mu)).toEqual([expect.closeTo(2, 12), expect.closeTo(-3, 12), 0]);
    expect(r.map((e) => e.muStar.value)).toEqual([expect.closeTo(2, 12), expect.closeTo(3, 12), 0]);
    for (const e of r) expect(e.sigma).toBeCloseTo(0, 12);
    expect(elementaryEffects(unit, y, 3, morrisDelta(4)).map((ee) => ee.length)).toEqual([10, 10, 10]);
  });

  it("rank the g-function's inputs by their coefficients (the smaller a_i, the larger mu*)", () => {
    const unit = morrisTrajectories(100, 8, 4, Rng.derive('m', 2));
    const r = morrisEffects(unit, unit.map((u) => gFunction(u, a)), 8, morrisDelta(4), opts);
    const muStar = r.map((e) => e.muStar.value!);
    for (let k = 1; k < 4; k++) expect(muStar[k]!).toBeLessThan(muStar[k - 1]!);
    for (let k = 4; k < 8; k++) expect(muStar[k]!).toBeLessThan(muStar[3]! / 4);
    for (const e of r) expect(e.muStar.ci_low!).toBeLessThanOrEqual(e.muStar.value!);
  });

  it("are SALib's on the same trajectories and outputs, intervals of about its width", { timeout: 120_000 }, () => {
    const levels = 6;
    const unit = morrisTrajectories(40, 8, levels, Rng.derive('m', 3));
    const y = unit.map((u) => gFunction(u, a));
    const ours = morrisEffects(unit, y, 8, morrisDelta(levels), opts);
    const input = JSON.stringify({ method: 'morris', parameters: 8, levels, X: unit, Y: y });
    const ref = JSON.parse(execFileSync(python(), [join(repo, 'runner/src/analysis/testdata/salib-check.py')], { input, encoding: 'utf8' })) as Record<string, number[]>;
    ours.forEach((e, k) => {
      expect(e.mu).toBeCloseTo(ref.mu![k]!, 10);
      expect(e.muStar.value).toBeCloseTo(ref.mu_star![k]!, 10);
      expect(e.sigma).toBeCloseTo(ref.sigma![k]!, 10);
      const ratio = (e.muStar.ci_high! - e.muStar.ci_low!) / 2 / ref.mu_star_conf![k]!;
      expect(ratio).toBeGreaterThan(0.75);
      expect(ratio).toBeLessThan(1.33);
    });
  });
});
