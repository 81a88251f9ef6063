import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { designPoints } from '../designs/design-points.ts';
import { gFunction, gFunctionIndices, ishigami, ishigamiIndices } from '../modules/builtin/test-functions/functions.ts';
import { Rng } from '../rng/index.ts';
import { parseExperiment } from '../spec/load.ts';
import { sobolIndices } from './sobol-indices.ts';

const repo = join(dirname(fileURLToPath(import.meta.url)), '../../..');
const python = (): string => process.env.PYDATA || execFileSync('bash', [join(repo, 'scripts/ensure-pypi-tool.sh'), 'pydata'], { encoding: 'utf8' }).trim();

/** A Saltelli design's points (coordinates and values) for `parameters` uniform parameters on [min, max]. */
function saltelli(samples: number, parameters: number, min: number, max: number, base: number, secondOrder = false) {
  const exp = parseExperiment({
    apiVersion: 'swarmlab.io/v1alpha1',
    kind: 'Experiment',
    metadata: { name: 's' },
    spec: {
      scenario: { modules: [{ kind: 'agent', module: 'test-function', name: 'f' }], horizon: { time: 1 } },
      sweep: { seeds: { base }, design: { method: 'saltelli', samples, secondOrder, parameters: Array.from({ length: parameters }, (_, i) => ({ param: `f.x${i + 1}`, distribution: 'uniform', min, max })) } },
    },
  });
  const points = designPoints(exp.spec.sweep);
  return { unit: points.unit, x: points.params.map((p) => Array.from({ length: parameters }, (_, i) => p[`f.x${i + 1}`] as number)) };
}

const opts = (seed = 1) => ({ resamples: 1000, confidence: 0.95, rng: Rng.derive('test', seed) });

describe("Sobol' indices against the known answers", () => {
  const truth = ishigamiIndices(7, 0.1);

  it('the Ishigami indices (a = 7, b = 0.1) are the published ones', () => {
    expect(truth.first.map((v) => Number(v.toFixed(3)))).toEqual([0.314, 0.442, 0]);
    expect(truth.total.map((v) => Number(v.toFixed(3)))).toEqual([0.558, 0.442, 0.244]);
  });

  // Documented sample size: N = 1024 base samples (5120 evaluations), every index within 0.05, for each of three experiment seeds.
  for (const base of [1, 2, 3]) {
    it(`Ishigami, N = 1024, experiment seed ${base}: every S1 and ST within 0.05 of the analytic value, inside a 95% interval narrower than 0.3`, () => {
      const { x } = saltelli(1024, 3, -Math.PI, Math.PI, base);
      const r = sobolIndices(x.map((p) => ishigami(p, 7, 0.1)), 3, false, opts(base));
      for (let j = 0; j < 3; j++) {
        expect(Math.abs(r.first[j]!.value! - truth.first[j]!)).toBeLessThan(0.05);
        expect(Math.abs(r.total[j]!.value! - truth.total[j]!)).toBeLessThan(0.05);
        for (const e of [r.first[j]!, r.total[j]!]) {
          expect(e.ci_low!).toBeLessThanOrEqual(e.value!);
          expect(e.ci_high!).toBeGreaterThanOrEqual(e.value!);
          expect(e.ci_high! - e.ci_low!).toBeLessThan(0.3);
        }
      }
    });
  }

  it('Ishigami, N = 4096: every index within 0.02', () => {
    const { x } = saltelli(4096, 3, -Math.PI, Math.PI, 1);
    const r = sobolIndices(x.map((p) => ishigami(p, 7, 0.1)), 3, false, opts());
    for (let j = 0; j < 3; j++) {
      expect(Math.abs(r.first[j]!.value! - truth.first[j]!)).toBeLessThan(0.02);
      expect(Math.abs(r.total[j]!.value! - truth.total[j]!)).toBeLessThan(0.02);
    }
  });

  it("Sobol's g-function (a = 0, 1, 4.5, 9, 99, 99, 99, 99), N = 1024: every index within 0.05", () => {
    const a = [0, 1, 4.5, 9, 99, 99, 99, 99];
    const known = gFunctionIndices(a);
    const { x } = saltelli(1024, 8, 0, 1, 1);
    const r = sobolIndices(x.map((p) => gFunction(p, a)), 8, false, opts());
    for (let j = 0; j < 8; j++) {
      expect(Math.abs(r.first[j]!.value! - known.first[j]!)).toBeLessThan(0.05);
      expect(Math.abs(r.total[j]!.value! - known.total[j]!)).toBeLessThan(0.05);
    }
    expect(known.first[0]).toBeCloseTo(0.7164, 3);
  });

  it('a metric that does not vary has no indices', () => {
    const r = sobolIndices(new Array<number>(5 * 16).fill(3), 3, false, opts());
    expect(r.first.every((e) => e.value === null && e.ci_low === null)).toBe(true);
  });

  it('gives the same intervals from the same stream', () => {
    const { x } = saltelli(64, 3, -Math.PI, Math.PI, 1);
    const y = x.map((p) => ishigami(p, 7, 0.1));
    expect(sobolIndices(y, 3, false, opts(5))).toEqual(sobolIndices(y, 3, false, opts(5)));
  });
});

describe("Sobol' indices against SALib on the same samples", { timeout: 120_000 }, () => {
  for (const secondOrder of [false, true]) {
    it(`Ishigami, N = 512${secondOrder ? ', second order' : ''}: the same estimates, intervals of about SALib's width`, () => {
      const { x } = saltelli(512, 3, -Math.PI, Math.PI, 4, secondOrder);
      const y = x.map((p) => ishigami(p, 7, 0.1));
      const ours = sobolIndices(y, 3, secondOrder, opts());
      const input = JSON.stringify({ method: 'sobol', parameters: 3, second_order: secondOrder, Y: y });
      const ref = JSON.parse(execFileSync(python(), [join(repo, 'runner/src/analysis/testdata/salib-check.py')], { input, encoding: 'utf8' })) as Record<string, number[]>;
      for (let j = 0; j < 3; j++) {
        expect(ours.first[j]!.value).toBeCloseTo(ref.S1![j]!, 10);
        expect(ours.total[j]!.value).toBeCloseTo(ref.ST![j]!, 10);
        // SALib's interval is 1.96 bootstrap sds each side; ours is the bootstrap percentiles: alike for a near-normal spread.
        for (const [e, conf] of [[ours.first[j]!, ref.S1_conf![j]!], [ours.total[j]!, ref.ST_conf![j]!]] as const) {
          const halfWidth = (e.ci_high! - e.ci_low!) / 2;
          expect(halfWidth / conf).toBeGreaterThan(0.75);
          expect(halfWidth / conf).toBeLessThan(1.33);
        }
      }
      if (secondOrder) ours.second.forEach((s, i) => expect(s.estimate.value).toBeCloseTo(ref.S2![i]!, 10));
    });
  }
});
